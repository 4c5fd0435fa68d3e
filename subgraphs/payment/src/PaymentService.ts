import { randomUUID } from 'node:crypto';
import { type Database, type Outbox, type PaymentPayload, PaymentEvents, type Tx } from '@baemin/platform';
import { eq, inArray } from 'drizzle-orm';
import { type PaymentRow, payments } from './db/schema.js';
import type * as schema from './db/schema.js';

type Schema = typeof schema;

export interface CaptureRequest {
  orderId: string;
  customerId: string;
  storeId: string;
  ownerId: string;
  /** Won, positive integer. */
  amount: number;
}

export type CaptureResult =
  /** `created` is false when an earlier capture of the same order and amount is returned. */
  | { kind: 'captured'; payment: PaymentRow; created: boolean }
  | { kind: 'conflict'; payment: PaymentRow }
  | { kind: 'declined'; limitWon: number };

export type RefundResult = { payment: PaymentRow; refunded: boolean } | null;

/**
 * The payment context's write side: capture (idempotent on the order id) and refund (idempotent:
 * only CAPTURED → REFUNDED emits an event). Every state change commits together with its event.
 */
export class PaymentService {
  constructor(
    private readonly database: Database<Schema>,
    private readonly outbox: Outbox,
    private readonly limitWon: number,
  ) {}

  async capture(request: CaptureRequest): Promise<CaptureResult> {
    const result = await this.database.transaction(async (tx): Promise<CaptureResult> => {
      const existing = await findByOrder(tx, request.orderId);
      if (existing) {
        // The same order retried (e.g. the caller timed out): same answer; another amount is a bug.
        return existing.amount === request.amount
          ? { kind: 'captured', payment: existing, created: false }
          : { kind: 'conflict', payment: existing };
      }
      if (request.amount > this.limitWon) return { kind: 'declined', limitWon: this.limitWon };
      const row: PaymentRow = {
        id: randomUUID(),
        orderId: request.orderId,
        customerId: request.customerId,
        storeId: request.storeId,
        ownerId: request.ownerId,
        amount: request.amount,
        status: 'CAPTURED',
        capturedAt: new Date().toISOString(),
        refundedAt: null,
        refundReason: null,
        confirmedAt: null,
      };
      await tx.insert(payments).values(row);
      await this.outbox.add<PaymentPayload>(tx, {
        type: PaymentEvents.PaymentCaptured,
        correlationId: row.orderId,
        payload: paymentPayload(row, row.capturedAt),
      });
      return { kind: 'captured', payment: row, created: true };
    });
    if (result.kind === 'captured' && result.created) this.outbox.notify();
    return result;
  }

  /** Refund outside a consumer (internal route); wakes the relay after commit. */
  async refund(orderId: string, reason: string | null): Promise<RefundResult> {
    const result = await this.database.transaction((tx) =>
      refundInTx(tx, this.outbox, orderId, reason, null),
    );
    if (result?.refunded) this.outbox.notify();
    return result;
  }

  async findByOrder(orderId: string): Promise<PaymentRow | undefined> {
    return findByOrder(this.database.reader, orderId);
  }

  /** The payments of many orders in one query (a batch of entity fetches); one per order at most. */
  async findByOrders(orderIds: readonly string[]): Promise<PaymentRow[]> {
    return this.database.reader
      .select()
      .from(payments)
      .where(inArray(payments.orderId, [...orderIds]));
  }
}

async function findByOrder(db: Tx<Schema>, orderId: string): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.orderId, orderId)).limit(1);
  return row;
}

/**
 * CAPTURED → REFUNDED with its `PaymentRefunded` event, inside the caller's transaction.
 * Already refunded: unchanged, no event. No payment: null.
 */
export async function refundInTx(
  tx: Tx<Schema>,
  outbox: Outbox,
  orderId: string,
  reason: string | null,
  causationId: string | null,
): Promise<RefundResult> {
  const existing = await findByOrder(tx, orderId);
  if (!existing) return null;
  if (existing.status !== 'CAPTURED') return { payment: existing, refunded: false };
  const refundedAt = new Date().toISOString();
  const row: PaymentRow = { ...existing, status: 'REFUNDED', refundedAt, refundReason: reason };
  await tx
    .update(payments)
    .set({ status: 'REFUNDED', refundedAt, refundReason: reason })
    .where(eq(payments.id, existing.id));
  await outbox.add<PaymentPayload>(tx, {
    type: PaymentEvents.PaymentRefunded,
    correlationId: orderId,
    causationId,
    payload: paymentPayload(row, refundedAt),
  });
  return { payment: row, refunded: true };
}

export function paymentPayload(row: PaymentRow, at: string): PaymentPayload {
  return {
    paymentId: row.id,
    orderId: row.orderId,
    customerId: row.customerId,
    amount: row.amount,
    status: row.status,
    at,
    ...(row.refundReason ? { reason: row.refundReason } : {}),
  };
}
