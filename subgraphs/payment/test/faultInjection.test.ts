import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments } from '../src/db/schema.js';
import { loadPaymentSettings } from '../src/paymentSettings.js';
import { type RunningPayment, start } from '../src/server.js';
import { post, service, tempDir, waitFor } from '@baemin/platform/testing';

const tmp = tempDir('payment-fault-');
let s: RunningPayment;

beforeAll(async () => {
  s = await start({
    port: 0,
    dataDir: tmp.dir,
    eventLogPath: join(tmp.dir, 'eventlog.db'),
    settings: { faultMode: 'error', limitWon: 50_000 },
  });
});
afterAll(async () => {
  await s?.close();
  tmp.cleanup();
});

const order = (amount = 1000) => ({
  orderId: `order-${randomUUID()}`,
  customerId: 'alice',
  storeId: 'store-1',
  ownerId: 'owner-1',
  amount,
});
const stored = async (orderId: string) =>
  (await s.database.reader.select().from(payments)).filter((p) => p.orderId === orderId);
const setFault = (body: unknown) => post(s.url, '/internal/fault', body);

describe('settings', () => {
  it('reads PAYMENT_* from the environment with documented defaults', () => {
    expect(loadPaymentSettings({})).toEqual({
      limitWon: 1_000_000,
      faultMode: 'none',
      faultDelayMs: 5000,
      orphanAfterMs: 300_000,
      sweepIntervalMs: 60_000,
      testHooks: true,
    });
    expect(
      loadPaymentSettings({
        PAYMENT_LIMIT_WON: '10',
        PAYMENT_FAULT_MODE: 'slow',
        PAYMENT_FAULT_DELAY_MS: '7',
        PAYMENT_ORPHAN_AFTER_MS: '8',
        PAYMENT_SWEEP_INTERVAL_MS: '9',
      }),
    ).toEqual({
      limitWon: 10,
      faultMode: 'slow',
      faultDelayMs: 7,
      orphanAfterMs: 8,
      sweepIntervalMs: 9,
      testHooks: true,
    });
    expect(() => loadPaymentSettings({ PAYMENT_FAULT_MODE: 'broken' })).toThrow(/PAYMENT_FAULT_MODE/);
  });

  it('never turns test hooks on in production', () => {
    expect(loadPaymentSettings({ NODE_ENV: 'production' }).testHooks).toBe(false);
    expect(() => loadPaymentSettings({ NODE_ENV: 'production', PAYMENT_FAULT_MODE: 'error' })).toThrow(
      'PAYMENT_FAULT_MODE is a test hook and cannot be set with NODE_ENV=production',
    );
  });
});

describe('fault injection', () => {
  it('error mode (from start settings) answers 503 and stores nothing', async () => {
    const o = order();
    const res = await post(s.url, '/internal/payments/capture', o);
    expect(res.status).toBe(503);
    expect((res.body.error as { code: string }).code).toBe('PAYMENT_UNAVAILABLE');
    expect(await stored(o.orderId)).toEqual([]);
    // GraphQL and health keep working: the process is up, only capture "fails".
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('the limit comes from settings too', async () => {
    await setFault({ mode: 'none' });
    expect((await post(s.url, '/internal/payments/capture', order(50_001))).status).toBe(402);
    expect((await post(s.url, '/internal/payments/capture', order(50_000))).status).toBe(200);
  });

  it('switches at runtime; slow mode delays the answer, then captures', async () => {
    const res = await setFault({ mode: 'slow', delayMs: 300 });
    expect(res).toEqual({ status: 200, body: { fault: { mode: 'slow', delayMs: 300 } } });
    const o = order();
    const started = Date.now();
    const captured = await post(s.url, '/internal/payments/capture', o);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(captured.status).toBe(200);
    expect(await stored(o.orderId)).toHaveLength(1);
  });

  it('slow mode captures nothing when the caller gives up during the delay', async () => {
    await setFault({ mode: 'slow', delayMs: 400 });
    const o = order();
    await expect(
      post(s.url, '/internal/payments/capture', o, service, { signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    // The capture has left its injected wait: from here it either captured or gave up.
    await waitFor(() => s.faults.waiting === 0, { what: 'the abandoned capture to leave its delay' });
    expect(await stored(o.orderId)).toEqual([]);
  });

  it('back to none answers at once', async () => {
    await setFault({ mode: 'none' });
    const o = order();
    const started = Date.now();
    expect((await post(s.url, '/internal/payments/capture', o)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(250);
    await waitFor(async () => (await stored(o.orderId)).length === 1);
  });

  it('validates the fault route and requires a service identity', async () => {
    expect((await setFault({ mode: 'explode' })).status).toBe(400);
    expect((await setFault({ mode: 'slow', delayMs: -1 })).status).toBe(400);
    expect((await setFault({ mode: 'slow', delayMs: 60_001 })).status).toBe(400);
    expect((await setFault({ mode: 'slow', delayMs: 1.5 })).status).toBe(400);
    const customer = await post(
      s.url,
      '/internal/fault',
      { mode: 'error' },
      { id: 'alice', role: 'customer' },
    );
    expect(customer.status).toBe(401);
    expect(s.faults.snapshot().mode).toBe('none');
  });
});
