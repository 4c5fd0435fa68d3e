import {
  type Database,
  DeliveryEvents,
  domainError,
  ErrorCode,
  logger,
  OrderEvents,
  type OrderLine,
  type Outbox,
  PaymentCapture,
  PaymentEvents,
  paramsFor,
  preparedIn,
  StoreEvents,
  type Tx,
} from '@baemin/platform';
import { and, eq } from 'drizzle-orm';
import type * as schema from '../db/schema.js';
import { abandonedOrders, type OrderRow, orderItems, orders } from '../db/schema.js';
import { orderPlacedPayload, writeTransition } from '../orderEvents.js';
import { applyOrderEvent, type OrderStimulus } from '../orderStateMachine.js';
import type { PaymentClient } from '../PaymentClient.js';
import { applyToOrder, type ReplyCause } from './applyToOrder.js';
import type { SagaStep } from './SagaStep.js';
import { itemsOf } from '../db/itemsOf.js';
import { idempotencyKeyReused, sameCart } from '../idempotencyKey.js';

type Schema = typeof schema;

/**
 * The place-order saga (FTGO's CreateOrderSaga), read top-down. Only step 1 is request/response;
 * every later step is an event written to its producer's outbox in the same transaction as the
 * state change, and handled by idempotent consumers. docs/saga.md explains the why.
 */
export const PLACE_ORDER_STEPS: readonly SagaStep[] = [
  {
    name: 'capture the payment',
    invoke: { participant: 'payment', on: `placeOrder → POST ${PaymentCapture.capturePath}` },
    replies: ['CapturedPayment', 'PAYMENT_DECLINED', 'PAYMENT_UNAVAILABLE'],
    compensation: {
      participant: 'payment',
      on: `the order is not written (fenced, duplicate key, failed insert) or the capture timed out → POST ${PaymentCapture.refundPath}`,
      action: 'refund the capture',
      emits: [PaymentEvents.PaymentRefunded],
    },
  },
  {
    name: 'write the order PLACED, unless the orphan sweeper fenced its id',
    invoke: { participant: 'order', on: 'the capture succeeded' },
    replies: [OrderEvents.OrderPlaced],
  },
  {
    name: 'open a kitchen ticket; confirm the capture',
    invoke: { participant: 'store', on: OrderEvents.OrderPlaced },
    // Payment consumes OrderPlaced too: a capture refunded before its order was written is voided
    // (the fence's second line; the order takes PaymentVoided in the last step below).
    replies: [StoreEvents.TicketCreated, PaymentEvents.PaymentVoided],
  },
  {
    name: 'the owner accepts the ticket',
    invoke: { participant: 'store', on: 'acceptOrder' },
    replies: [StoreEvents.TicketAccepted, StoreEvents.TicketRejected],
    onReply: {
      [StoreEvents.TicketAccepted]: { status: 'ACCEPTED', emits: [OrderEvents.OrderAccepted] },
      [StoreEvents.TicketRejected]: { status: 'REJECTED', emits: [OrderEvents.OrderRejected] },
    },
    compensation: {
      participant: 'payment',
      on: OrderEvents.OrderRejected,
      action: 'refund the capture',
      emits: [PaymentEvents.PaymentRefunded],
    },
  },
  {
    name: 'the kitchen cooks',
    invoke: { participant: 'store', on: 'startCooking' },
    replies: [StoreEvents.TicketCookingStarted],
    onReply: {
      [StoreEvents.TicketCookingStarted]: { status: 'COOKING', emits: [OrderEvents.OrderCookingStarted] },
    },
  },
  {
    name: 'the food is ready; a delivery opens for riders',
    invoke: { participant: 'store', on: 'markReady' },
    replies: [StoreEvents.TicketReady, DeliveryEvents.DeliveryCreated],
    onReply: { [StoreEvents.TicketReady]: { status: 'READY', emits: [OrderEvents.OrderReady] } },
  },
  {
    name: 'a rider picks it up; the ticket is handed over',
    invoke: { participant: 'delivery', on: 'pickUp' },
    replies: [DeliveryEvents.DeliveryPickedUp, StoreEvents.TicketPickedUp],
    onReply: {
      [DeliveryEvents.DeliveryPickedUp]: { status: 'PICKED_UP', emits: [OrderEvents.OrderPickedUp] },
    },
  },
  {
    name: 'the rider delivers',
    invoke: { participant: 'delivery', on: 'completeDelivery' },
    replies: [DeliveryEvents.DeliveryCompleted],
    onReply: {
      [DeliveryEvents.DeliveryCompleted]: { status: 'DELIVERED', emits: [OrderEvents.OrderDelivered] },
    },
  },
  {
    name: 'at any step: the money went back, so the order ends',
    invoke: { participant: 'payment', on: 'a refund by an operator, or a capture voided after its refund' },
    replies: [PaymentEvents.PaymentRefunded, PaymentEvents.PaymentVoided],
    onReply: {
      [PaymentEvents.PaymentRefunded]: { status: 'CANCELED', emits: [OrderEvents.OrderCanceled] },
      [PaymentEvents.PaymentVoided]: { status: 'CANCELED', emits: [OrderEvents.OrderCanceled] },
    },
  },
  {
    name: 'the store never answered (SagaTimeouts): re-publish OrderPlaced, then give up',
    invoke: { participant: 'order', on: 'ORDER_SAGA_TIMEOUT_MS / ORDER_SAGA_COMPENSATE_AFTER_MS' },
    replies: [OrderEvents.OrderPlaced, OrderEvents.OrderCanceled],
    compensation: {
      participant: 'payment',
      on: OrderEvents.OrderCanceled,
      action: 'refund the capture',
      emits: [PaymentEvents.PaymentRefunded],
    },
  },
];

/** Retry hint for an order abandoned by the orphan sweeper: a new attempt is a new order id. */
export const ABANDONED_RETRY_AFTER_SECONDS = 1;

/** An order priced and checked, ready to be paid for and written. */
export interface OrderDraft {
  orderId: string;
  customerId: string;
  store: { id: string; ownerId: string; name: string };
  lines: OrderLine[];
  /** Won: the items plus the delivery fee. */
  total: number;
  deliveryFee: number;
  idempotencyKey: string | null;
}

export interface PlaceOrderDeps {
  database: Database<Schema>;
  outbox: Outbox;
  payment: PaymentClient;
}

/** Thrown inside step 2's transaction when payment's orphan sweeper abandoned the id first. */
class OrderAbandonedError extends Error {
  override name = 'OrderAbandonedError';
}

/**
 * Steps 1 and 2, in placeOrder: capture, then write the order with its OrderPlaced in one
 * transaction. Every way the order does not get written refunds the capture (compensation of step 1).
 */
async function start(deps: PlaceOrderDeps, draft: OrderDraft): Promise<OrderRow> {
  const { orderId } = draft;
  // Step 1. Never inside a transaction: a slow payment must not hold the database's write lock.
  const payment = await deps.payment.capture({
    orderId,
    customerId: draft.customerId,
    storeId: draft.store.id,
    ownerId: draft.store.ownerId,
    amount: draft.total,
  });

  // Step 2.
  let result: Awaited<ReturnType<typeof writeOrder>>;
  try {
    result = await deps.database.transaction((tx) => writeOrder(tx, deps.outbox, draft, payment.id));
  } catch (err) {
    if (err instanceof OrderAbandonedError) {
      logger.warn('order abandoned by the orphan sweeper before it was written; not placed', { orderId });
      // The sweeper refunds it; asking again is idempotent and covers a sweeper that died after the fence.
      void deps.payment.refund(orderId, 'order abandoned before it was written');
      throw domainError(
        ErrorCode.PAYMENT_UNAVAILABLE,
        'The order took too long to confirm and was not placed; its payment is refunded. Please place it again',
        { reason: 'ORDER_ABANDONED', orderId, retryAfterSeconds: ABANDONED_RETRY_AFTER_SECONDS },
      );
    }
    logger.error('order not persisted after payment was captured; refunding', {
      orderId,
      error: (err as Error).message,
    });
    void deps.payment.refund(orderId, 'order not persisted');
    throw domainError(ErrorCode.INTERNAL, 'The order could not be saved; the payment is being refunded');
  }
  if (result.duplicate) {
    // The other request's order stands; this capture was a second charge for the same key.
    void deps.payment.refund(orderId, 'duplicate idempotency key');
    if (!result.sameCart) throw idempotencyKeyReused(result.row.id);
    return result.row;
  }
  deps.outbox.notify();
  return result.row;
}

async function writeOrder(
  tx: Tx<Schema>,
  outbox: Outbox,
  draft: OrderDraft,
  paymentId: string,
): Promise<{ row: OrderRow; duplicate: boolean; sameCart: boolean }> {
  const { orderId, customerId, store, lines, idempotencyKey } = draft;
  if (idempotencyKey !== null) {
    // A concurrent request with the same key may have committed while we were at payment.
    const [dup] = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.customerId, customerId), eq(orders.idempotencyKey, idempotencyKey)));
    if (dup) {
      const same = sameCart(dup, await itemsOf(tx, dup.id), { storeId: store.id, lines });
      return { row: dup, duplicate: true, sameCart: same };
    }
  }
  // The fence (docs/saga.md, "Orphan captures"): if payment's sweeper gave up on this id
  // while we were paused between capture and here, its capture is (being) refunded and
  // the order must never exist. Same write transaction as the insert, so no interleaving.
  const [abandoned] = await preparedIn<unknown[]>(
    tx,
    'order:abandoned',
    (p) =>
      tx
        .select({ orderId: abandonedOrders.orderId })
        .from(abandonedOrders)
        .where(eq(abandonedOrders.orderId, p('orderId'))),
    { orderId },
  );
  if (abandoned) throw new OrderAbandonedError(orderId);
  const now = new Date().toISOString();
  const [row] = await preparedIn<OrderRow[]>(
    tx,
    'order:insert',
    (p, values) => tx.insert(orders).values(paramsFor(p, values)).returning(),
    {
      id: orderId,
      customerId,
      storeId: store.id,
      ownerId: store.ownerId,
      storeName: store.name,
      total: draft.total,
      deliveryFee: draft.deliveryFee,
      status: 'PLACED',
      progress: 'PLACED',
      statusReason: null,
      riderId: null,
      version: 1,
      idempotencyKey,
      paymentId,
      placedAt: now,
      updatedAt: now,
    },
  );
  // One prepared single-row insert per line: a multi-row insert would be a different statement
  // for every line count.
  for (const [i, l] of lines.entries()) {
    await preparedIn(tx, 'order:item', (p, values) => tx.insert(orderItems).values(paramsFor(p, values)), {
      orderId,
      lineNo: i + 1,
      menuItemId: l.menuItemId,
      name: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
    });
  }
  await outbox.add(tx, {
    type: OrderEvents.OrderPlaced,
    correlationId: orderId,
    payload: orderPlacedPayload(row!, lines),
  });
  return { row: row!, duplicate: false, sameCart: true };
}

/** Steps 4 to 8: the store's and the delivery's replies move the order along (consumer transaction). */
function onReply(
  tx: Tx<Schema>,
  outbox: Outbox,
  orderId: string,
  stimulus: OrderStimulus,
  cause: ReplyCause,
): Promise<OrderRow> {
  return applyToOrder(tx, outbox, orderId, stimulus, cause);
}

/**
 * At any step: the order's payment was refunded (an ops refund) or voided (a capture refunded
 * before its order was written): a live order is canceled, no order is fulfilled without its
 * money. Refunds of orders that never existed (orphan captures, fenced off for good) and of ended
 * orders are the normal case and change nothing.
 */
async function onPaymentGone(
  tx: Tx<Schema>,
  outbox: Outbox,
  orderId: string,
  cause: ReplyCause,
): Promise<void> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return;
  const transition = applyOrderEvent(order, { type: 'PaymentRefunded' });
  if (!transition.changed) {
    if (order.status === 'DELIVERED')
      logger.error('a delivered order has a refunded payment', { orderId: order.id, type: cause.type });
    return;
  }
  logger.warn('canceling an order whose payment was refunded', { orderId: order.id, status: order.status });
  await writeTransition(tx, outbox, order, transition, cause.id);
}

/** The store never answered a PLACED order in time: → CANCELED with OrderCanceled (payment refunds it). */
async function giveUp(tx: Tx<Schema>, outbox: Outbox, orderId: string, reason: string): Promise<boolean> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return false;
  const transition = applyOrderEvent(order, { type: 'SagaTimedOut', reason });
  if (!transition.changed) return false;
  await writeTransition(tx, outbox, order, transition, null);
  return true;
}

/** The place-order saga's steps and compensations, in the order they run. */
export const placeOrderSaga = {
  steps: PLACE_ORDER_STEPS,
  /** Steps 1-2 (placeOrder), with the refund as their compensation. */
  start,
  /** Steps 4-8 (store.events, delivery.events). */
  onReply,
  /** Any step: PaymentRefunded / PaymentVoided end a live order. */
  onPaymentGone,
  /** Timeout compensation (SagaTimeouts). */
  giveUp,
} as const;
