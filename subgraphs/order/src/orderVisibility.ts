import type { Caller } from '@baemin/platform';
import type { OrderRow } from './db/schema.js';

/**
 * Who may see an order: its customer, the owner of its store, the rider delivering it, any rider
 * while it is READY (so riders can choose deliveries), and other services.
 */
export function canSeeOrder(
  caller: Caller | null,
  order: Pick<OrderRow, 'customerId' | 'ownerId' | 'riderId' | 'status'>,
): boolean {
  if (!caller) return false;
  switch (caller.role) {
    case 'customer':
      return order.customerId === caller.id;
    case 'owner':
      return order.ownerId === caller.id;
    case 'rider':
      return order.riderId === caller.id || order.status === 'READY';
    case 'service':
      return true;
    default:
      return false;
  }
}
