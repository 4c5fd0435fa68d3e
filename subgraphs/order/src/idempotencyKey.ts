import { domainError, ErrorCode, type Tx } from '@baemin/platform';
import type { GraphQLError } from 'graphql';
import { itemsOf } from './db/itemsOf.js';
import type * as schema from './db/schema.js';
import type { OrderRow } from './db/schema.js';

/** What placeOrder was asked for, lines merged by menu item (as `validatePlaceOrderInput` returns them). */
export interface RequestedCart {
  storeId: string;
  lines: readonly { menuItemId: string; quantity: number }[];
}

/**
 * Whether `order`, placed earlier with the same idempotency key, answers this request: the same
 * store and the same quantity of every menu item, in any line order. Prices are not compared: a
 * retry after a price change is still the same request, and its answer is the order as charged.
 */
export function sameCart(
  order: Pick<OrderRow, 'storeId'>,
  items: readonly { menuItemId: string; quantity: number }[],
  requested: RequestedCart,
): boolean {
  if (order.storeId !== requested.storeId || items.length !== requested.lines.length) return false;
  const wanted = new Map(requested.lines.map((l) => [l.menuItemId, l.quantity]));
  return items.every((i) => wanted.get(i.menuItemId) === i.quantity);
}

/**
 * The answer to a placeOrder whose key already placed `order`: that order when the request is the
 * same, otherwise IDEMPOTENCY_KEY_REUSED (a client bug, e.g. a key kept across carts; returning the
 * earlier order would tell the customer a cart they did not order was placed). Stripe and the
 * IETF Idempotency-Key draft refuse such a reuse too.
 */
export async function answerForKey(
  db: Tx<typeof schema>,
  order: OrderRow,
  requested: RequestedCart,
): Promise<OrderRow> {
  if (sameCart(order, await itemsOf(db, order.id), requested)) return order;
  throw idempotencyKeyReused(order.id);
}

export function idempotencyKeyReused(orderId: string): GraphQLError {
  return domainError(
    ErrorCode.IDEMPOTENCY_KEY_REUSED,
    'This idempotency key already placed an order with other items; use a new key for a new cart',
    { field: 'idempotencyKey', orderId },
  );
}
