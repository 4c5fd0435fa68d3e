import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '@baemin/platform';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema.js';
import { orders, outbox } from '../src/db/schema.js';
import type { BreakerStatus } from '../src/PaymentClient.js';
import { alice, codeOf, gql, waitFor } from '@baemin/platform/testing';
import { type Harness, startHarness } from './orderHarness.js';

const PLACE = `mutation { placeOrder(input: { storeId: "store-1", items: [{ menuItemId: "menu-1-1", quantity: 1 }] }) { id status } }`;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const place = () => gql(h!.order.url, PLACE, {}, alice);
const orderCount = async () => (await h!.order.database.reader.select({ id: orders.id }).from(orders)).length;
const breaker = async () =>
  (await (await fetch(`${h!.order.url}/internal/payment-breaker`)).json()) as BreakerStatus;

/** placeOrder with payment answering its capture after `slowMs`, and the service closed while it waits. */
async function placeWhileShuttingDown(slowMs: number, payment: Parameters<typeof startHarness>[0] = {}) {
  h = await startHarness(payment);
  h.stub.mode = 'slow';
  h.stub.slowMs = slowMs;
  const pending = place();
  await waitFor(() => h!.stub.captures.length === 1, { what: 'the capture sent' });
  const closing = h.order.close();
  const result = await pending;
  await closing;
  return { result, stub: h.stub };
}

describe('payment failures', () => {
  it('payment answering 5xx gives PAYMENT_UNAVAILABLE with a retry hint and stores nothing', async () => {
    h = await startHarness();
    h.stub.mode = 'error';
    const r = await place();
    expect(codeOf(r)).toBe('PAYMENT_UNAVAILABLE');
    expect(r.errors![0]!.extensions!.retryAfterSeconds).toBe(5);
    expect(r.errors![0]!.message).toMatch(/try again in 5 seconds/);
    expect(await orderCount()).toBe(0);
    expect(h.stub.captures).toHaveLength(1);
    // a capture that failed may still have been applied: it is compensated
    const orderId = h.stub.captures[0]!.body.orderId;
    await expect.poll(() => h!.stub.refunds.map((c) => c.body.orderId)).toContain(orderId);
    expect((await breaker()).state).toBe('closed');
  });

  it('payment unreachable gives PAYMENT_UNAVAILABLE', async () => {
    h = await startHarness();
    await h.stub.close();
    const r = await place();
    expect(codeOf(r)).toBe('PAYMENT_UNAVAILABLE');
    expect(r.errors![0]!.extensions!.retryAfterSeconds).toBe(5);
    expect(await orderCount()).toBe(0);
  });

  it('a capture slower than the timeout gives PAYMENT_UNAVAILABLE without waiting for it', async () => {
    h = await startHarness({ timeoutMs: 200 });
    h.stub.mode = 'slow';
    h.stub.slowMs = 2000;
    const t0 = Date.now();
    const r = await place();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(codeOf(r)).toBe('PAYMENT_UNAVAILABLE');
    expect(await orderCount()).toBe(0);
    expect((await breaker()).stats.timeouts).toBe(1);
  });

  it('a shutdown while a capture is on its way lets it finish: the order is placed and answered', async () => {
    const { result: r, stub } = await placeWhileShuttingDown(600);
    expect(r.errors).toBeUndefined();
    expect(r.data).toMatchObject({ placeOrder: { status: 'PLACED' } });
    expect(stub.captures[0]!.body.orderId).toBe((r.data as { placeOrder: { id: string } }).placeOrder.id);
    expect(stub.refunds).toEqual([]);
  });

  it('a capture that times out during a shutdown is still refunded before the process lets go of payment', async () => {
    const { result, stub } = await placeWhileShuttingDown(1000, { timeoutMs: 300 });
    expect(codeOf(result)).toBe('PAYMENT_UNAVAILABLE');
    // Payment may have taken it (it did, later): the compensation went out before the pool closed.
    expect(stub.refunds.map((c) => c.body.orderId)).toEqual([stub.captures[0]!.body.orderId]);
  });

  it('a placeOrder whose connection the shutdown cut (after 2 s) still finishes before the database closes', async () => {
    h = await startHarness({ timeoutMs: 5000 });
    h.stub.mode = 'slow';
    h.stub.slowMs = 2600;
    const pending = place().catch((err: Error) => err);
    await waitFor(() => h!.stub.captures.length === 1, { what: 'the capture sent' });
    await h.order.close();
    // The client lost its connection; the order it paid for exists, with its event for the saga.
    expect(await pending).toBeInstanceOf(Error);
    const orderId = h.stub.captures[0]!.body.orderId as string;
    // Opened again as the service opens it (its SQLite file, or TEST_STORE_ENGINE=postgres's database).
    const store = await Database.open({
      path: join(h.dataDir, 'order.db'),
      url: process.env.DATABASE_URL,
      schema,
      migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
    });
    try {
      expect(
        await store.reader.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)),
      ).toEqual([{ status: 'PLACED' }]);
      expect(
        await store.reader
          .select({ type: outbox.type })
          .from(outbox)
          .where(and(eq(outbox.key, orderId), eq(outbox.type, 'OrderPlaced'))),
      ).toHaveLength(1);
    } finally {
      await store.close();
    }
    expect(h.stub.refunds).toEqual([]);
  });

  it.each(['conflict', 'badRequest'] as const)(
    'payment refusing the request (%s) is a stable PAYMENT_DECLINED, not an outage nor an internal error, and stores nothing',
    async (mode) => {
      h = await startHarness();
      h.stub.mode = mode;
      const r = await place();
      expect(r.errors?.[0]?.extensions).toMatchObject({
        code: 'PAYMENT_DECLINED',
        reason: 'PAYMENT_REFUSED_REQUEST',
      });
      expect(r.errors?.[0]?.message).toMatch(/not placed/);
      expect(await orderCount()).toBe(0);
      expect((await breaker()).state).toBe('closed');
    },
  );
});

describe('circuit breaker', () => {
  it('opens after repeated failures, fails fast while open, and closes after a successful trial', async () => {
    h = await startHarness({ resetTimeoutMs: 1500 });
    h.stub.mode = 'error';
    for (let i = 0; i < 5; i++) expect(codeOf(await place())).toBe('PAYMENT_UNAVAILABLE');
    expect(h.stub.captures).toHaveLength(5);
    const open = await breaker();
    expect(open.state).toBe('open');
    expect(open.stats.failures).toBe(5);

    const t0 = Date.now();
    const fast = await place();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(codeOf(fast)).toBe('PAYMENT_UNAVAILABLE');
    const retry = fast.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(2);
    expect(h.stub.captures).toHaveLength(5); // the stub was not called
    expect(await orderCount()).toBe(0);

    h.stub.mode = 'capture';
    // After resetTimeoutMs the breaker lets one trial through.
    await waitFor(async () => (await breaker()).state === 'halfOpen', { what: 'the breaker to half-open' });
    const ok = await place();
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.placeOrder.status).toBe('PLACED');
    expect((await breaker()).state).toBe('closed');
    expect(await orderCount()).toBe(1);
  });

  it('stays closed however many payments are declined', async () => {
    h = await startHarness();
    h.stub.mode = 'decline';
    for (let i = 0; i < 7; i++) expect(codeOf(await place())).toBe('PAYMENT_DECLINED');
    expect(h.stub.captures).toHaveLength(7);
    const status = await breaker();
    expect(status.state).toBe('closed');
    expect(status.stats.failures).toBe(0);
    expect(await orderCount()).toBe(0);
  });
});
