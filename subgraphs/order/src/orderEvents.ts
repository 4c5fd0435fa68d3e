import type { OrderLine, OrderPlacedPayload, OrderStatusPayload, Outbox, Tx } from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { type OrderRow, orders } from './db/schema.js';
import type { OrderTransition } from './orderStateMachine.js';

/**
 * Persists a state-machine transition inside `tx`: the order row and one order.events status event
 * per emission, in order, with consecutive versions. Returns the updated row.
 */
export async function writeTransition(
  tx: Tx<typeof schema>,
  outbox: Outbox,
  order: OrderRow,
  transition: OrderTransition,
  causationId: string | null,
): Promise<OrderRow> {
  if (!transition.changed) return order;
  const now = new Date().toISOString();
  const { state } = transition;
  const [updated] = await tx
    .update(orders)
    .set({
      status: state.status,
      progress: state.progress,
      announcedProgress: state.announcedProgress ?? null,
      version: state.version,
      statusReason: state.statusReason,
      riderId: state.riderId,
      // Only a status change moves updatedAt; recording silent progress does not.
      ...(transition.events.length > 0 ? { updatedAt: now } : {}),
    })
    .where(eq(orders.id, order.id))
    .returning();
  for (const e of transition.events) {
    const payload: OrderStatusPayload = {
      orderId: order.id,
      customerId: order.customerId,
      storeId: order.storeId,
      ownerId: order.ownerId,
      status: e.status,
      previousStatus: e.previousStatus,
      version: e.version,
      at: now,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.riderId !== undefined ? { riderId: e.riderId } : {}),
    };
    await outbox.add(tx, { type: e.type, correlationId: order.id, causationId, payload });
  }
  return updated!;
}

/** The OrderPlaced payload of a written order: the same whether first published or re-published. */
export function orderPlacedPayload(order: OrderRow, items: readonly OrderLine[]): OrderPlacedPayload {
  return {
    orderId: order.id,
    customerId: order.customerId,
    storeId: order.storeId,
    ownerId: order.ownerId,
    status: 'PLACED',
    previousStatus: null,
    version: 1,
    at: order.placedAt,
    storeName: order.storeName,
    items: items.map((i) => ({
      menuItemId: i.menuItemId,
      name: i.name,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
    })),
    total: order.total,
    deliveryFee: order.deliveryFee,
    paymentId: order.paymentId,
  };
}
