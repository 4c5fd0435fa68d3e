import {
  invalidTransition,
  isRefusal,
  OrderEvents,
  type Outbox,
  PaymentEvents,
  StoreEvents,
  type Tx,
} from '@baemin/platform';
import type * as schema from '../db/schema.js';
import type { OrderRow } from '../db/schema.js';
import { writeTransition } from '../orderEvents.js';
import { type OrderStimulus, requestCancel } from '../orderStateMachine.js';
import { applyToOrder, type ReplyCause } from './applyToOrder.js';
import type { SagaStep } from './SagaStep.js';

type Schema = typeof schema;

/**
 * The cancel-order saga (FTGO's CancelOrderSaga, choreographed), read top-down. The store's
 * answer decides it: a ticket not yet cooking is canceled and the money refunded; otherwise the
 * order goes on. A progress event while pending (cooking won the race) ends it too.
 */
export const CANCEL_ORDER_STEPS: readonly SagaStep[] = [
  {
    name: 'the customer asks to cancel (PLACED or ACCEPTED only; otherwise INVALID_TRANSITION)',
    invoke: { participant: 'order', on: 'cancelOrder' },
    replies: [OrderEvents.OrderCancelRequested],
    compensation: {
      participant: 'order',
      on: StoreEvents.TicketCancelRefused,
      action: 'back to the fulfilment status, announcing what the store did meanwhile',
      emits: [OrderEvents.OrderCancelDenied],
    },
  },
  {
    name: 'the store cancels the ticket, or refuses because cooking started',
    invoke: { participant: 'store', on: OrderEvents.OrderCancelRequested },
    replies: [StoreEvents.TicketCanceled, StoreEvents.TicketCancelRefused],
    onReply: {
      [StoreEvents.TicketCanceled]: { status: 'CANCELED', emits: [OrderEvents.OrderCanceled] },
      [StoreEvents.TicketCancelRefused]: { status: 'unchanged', emits: [OrderEvents.OrderCancelDenied] },
    },
  },
  {
    name: 'payment refunds the canceled order',
    invoke: { participant: 'payment', on: OrderEvents.OrderCanceled },
    replies: [PaymentEvents.PaymentRefunded],
  },
];

/** Step 1, in cancelOrder's transaction: PLACED|ACCEPTED → CANCEL_PENDING with OrderCancelRequested. */
async function request(tx: Tx<Schema>, outbox: Outbox, order: OrderRow): Promise<OrderRow> {
  const transition = requestCancel(order);
  if (isRefusal(transition)) throw invalidTransition('order', order.id, transition.status, 'cancel');
  return writeTransition(tx, outbox, order, transition, null);
}

/** What the store answers a cancel request with (store.events). */
export type StoreAnswer = Extract<OrderStimulus, { type: 'TicketCanceled' | 'TicketCancelRefused' }>;

/** Step 2's answer: TicketCanceled → CANCELED, TicketCancelRefused → back on course. */
function onStoreAnswer(
  tx: Tx<Schema>,
  outbox: Outbox,
  orderId: string,
  stimulus: StoreAnswer,
  cause: ReplyCause,
): Promise<OrderRow> {
  return applyToOrder(tx, outbox, orderId, stimulus, cause);
}

/** The cancel-order saga's steps, in the order they run. */
export const cancelOrderSaga = {
  steps: CANCEL_ORDER_STEPS,
  request,
  onStoreAnswer,
} as const;
