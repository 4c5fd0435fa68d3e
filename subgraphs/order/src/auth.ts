import { type Caller, canSeeOrder as personCanSeeOrder, forbidden, requireRole } from '@baemin/platform';
import type { OrderRow } from './db/schema.js';

/** The calling customer; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other roles. */
export function requireCustomer(caller: Caller | null): Caller {
  return requireRole(caller, ['customer'], 'Only customers can do this');
}

/**
 * Who may see an order: the platform's order rule (its customer, its store's owner, its rider, any
 * rider while it is READY without one) plus other services.
 */
export function canSeeOrder(
  caller: Caller | null,
  order: Pick<OrderRow, 'customerId' | 'ownerId' | 'riderId' | 'status'>,
): boolean {
  if (caller?.role === 'service') return true;
  return personCanSeeOrder(caller, {
    customerId: order.customerId,
    ownerId: order.ownerId,
    riderId: order.riderId,
    awaitingRider: order.status === 'READY' && order.riderId === null,
  });
}

/** FORBIDDEN unless {@link canSeeOrder}. */
export function assertCanSeeOrder(
  caller: Caller | null,
  order: Pick<OrderRow, 'customerId' | 'ownerId' | 'riderId' | 'status'>,
): void {
  if (!canSeeOrder(caller, order)) throw forbidden('You cannot see this order');
}

/** Only the customer who placed an order may change it (cancel); FORBIDDEN for anyone else. */
export function assertOwnsOrder(customer: Caller, order: Pick<OrderRow, 'customerId'>): void {
  if (order.customerId !== customer.id) throw forbidden('This is not your order');
}
