import {
  DEFAULT_TIME_ZONE,
  DeliveryEvents,
  type DeliveryPayload,
  type EventEnvelope,
  type EventHandler,
  type EventHandlers,
  type Outbox,
  PaymentEvents,
  type PaymentPayload,
  StoreEvents,
  type StoreUpsertedPayload,
  type TicketPayload,
  type Tx,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { catalogMenuItems, catalogStores } from './db/schema.js';
import type { OrderStimulus } from './orderStateMachine.js';
import { cancelOrderSaga, type StoreAnswer } from './sagas/cancelOrderSaga.js';
import { placeOrderSaga } from './sagas/placeOrderSaga.js';

type Schema = typeof schema;

/** What the order context's handlers need. */
export interface OrderHandlerDeps {
  /** order.events, written in the consumer's transaction. */
  outbox: Outbox;
}

/**
 * Applies a StoreUpserted snapshot to the catalogue replica: a newer version replaces the store
 * and its whole menu; an older or equal one (redelivered, or overtaken) is ignored.
 */
export async function applyStoreSnapshot(tx: Tx<Schema>, p: StoreUpsertedPayload): Promise<boolean> {
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
 * Handlers for store.events, delivery.events and payment.events (consumer group `order`): each
 * hands the reply to its saga step, which applies it to the order inside the consumer's
 * transaction (inbox row included), so a redelivery changes nothing.
 */
export function eventHandlers({ outbox }: OrderHandlerDeps): EventHandlers<Schema> {
  const orderOf = (e: EventEnvelope<{ orderId?: string }>) => e.payload.orderId ?? e.correlationId;
  // biome-ignore lint/suspicious/noExplicitAny: each reply narrows the payload to its event's type
  type Reply<T> = (e: EventEnvelope<any>) => T;
  /** A reply to the place-order saga, as the order state machine's stimulus it carries. */
  const placeOrderReply =
    (stimulus: Reply<OrderStimulus>): EventHandler<Schema> =>
    async (tx, e) => {
      await placeOrderSaga.onReply(tx, outbox, orderOf(e), stimulus(e), e);
    };
  /** The store's answer to the cancel-order saga's request. */
  const cancelOrderReply =
    (stimulus: Reply<StoreAnswer>): EventHandler<Schema> =>
    async (tx, e) => {
      await cancelOrderSaga.onStoreAnswer(tx, outbox, orderOf(e), stimulus(e), e);
    };
  const ticket = (e: EventEnvelope<TicketPayload>) => e.payload;
  const delivery = (e: EventEnvelope<DeliveryPayload>) => e.payload;
  const paymentGone: EventHandler<Schema> = (tx, e: EventEnvelope<PaymentPayload>) =>
    placeOrderSaga.onPaymentGone(tx, outbox, e.payload.orderId, e);

  return {
    [StoreEvents.StoreUpserted]: async (tx, envelope: EventEnvelope<StoreUpsertedPayload>) => {
      await applyStoreSnapshot(tx, envelope.payload);
    },
    // place order, steps 4-8
    [StoreEvents.TicketAccepted]: placeOrderReply(() => ({ type: 'TicketAccepted' })),
    [StoreEvents.TicketRejected]: placeOrderReply((e) => ({
      type: 'TicketRejected',
      reason: ticket(e).reason,
    })),
    [StoreEvents.TicketCookingStarted]: placeOrderReply(() => ({
      type: 'TicketCookingStarted',
    })),
    [StoreEvents.TicketReady]: placeOrderReply(() => ({ type: 'TicketReady' })),
    [DeliveryEvents.DeliveryPickedUp]: placeOrderReply((e) => ({
      type: 'DeliveryPickedUp',
      riderId: delivery(e).riderId,
    })),
    [DeliveryEvents.DeliveryCompleted]: placeOrderReply((e) => ({
      type: 'DeliveryCompleted',
      riderId: delivery(e).riderId,
    })),
    // place order, any step
    [PaymentEvents.PaymentRefunded]: paymentGone,
    [PaymentEvents.PaymentVoided]: paymentGone,
    // cancel order, step 2's answer
    [StoreEvents.TicketCanceled]: cancelOrderReply(() => ({ type: 'TicketCanceled' })),
    [StoreEvents.TicketCancelRefused]: cancelOrderReply((e) => ({
      type: 'TicketCancelRefused',
      reason: ticket(e).reason,
    })),
  };
}
