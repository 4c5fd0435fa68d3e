import {
  type EventEnvelope,
  type EventHandler,
  OrderEvents,
  type OrderStatusPayload,
  type Outbox,
  UnknownEntityError,
} from '@baemin/platform';
import { and, eq, isNull } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { payments } from './db/schema.js';
import { refundInTx } from './PaymentService.js';

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
      await tx
        .update(payments)
        .set({ confirmedAt: envelope.occurredAt })
        .where(and(eq(payments.orderId, envelope.payload.orderId), isNull(payments.confirmedAt)));
    },
    [OrderEvents.OrderRejected]: refundOn('Order rejected by the store'),
    [OrderEvents.OrderCanceled]: refundOn('Order canceled'),
  };
}
