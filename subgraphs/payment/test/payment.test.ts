import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CALLER_HEADER,
  CALLER_SIGNATURE_HEADER,
  type EmbeddedEventBus,
  OrderEvents,
  type OrderStatusPayload,
  type PaymentPayload,
  signCallerHeaders,
  Topics,
} from '@baemin/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments } from '../src/db/schema.js';
import { type RunningPayment, start } from '../src/server.js';
import {
  eventsOf,
  gql,
  post,
  publish,
  republish,
  service,
  tempDir,
  waitFor,
  waitSettled,
} from '@baemin/platform/testing';

// A refund for an order without a payment is retried this long before the DLQ (default 60 s).
process.env.EVENT_UNKNOWN_ENTITY_RETRY_MS = '1000';
const tmp = tempDir('payment-test-');
let s: RunningPayment;

beforeAll(async () => {
  s = await start({ port: 0, dataDir: tmp.dir, eventLogPath: join(tmp.dir, 'eventlog.db') });
});
afterAll(async () => {
  await s?.close();
  tmp.cleanup();
});

const capture = (body: unknown, caller = service) => post(s.url, '/internal/payments/capture', body, caller);
const newOrder = (amount = 25_000) => ({
  orderId: `order-${randomUUID()}`,
  customerId: 'alice',
  storeId: 'store-1',
  ownerId: 'owner-1',
  amount,
});
const rowsOf = async (orderId: string) =>
  (await s.database.reader.select().from(payments)).filter((p) => p.orderId === orderId);

function statusPayload(
  order: ReturnType<typeof newOrder>,
  status: OrderStatusPayload['status'],
  version: number,
  reason?: string,
) {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    storeId: order.storeId,
    ownerId: order.ownerId,
    status,
    previousStatus: 'PLACED',
    version,
    at: new Date().toISOString(),
    ...(reason ? { reason } : {}),
  } satisfies OrderStatusPayload;
}

describe('POST /internal/payments/capture', () => {
  it('captures, stores the payment and publishes PaymentCaptured', async () => {
    const order = newOrder(31_000);
    const res = await capture(order);
    expect(res.status).toBe(200);
    const payment = res.body.payment as { id: string; capturedAt: string };
    expect(payment).toEqual({
      id: expect.any(String),
      orderId: order.orderId,
      amount: 31_000,
      status: 'CAPTURED',
      capturedAt: expect.any(String),
    });
    expect(await rowsOf(order.orderId)).toEqual([
      expect.objectContaining({
        id: payment.id,
        customerId: 'alice',
        ownerId: 'owner-1',
        status: 'CAPTURED',
      }),
    ]);
    const events = await waitFor(() => {
      const e = eventsOf(s.bus, Topics.payment, order.orderId);
      return e.length > 0 && e;
    });
    expect(events.map((e) => e.type)).toEqual(['PaymentCaptured']);
    expect(events[0]!.payload).toEqual({
      paymentId: payment.id,
      orderId: order.orderId,
      customerId: 'alice',
      amount: 31_000,
      status: 'CAPTURED',
      at: payment.capturedAt,
    } satisfies PaymentPayload);
  });

  it('is idempotent on the order id: a retry returns the same payment and emits nothing new', async () => {
    const order = newOrder();
    const first = await capture(order);
    const second = await capture(order);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await rowsOf(order.orderId)).toHaveLength(1);
    await waitFor(() => eventsOf(s.bus, Topics.payment, order.orderId).length > 0);
    await waitSettled(s.url);
    expect(eventsOf(s.bus, Topics.payment, order.orderId)).toHaveLength(1);
  });

  it('answers 409 PAYMENT_CONFLICT for the same order with another amount, keeping the first', async () => {
    const order = newOrder(10_000);
    await capture(order);
    const res = await capture({ ...order, amount: 12_000 });
    expect(res.status).toBe(409);
    expect((res.body.error as { code: string }).code).toBe('PAYMENT_CONFLICT');
    expect((await rowsOf(order.orderId)).map((p) => p.amount)).toEqual([10_000]);
  });

  it('declines amounts over the card limit with 402 and stores nothing', async () => {
    const order = newOrder(1_000_001);
    const res = await capture(order);
    expect(res.status).toBe(402);
    expect(res.body.error).toEqual({
      code: 'PAYMENT_DECLINED',
      message: expect.stringMatching(/^Card limit exceeded/),
    });
    expect(await rowsOf(order.orderId)).toEqual([]);
    // The limit itself is allowed.
    const atLimit = await capture(newOrder(1_000_000));
    expect(atLimit.status).toBe(200);
    // The capture at the limit is relayed: a declined one would have been too, before it.
    await waitSettled(s.url);
    expect(eventsOf(s.bus, Topics.payment, order.orderId)).toEqual([]);
  });

  it.each([
    ['missing amount', { ...newOrder(), amount: undefined }],
    ['zero amount', newOrder(0)],
    ['negative amount', newOrder(-5)],
    ['fractional amount', newOrder(10.5)],
    ['amount as a string', { ...newOrder(), amount: '1000' }],
    ['amount over 100,000,000', newOrder(100_000_001)],
    ['empty orderId', { ...newOrder(), orderId: '' }],
    ['blank customerId', { ...newOrder(), customerId: '   ' }],
    ['numeric storeId', { ...newOrder(), storeId: 7 }],
    ['missing ownerId', { ...newOrder(), ownerId: undefined }],
    ['orderId over 100 characters', { ...newOrder(), orderId: 'x'.repeat(101) }],
    ['an array body', [newOrder()]],
    ['a null body', null],
  ])('rejects %s with 400 BAD_REQUEST', async (_name, body) => {
    const res = await capture(body);
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('BAD_REQUEST');
    const orderId = (body as { orderId?: unknown } | null)?.orderId;
    if (typeof orderId === 'string') expect(await rowsOf(orderId)).toEqual([]);
  });

  it('rejects malformed JSON with 400 and oversized bodies with 413', async () => {
    const bad = await post(s.url, '/internal/payments/capture', null, service, { raw: '{"orderId": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'BAD_REQUEST', message: 'Request body is not valid JSON' });
    const big = await post(s.url, '/internal/payments/capture', null, service, {
      raw: JSON.stringify({ ...newOrder(), pad: 'x'.repeat(100_000) }),
    });
    expect(big.status).toBe(413);
  });

  it('refuses callers without a signed service identity with 401 UNAUTHENTICATED', async () => {
    const order = newOrder();
    const unsigned = await post(s.url, '/internal/payments/capture', order, null, { headers: {} });
    const anonymous = await capture(order, null as never);
    const customer = await capture(order, { id: 'alice', role: 'customer' });
    const signed = signCallerHeaders(service, 'some-other-secret');
    const forged = await post(s.url, '/internal/payments/capture', order, null, { headers: signed });
    const tampered = await post(s.url, '/internal/payments/capture', order, null, {
      headers: {
        [CALLER_HEADER]: Buffer.from(JSON.stringify({ id: 'x', role: 'service', ts: Date.now() })).toString(
          'base64url',
        ),
        [CALLER_SIGNATURE_HEADER]: signCallerHeaders(service, 'x')[CALLER_SIGNATURE_HEADER]!,
      },
    });
    for (const res of [unsigned, anonymous, customer, forged, tampered]) {
      expect(res.status).toBe(401);
      expect((res.body.error as { code: string }).code).toBe('UNAUTHENTICATED');
    }
    expect(await rowsOf(order.orderId)).toEqual([]);
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(`${s.url}/internal/payments/capture`, {
      headers: signCallerHeaders(service, 'x'),
    });
    expect(res.status).toBe(405);
  });
});

describe('POST /internal/payments/refund', () => {
  it('refunds a captured payment once, answers the same afterwards, 404 when there is none', async () => {
    const order = newOrder(9_000);
    await capture(order);
    const first = await post(s.url, '/internal/payments/refund', {
      orderId: order.orderId,
      reason: 'customer asked',
    });
    expect(first.status).toBe(200);
    expect(first.body.payment).toEqual(
      expect.objectContaining({
        status: 'REFUNDED',
        refundReason: 'customer asked',
        refundedAt: expect.any(String),
      }),
    );
    const again = await post(s.url, '/internal/payments/refund', { orderId: order.orderId, reason: 'again' });
    expect(again.body).toEqual(first.body);
    await waitFor(() => eventsOf(s.bus, Topics.payment, order.orderId).length === 2);
    await waitSettled(s.url);
    expect(eventsOf(s.bus, Topics.payment, order.orderId).map((e) => e.type)).toEqual([
      'PaymentCaptured',
      'PaymentRefunded',
    ]);
    const none = await post(s.url, '/internal/payments/refund', { orderId: 'no-such-order' });
    expect(none.status).toBe(404);
    expect((none.body.error as { code: string }).code).toBe('NOT_FOUND');
    const bad = await post(s.url, '/internal/payments/refund', { orderId: '' });
    expect(bad.status).toBe(400);
    const anon = await post(s.url, '/internal/payments/refund', { orderId: order.orderId }, null, {
      headers: {},
    });
    expect(anon.status).toBe(401);
  });
});

describe('refund saga step (order.events consumer)', () => {
  it('refunds on OrderCanceled exactly once, even when the event is delivered twice', async () => {
    const order = newOrder(15_000);
    await capture(order);
    const envelope = await publish(
      s.bus,
      Topics.order,
      'order',
      OrderEvents.OrderCanceled,
      order.orderId,
      statusPayload(order, 'CANCELED', 3),
    );
    await republish(s.bus, Topics.order, envelope);
    // A second, distinct copy of the fact (new event id) must not refund again either.
    await publish(
      s.bus,
      Topics.order,
      'order',
      OrderEvents.OrderCanceled,
      order.orderId,
      statusPayload(order, 'CANCELED', 3),
    );
    await waitFor(async () => (await rowsOf(order.orderId))[0]?.status === 'REFUNDED', { what: 'refund' });
    await waitFor(() => eventsOf(s.bus, Topics.payment, order.orderId).length >= 2);
    await waitSettled(s.url);
    const events = eventsOf(s.bus, Topics.payment, order.orderId);
    expect(events.map((e) => e.type)).toEqual(['PaymentCaptured', 'PaymentRefunded']);
    expect(events[1]!.causationId).toBe(envelope.id);
    expect(events[1]!.payload).toEqual(
      expect.objectContaining({ status: 'REFUNDED', amount: 15_000, reason: 'Order canceled' }),
    );
    expect((await rowsOf(order.orderId))[0]).toEqual(
      expect.objectContaining({ status: 'REFUNDED', refundReason: 'Order canceled' }),
    );
  });

  it('refunds on OrderRejected with the store reason; dead-letters (never drops) a refund for an order it never charged', async () => {
    const order = newOrder(8_000);
    await capture(order);
    await publish(
      s.bus,
      Topics.order,
      'order',
      OrderEvents.OrderRejected,
      order.orderId,
      statusPayload(order, 'REJECTED', 2, 'Out of kimchi'),
    );
    const stranger = newOrder();
    await publish(
      s.bus,
      Topics.order,
      'order',
      OrderEvents.OrderCanceled,
      stranger.orderId,
      statusPayload(stranger, 'CANCELED', 3),
    );
    await waitFor(async () => (await rowsOf(order.orderId))[0]?.status === 'REFUNDED', { what: 'refund' });
    expect((await rowsOf(order.orderId))[0]!.refundReason).toBe('Out of kimchi');
    // Retried for EVENT_UNKNOWN_ENTITY_RETRY_MS (1 s in this file), then dead-lettered with the reason.
    await waitFor(
      () =>
        (s.bus as EmbeddedEventBus)
          .read(`${Topics.order}.dlq`)
          .some(
            (r) => r.key === stranger.orderId && /no payment to refund/.test(r.headers['dlq-error'] ?? ''),
          ),
      { what: 'dead letter', timeoutMs: 15_000 },
    );
    expect(await rowsOf(stranger.orderId)).toEqual([]);
    expect(eventsOf(s.bus, Topics.payment, stranger.orderId)).toEqual([]);
  });

  it('ignores other order events', async () => {
    const order = newOrder();
    await capture(order);
    await publish(
      s.bus,
      Topics.order,
      'order',
      OrderEvents.OrderAccepted,
      order.orderId,
      statusPayload(order, 'ACCEPTED', 2),
    );
    await waitSettled(s.url);
    expect((await rowsOf(order.orderId))[0]!.status).toBe('CAPTURED');
  });
});

describe('GraphQL', () => {
  const PAYMENT = `query($id: ID!) { payment(orderId: $id) { id orderId amount status capturedAt refundedAt refundReason } }`;
  const ENTITY = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id payment { amount status } } } }`;

  it('shows a payment to its customer and its store owner only', async () => {
    const order = newOrder(22_000);
    const captured = (await capture(order)).body.payment as { id: string };
    const mine = await gql<{ payment: Record<string, unknown> }>(
      s.url,
      PAYMENT,
      { id: order.orderId },
      { id: 'alice', role: 'customer' },
    );
    expect(mine.data?.payment).toEqual(
      expect.objectContaining({ id: captured.id, amount: 22_000, status: 'CAPTURED', refundedAt: null }),
    );
    const owner = await gql<{ payment: { id: string } }>(
      s.url,
      PAYMENT,
      { id: order.orderId },
      { id: 'owner-1', role: 'owner' },
    );
    expect(owner.data?.payment.id).toBe(captured.id);

    for (const caller of [
      { id: 'bob', role: 'customer' as const },
      { id: 'owner-2', role: 'owner' as const },
      { id: 'owner-1', role: 'customer' as const },
      { id: 'rider-1', role: 'rider' as const },
    ]) {
      const res = await gql(s.url, PAYMENT, { id: order.orderId }, caller);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.data?.payment ?? null).toBeNull();
    }
    const anon = await gql(s.url, PAYMENT, { id: order.orderId }, null);
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const missing = await gql(s.url, PAYMENT, { id: 'no-such-order' }, { id: 'alice', role: 'customer' });
    expect(missing.errors).toBeUndefined();
    expect(missing.data).toEqual({ payment: null });
  });

  it('resolves Order.payment for the entity, null when not visible', async () => {
    const order = newOrder(5_000);
    await capture(order);
    const reps = [
      { __typename: 'Order', id: order.orderId },
      { __typename: 'Order', id: 'unknown-order' },
    ];
    const mine = await gql(s.url, ENTITY, { reps }, { id: 'alice', role: 'customer' });
    expect(mine.data).toEqual({
      _entities: [
        { id: order.orderId, payment: { amount: 5_000, status: 'CAPTURED' } },
        { id: 'unknown-order', payment: null },
      ],
    });
    for (const caller of [null, { id: 'bob', role: 'customer' as const }]) {
      const res = await gql(s.url, ENTITY, { reps: reps.slice(0, 1) }, caller);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ _entities: [{ id: order.orderId, payment: null }] });
    }
  });
});
