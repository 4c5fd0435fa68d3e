import {
  type EventEnvelope,
  type EventHandler,
  type EventHandlers,
  isRefusal,
  logger,
  OrderEvents,
  type OrderStatusPayload,
  type Outbox,
  type PaymentPayload,
  UnknownEntityError,
} from '@baemin/platform';
import { and, eq, isNull } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { payments } from './db/schema.js';
import { paymentPayload, refundInTx } from './PaymentService.js';
import { applyPaymentEvent } from './paymentStateMachine.js';

type Schema = typeof schema;

/** What the payment context's handlers need. */
export interface PaymentHandlerDeps {
  /** payment.events, written in the consumer's transaction. */
  outbox: Outbox;
}

/**
 * Handlers for order.events (consumer group `payment`). Cancel saga step 4 (docs/saga.md): a
 * rejected or canceled order is refunded. A payment that is already refunded, or that does not
 * exist, is left alone, so redelivery changes nothing.
 */
export function eventHandlers({ outbox }: PaymentHandlerDeps): EventHandlers<Schema> {
  const refundOn =
    (fallbackReason: string): EventHandler<Schema> =>
    async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const { orderId, reason } = envelope.payload;
      const result = await refundInTx(tx, outbox, orderId, reason ?? fallbackReason, envelope.id);
      // No payment at all: never dropped silently (retried for a while, then dead-lettered).
      if (!result)
        throw new UnknownEntityError(`no payment to refund for order ${orderId} (${envelope.type})`);
    };
  return {
    // The order exists: its capture is no orphan (see OrphanSweeper).
    [OrderEvents.OrderPlaced]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const { orderId } = envelope.payload;
      const [payment] = await tx.select().from(payments).where(eq(payments.orderId, orderId));
      const outcome = applyPaymentEvent(payment ?? null, { type: 'OrderPlaced', at: envelope.occurredAt });
      if (isRefusal(outcome) || !outcome.changed || !payment) return;
      await tx
        .update(payments)
        .set({ confirmedAt: envelope.occurredAt })
        .where(and(eq(payments.orderId, orderId), isNull(payments.confirmedAt)));
      if (outcome.events.length > 0) {
        // The second line behind the order context's fence: an order that turns up after its
        // money was returned (refunded before anyone knew the order existed) must not be cooked
        // and delivered. The order context cancels it.
        logger.error('an order was placed whose payment is already refunded; voiding it', {
          orderId,
          refundReason: payment.refundReason,
        });
      }
      for (const e of outcome.events)
        await outbox.add<PaymentPayload>(tx, {
          type: e.type,
          correlationId: orderId,
          causationId: envelope.id,
          payload: paymentPayload(payment, new Date().toISOString()),
        });
    },
    [OrderEvents.OrderRejected]: refundOn('Order rejected by the store'),
    [OrderEvents.OrderCanceled]: refundOn('Order canceled'),
  };
}
