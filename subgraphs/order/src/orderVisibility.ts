import { type Caller, canSeeOrder as personCanSeeOrder } from '@baemin/platform';
import type { OrderRow } from './db/schema.js';

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
