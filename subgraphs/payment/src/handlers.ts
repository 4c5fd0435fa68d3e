import {
  type EventEnvelope,
  type EventHandler,
  logger,
  OrderEvents,
  type OrderStatusPayload,
  type Outbox,
  PaymentEvents,
  type PaymentPayload,
  UnknownEntityError,
} from '@baemin/platform';
import { and, eq, isNull } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { payments } from './db/schema.js';
import { paymentPayload, refundInTx } from './PaymentService.js';

type Schema = typeof schema;

/**
 * Cancel saga step 4 (docs/saga.md): a rejected or canceled order is refunded. A payment that is
 * already refunded, or that does not exist, is left alone, so redelivery changes nothing.
 */
export function paymentHandlers(outbox: Outbox): Partial<Record<string, EventHandler<Schema>>> {
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
      await tx
        .update(payments)
        .set({ confirmedAt: envelope.occurredAt })
        .where(and(eq(payments.orderId, orderId), isNull(payments.confirmedAt)));
      if (payment?.status === 'REFUNDED' && payment.confirmedAt === null) {
        // The second line behind the order context's fence: an order that turns up after its
        // money was returned (refunded before anyone knew the order existed) must not be cooked and
        // delivered. The order context cancels it. A payment refunded after its order was
        // confirmed was refunded by the saga itself (or announced by PaymentRefunded): a copy of
        // OrderPlaced arriving later means nothing.
        logger.error('an order was placed whose payment is already refunded; voiding it', {
          orderId,
          refundReason: payment.refundReason,
        });
        await outbox.add<PaymentPayload>(tx, {
          type: PaymentEvents.PaymentVoided,
          correlationId: orderId,
          causationId: envelope.id,
          payload: paymentPayload(payment, new Date().toISOString()),
        });
      }
    },
    [OrderEvents.OrderRejected]: refundOn('Order rejected by the store'),
    [OrderEvents.OrderCanceled]: refundOn('Order canceled'),
  };
}
