import { randomUUID } from 'node:crypto';
import {
  type Database,
  isRefusal,
  type Outbox,
  paramsFor,
  preparedIn,
  type PaymentCaptureRequest,
  type PaymentPayload,
  type Tx,
} from '@baemin/platform';
import { eq, inArray } from 'drizzle-orm';
import { type PaymentRow, payments } from './db/schema.js';
import type * as schema from './db/schema.js';
import { applyPaymentEvent } from './paymentStateMachine.js';

type Schema = typeof schema;

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

  async capture(request: PaymentCaptureRequest): Promise<CaptureResult> {
    const result = await this.database.transaction(async (tx): Promise<CaptureResult> => {
      const existing = await findByOrder(tx, request.orderId);
      const outcome = applyPaymentEvent(existing ?? null, {
        type: 'capture',
        amount: request.amount,
        limitWon: this.limitWon,
      });
      if (isRefusal(outcome))
        return outcome.refused === 'PAYMENT_CONFLICT'
          ? { kind: 'conflict', payment: existing! }
          : { kind: 'declined', limitWon: this.limitWon };
      if (!outcome.changed) return { kind: 'captured', payment: existing!, created: false };
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
      await preparedIn(
        tx,
        'payment:insert',
        (p, values) => tx.insert(payments).values(paramsFor(p, values)),
        row,
      );
      for (const e of outcome.events)
        await this.outbox.add<PaymentPayload>(tx, {
          type: e.type,
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
  const [row] = await preparedIn<PaymentRow[]>(
    db,
    'payment:byOrder',
    (p) =>
      db
        .select()
        .from(payments)
        .where(eq(payments.orderId, p('orderId')))
        .limit(1),
    { orderId },
  );
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
  const outcome = applyPaymentEvent(existing ?? null, { type: 'refund', reason });
  if (isRefusal(outcome)) return null;
  if (!outcome.changed) return { payment: existing!, refunded: false };
  const refundedAt = new Date().toISOString();
  const row: PaymentRow = { ...existing!, status: 'REFUNDED', refundedAt, refundReason: reason };
  await tx
    .update(payments)
    .set({ status: 'REFUNDED', refundedAt, refundReason: reason })
    .where(eq(payments.id, row.id));
  for (const e of outcome.events)
    await outbox.add<PaymentPayload>(tx, {
      type: e.type,
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
