import type { Caller } from './Caller.js';

/**
 * The facts about an order that decide which people may see it, as they are NOW (never as an old
 * snapshot was: a replayed READY snapshot of an order another rider has since picked up must not
 * reach every rider).
 */
export interface OrderAudienceFacts {
  customerId: string;
  ownerId: string;
  /** The rider who picked it up, once someone did. */
  riderId: string | null;
  /** Food ready and no rider yet: any rider may see it to choose it (delivery AVAILABLE). */
  awaitingRider: boolean;
}

/**
 * THE visibility rule of an order and of everything that describes it (order, dashboard row,
 * delivery), for people: its customer, its store's owner, the rider who picked it up, and any rider
 * while it waits for one. Queries, entity references, live events and replays all use it; each
 * resource only decides on its own whether services see it too. `null` callers see nothing.
 */
export function canSeeOrder(caller: Caller | null, order: OrderAudienceFacts): boolean {
  if (!caller) return false;
  switch (caller.role) {
    case 'customer':
      return caller.id === order.customerId;
    case 'owner':
      return caller.id === order.ownerId;
    case 'rider':
      return order.awaitingRider || (order.riderId !== null && caller.id === order.riderId);
    default:
      return false;
  }
}

/**
 * Who may see an order's payment (status, amount): its customer and its store's owner; riders never
 * (they see the order to deliver it, not how it was paid). Used by the payment query, by the
 * dashboard's `paymentStatus` and by the router for live events.
 */
export function canSeePayment(
  caller: Caller | null,
  order: Pick<OrderAudienceFacts, 'customerId' | 'ownerId'>,
): boolean {
  if (!caller) return false;
  return (
    (caller.role === 'customer' && caller.id === order.customerId) ||
    (caller.role === 'owner' && caller.id === order.ownerId)
  );
}

/**
 * Who may hear that an order became, or stopped being, up for pickup (`deliveryOffersChanged`):
 * every rider. Any rider may see an order while it waits for one, and the offer carries nothing
 * but that order's id and whether it is still free, so riders learn of a job another rider took
 * without learning who took it or anything else about the order.
 */
export function canSeeDeliveryOffer(caller: Caller | null): boolean {
  return caller?.role === 'rider';
}
