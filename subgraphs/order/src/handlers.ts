import {
  DEFAULT_TIME_ZONE,
  DeliveryEvents,
  type DeliveryPayload,
  type EventEnvelope,
  type EventHandler,
  logger,
  PaymentEvents,
  type PaymentPayload,
  StoreEvents,
  type StoreUpsertedPayload,
  type TicketPayload,
  type Outbox,
  UnknownEntityError,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from './db/schema.js';
import { catalogMenuItems, catalogStores, orders } from './db/schema.js';
import { writeTransition } from './orderEvents.js';
import { applyOrderEvent, type OrderStimulus } from './orderStateMachine.js';

type Schema = typeof schema;
type Tx = BetterSQLite3Database<Schema>;
type Handlers = Partial<Record<string, EventHandler<Schema>>>;

/**
 * Applies a StoreUpserted snapshot to the catalogue replica: a newer version replaces the store
 * and its whole menu; an older or equal one (redelivered, or overtaken) is ignored.
 */
export async function applyStoreSnapshot(tx: Tx, p: StoreUpsertedPayload): Promise<boolean> {
  const [current] = await tx.select().from(catalogStores).where(eq(catalogStores.id, p.storeId));
  if (current && current.version >= p.version) return false;
  const store = {
    id: p.storeId,
    name: p.name,
    ownerId: p.ownerId,
    open: p.open,
    version: p.version,
    // Absent in snapshots from before these fields existed: no limits.
    timeZone: p.timeZone ?? DEFAULT_TIME_ZONE,
    openingHours: JSON.stringify(p.openingHours ?? []),
    minimumOrder: p.minimumOrder ?? 0,
    deliveryFee: p.deliveryFee ?? 0,
  };
  await tx.insert(catalogStores).values(store).onConflictDoUpdate({ target: catalogStores.id, set: store });
  await tx.delete(catalogMenuItems).where(eq(catalogMenuItems.storeId, p.storeId));
  for (const m of p.menu) {
    const item = {
      id: m.menuItemId,
      storeId: p.storeId,
      name: m.name,
      price: m.price,
      available: m.available,
    };
    await tx
      .insert(catalogMenuItems)
      .values(item)
      .onConflictDoUpdate({ target: catalogMenuItems.id, set: item });
  }
  return true;
}

/**
 * Handlers for store.events and delivery.events (consumer group `order`). Each maps the event to
 * a stimulus of the order state machine and writes the result with its status events, inside the
 * consumer's transaction (inbox row included), so a redelivery changes nothing.
 */
export function orderHandlers(outbox: Outbox): Handlers {
  const drive =
    (toStimulus: (envelope: EventEnvelope<never>) => OrderStimulus): EventHandler<Schema> =>
    async (tx, envelope) => {
      const orderId = (envelope.payload as { orderId?: string }).orderId ?? envelope.correlationId;
      const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (!order) {
        // Never dropped silently: it may be early, or a replica on another database holds the
        // order. Retried for the unknown-entity window, then dead-lettered with an alert.
        throw new UnknownEntityError(`unknown order ${orderId} for ${envelope.type} (event ${envelope.id})`);
      }
      const transition = applyOrderEvent(order, toStimulus(envelope as EventEnvelope<never>));
      if (!transition.changed) {
        logger.debug('stale or inapplicable event ignored', {
          orderId,
          type: envelope.type,
          status: order.status,
        });
        return;
      }
      await writeTransition(tx, outbox, order, transition, envelope.id);
    };
  const ticket = (e: EventEnvelope<never>) => e.payload as TicketPayload;
  const delivery = (e: EventEnvelope<never>) => e.payload as DeliveryPayload;

  // payment.events: a refund of a live order (an ops refund, or a capture voided because the order
  // was written after its refund) cancels it. Refunds of orders that never existed (orphan captures,
  // fenced off for good) and of ended orders are the normal case and change nothing.
  const paymentGone: EventHandler<Schema> = async (tx, envelope) => {
    const p = envelope.payload as PaymentPayload;
    const [order] = await tx.select().from(orders).where(eq(orders.id, p.orderId));
    if (!order) return;
    const transition = applyOrderEvent(order, { type: 'PaymentRefunded' });
    if (!transition.changed) {
      if (order.status === 'DELIVERED')
        logger.error('a delivered order has a refunded payment', { orderId: order.id, type: envelope.type });
      return;
    }
    logger.warn('canceling an order whose payment was refunded', { orderId: order.id, status: order.status });
    await writeTransition(tx, outbox, order, transition, envelope.id);
  };

  return {
    [PaymentEvents.PaymentRefunded]: paymentGone,
    [PaymentEvents.PaymentVoided]: paymentGone,
    [StoreEvents.StoreUpserted]: async (tx, envelope: EventEnvelope<StoreUpsertedPayload>) => {
      await applyStoreSnapshot(tx, envelope.payload);
    },
    [StoreEvents.TicketAccepted]: drive(() => ({ type: 'TicketAccepted' })),
    [StoreEvents.TicketCookingStarted]: drive(() => ({ type: 'TicketCookingStarted' })),
    [StoreEvents.TicketReady]: drive(() => ({ type: 'TicketReady' })),
    [StoreEvents.TicketRejected]: drive((e) => ({ type: 'TicketRejected', reason: ticket(e).reason })),
    [StoreEvents.TicketCanceled]: drive(() => ({ type: 'TicketCanceled' })),
    [StoreEvents.TicketCancelRefused]: drive((e) => ({
      type: 'TicketCancelRefused',
      reason: ticket(e).reason,
    })),
    [DeliveryEvents.DeliveryPickedUp]: drive((e) => ({
      type: 'DeliveryPickedUp',
      riderId: delivery(e).riderId,
    })),
    [DeliveryEvents.DeliveryCompleted]: drive((e) => ({
      type: 'DeliveryCompleted',
      riderId: delivery(e).riderId,
    })),
  };
}
