import { Topics } from '@baemin/platform';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@baemin/platform/testing';
import { type Harness, startHarness } from './orderHarness.js';

// The log's write lock is held longer than this below, so the consumer's writes fail with SQLITE_BUSY.
process.env.EVENTLOG_BUSY_TIMEOUT_MS = '200';
process.env.EVENTLOG_LEASE_MS = '1000';

interface Health {
  status: string;
  failed?: string[];
  deadLettered: number;
  consumers: {
    group: string;
    state: string;
    active: boolean;
    lag: number | null;
    restarts: number;
    deadLettered: number;
    lastError: string | null;
  }[];
  outbox: { pending: number; parked: number; failures: number } | null;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function get(path: '/health' | '/ready'): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${h.order.url}${path}`);
  return { code: res.status, body: (await res.json()) as Health };
}

describe('consumer health of a running subgraph (embedded log)', () => {
  it('reports a consumer that cannot work (log locked) in /health and /ready, stays ready, and recovers by itself', async () => {
    // Records the harness published at start may still be on their way (a CI run once saw lag 3):
    // healthy is the state the consumer settles in.
    const healthy = await waitFor(
      async () => {
        const r = await get('/health');
        return r.body.consumers[0]?.lag === 0 ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'the consumer to catch up after start' },
    );
    expect(healthy.body.consumers).toEqual([
      expect.objectContaining({ group: 'order', state: 'running', active: true, lag: 0, lastError: null }),
    ]);
    expect(healthy.body.outbox).toMatchObject({ parked: 0 });

    const locker = new Database(h.eventLogPath);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const down = await waitFor(
        async () => {
          const r = await get('/ready');
          return r.body.consumers[0]?.state === 'restarting' ? r : undefined;
        },
        { timeoutMs: 15_000, what: '/ready to report the consumer' },
      );
      // A consumer restarting delays projections only: the context still serves, so it stays ready.
      expect(down.code).toBe(200);
      expect(down.body.failed).toEqual([]);
      expect(down.body.consumers[0]).toMatchObject({ group: 'order', state: 'restarting' });
      expect(down.body.consumers[0]!.lastError).toMatch(/locked|busy/i);
      expect((await get('/health')).code).toBe(200);
    } finally {
      locker.exec('COMMIT');
      locker.close();
    }
    const back = await waitFor(
      async () => {
        const r = await get('/ready');
        return r.code === 200 && r.body.consumers[0]?.state === 'running' ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'the consumer running again' },
    );
    expect(back.body.consumers[0]).toMatchObject({ state: 'running', lastError: null });
    expect(back.body.consumers[0]!.restarts).toBeGreaterThan(0);
  });

  it('dead-letters a poison record, keeps consuming, and counts it in /health', async () => {
    const before = (await get('/health')).body.consumers[0]!.deadLettered;
    const raw = new Database(h.eventLogPath);
    const { next } = raw
      .prepare('SELECT COALESCE(MAX(offset) + 1, 0) AS next FROM records WHERE topic = ? AND partition = 0')
      .get(Topics.store) as { next: number };
    raw
      .prepare(
        "INSERT INTO records (topic, partition, offset, key, headers, value, timestamp) VALUES (?, 0, ?, 'x', '[broken', '{\"not\":\"an envelope\"}', 0)",
      )
      .run(Topics.store, next);
    raw.close();
    const health = await waitFor(
      async () => {
        const r = await get('/health');
        return r.body.consumers[0]!.deadLettered > before && r.body.consumers[0]!.lag === 0 ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'the poison record dead-lettered' },
    );
    expect(health.body.consumers[0]).toMatchObject({ state: 'running', lastError: null });
    expect(health.body.deadLettered).toBeGreaterThan(0);
    expect(
      h.bus.read(`${Topics.store}.dlq`).some((r) => r.headers['dlq-source-offset'] === String(next)),
    ).toBe(true);
  });
});
