import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  loadServiceConfig,
  OrderEvents,
  type PaymentPayload,
  Topics,
  verifyCallerHeaders,
} from '@baemin/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments } from '../src/db/schema.js';
import { ORPHAN_REFUND_REASON } from '../src/OrphanSweeper.js';
import { type RunningPayment, start } from '../src/server.js';
import { eventsOf, post, publish, SECRET, tempDir, waitFor } from '@baemin/platform/testing';

/**
 * The order context's `POST /internal/orders/abandon`, played by a tiny server: the whole-system test
 * (test/e2e/resilience.e2e.ts) runs the same scenario against the real order context.
 */
const known = new Set<string>();
const silent = new Set<string>();
const asked: string[] = [];
let orderStub: Server;

const tmp = tempDir('payment-orphans-');
let s: RunningPayment;

beforeAll(async () => {
  orderStub = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const id = req.method === 'POST' && req.url === '/internal/orders/abandon' ? JSON.parse(raw).orderId : '';
    const caller = verifyCallerHeaders(req.headers, SECRET);
    asked.push(id);
    if (caller?.role !== 'service' || silent.has(id) || !id) {
      res.statusCode = 503;
      return res.end('{}');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(known.has(id) ? { exists: true } : { exists: false, abandoned: true }));
  });
  await new Promise<void>((r) => orderStub.listen(0, '127.0.0.1', r));
  const orderUrl = `http://127.0.0.1:${(orderStub.address() as AddressInfo).port}`;
  s = await start({
    port: 0,
    dataDir: tmp.dir,
    eventLogPath: join(tmp.dir, 'eventlog.db'),
    urls: { ...loadServiceConfig('payment').urls, order: orderUrl },
    // Swept by hand below: every capture is immediately old enough.
    settings: { orphanAfterMs: 0, sweepIntervalMs: 3_600_000 },
  });
});
afterAll(async () => {
  await s?.close();
  orderStub?.close();
  tmp.cleanup();
});

const capture = async () => {
  const orderId = `order-${randomUUID()}`;
  const res = await post(s.url, '/internal/payments/capture', {
    orderId,
    customerId: 'alice',
    storeId: 'store-1',
    ownerId: 'owner-1',
    amount: 12_000,
  });
  expect(res.status).toBe(200);
  return orderId;
};
/** The order context's OrderPlaced for a capture (what confirms it). */
const publishOrderPlaced = (orderId: string) =>
  publish(s.bus, Topics.order, 'order', OrderEvents.OrderPlaced, orderId, {
    orderId,
    customerId: 'alice',
    storeId: 'store-1',
    ownerId: 'owner-1',
    status: 'PLACED',
    previousStatus: null,
    version: 1,
    at: new Date().toISOString(),
  });
const row = async (orderId: string) =>
  (await s.database.reader.select().from(payments)).find((p) => p.orderId === orderId)!;

describe('captures whose order was never placed', () => {
  it('are refunded only when the order context says the order does not exist', async () => {
    const placed = await capture();
    const orphan = await capture();
    const unanswered = await capture();
    known.add(placed);
    silent.add(unanswered);

    const result = await s.orphans.sweep();
    expect(result).toEqual({ confirmed: 1, refunded: 1, skipped: 1 });
    expect(await row(placed)).toMatchObject({ status: 'CAPTURED', confirmedAt: expect.any(String) });
    expect(await row(orphan)).toMatchObject({ status: 'REFUNDED', refundReason: ORPHAN_REFUND_REASON });
    expect(await row(unanswered)).toMatchObject({ status: 'CAPTURED', confirmedAt: null });
    await waitFor(() => eventsOf(s.bus, Topics.payment, orphan).some((e) => e.type === 'PaymentRefunded'), {
      what: 'PaymentRefunded',
    });
    const refunds = eventsOf(s.bus, Topics.payment, orphan).filter((e) => e.type === 'PaymentRefunded');
    expect(refunds).toHaveLength(1);
    expect((refunds[0]!.payload as PaymentPayload).reason).toBe(ORPHAN_REFUND_REASON);

    // Next round: the confirmed and refunded ones are not asked again; the unanswered one is.
    asked.length = 0;
    silent.delete(unanswered);
    known.add(unanswered);
    expect(await s.orphans.sweep()).toEqual({ confirmed: 1, refunded: 0, skipped: 0 });
    expect(asked).toEqual([unanswered]);
    expect((await row(unanswered)).status).toBe('CAPTURED');
  });

  it('a capture confirmed by its OrderPlaced is never checked', async () => {
    const orderId = await capture();
    await publishOrderPlaced(orderId);
    await waitFor(async () => (await row(orderId)).confirmedAt !== null, { what: 'confirmation' });
    asked.length = 0;
    await s.orphans.sweep();
    expect(asked).not.toContain(orderId);
    expect((await row(orderId)).status).toBe('CAPTURED');
  });

  it('an OrderPlaced for a payment already refunded voids it (PaymentVoided), once', async () => {
    const orderId = await capture();
    const refund = await post(s.url, '/internal/payments/refund', { orderId, reason: 'ops' });
    expect(refund.status).toBe(200);
    await publishOrderPlaced(orderId);
    await waitFor(() => eventsOf(s.bus, Topics.payment, orderId).some((e) => e.type === 'PaymentVoided'), {
      what: 'PaymentVoided',
    });
    const voided = eventsOf(s.bus, Topics.payment, orderId).filter((e) => e.type === 'PaymentVoided');
    expect(voided).toHaveLength(1);
    expect(voided[0]!.payload).toMatchObject({ orderId, status: 'REFUNDED', reason: 'ops' });
    expect(await row(orderId)).toMatchObject({ status: 'REFUNDED', confirmedAt: expect.any(String) });
  });
});
