import { type Caller, canSeeOrder, forbidden, requireRole } from '@baemin/platform';
import type { DeliveryRow } from './db/schema.js';

/** The calling rider; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other roles. */
export function requireRider(caller: Caller | null): Caller {
  return requireRole(caller, ['rider'], 'Only riders can do this');
}

/**
 * Who may see a delivery: the platform's order rule (the order's customer, the store's owner, the
 * rider who picked it up, any rider while it is AVAILABLE so they can choose it).
 */
export function canSeeDelivery(
  caller: Caller | null,
  d: Pick<DeliveryRow, 'customerId' | 'ownerId' | 'riderId' | 'status'>,
): boolean {
  return canSeeOrder(caller, {
    customerId: d.customerId,
    ownerId: d.ownerId,
    riderId: d.riderId,
    awaitingRider: d.status === 'AVAILABLE',
  });
}

/** FORBIDDEN unless {@link canSeeDelivery}. */
export function assertCanSeeDelivery(
  caller: Caller | null,
  d: Pick<DeliveryRow, 'customerId' | 'ownerId' | 'riderId' | 'status'>,
): void {
  if (!canSeeDelivery(caller, d)) throw forbidden('This delivery is not yours to see');
}
