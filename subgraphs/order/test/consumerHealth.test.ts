import { StoreEvents, Topics } from '@baemin/platform';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { republish, waitFor } from '@baemin/platform/testing';
import { type Harness, startHarness, ticketEvent } from './orderHarness.js';

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
    retrying: { partition: number; eventId: string; type: string }[];
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

/** Writes an undecodable record (broken headers) straight into a partition of store.events; returns its offset. */
function poison(partition: number): number {
  const raw = new Database(h.eventLogPath);
  try {
    const { next } = raw
      .prepare('SELECT COALESCE(MAX(offset) + 1, 0) AS next FROM records WHERE topic = ? AND partition = ?')
      .get(Topics.store, partition) as { next: number };
    raw
      .prepare(
        "INSERT INTO records (topic, partition, offset, key, headers, value, timestamp) VALUES (?, ?, ?, 'x', '[broken', '{\"not\":\"an envelope\"}', 0)",
      )
      .run(Topics.store, partition, next);
    return next;
  } finally {
    raw.close();
  }
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
    const next = poison(0);
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

  it('shows a record retried for an unknown order in /health and /metrics, while the rest goes on', async () => {
    const ghost = { id: 'ghost-order', storeId: 'store-1', ownerId: 'owner-1', customerId: 'nobody' };
    const stuck = ticketEvent(StoreEvents.TicketAccepted, ghost, 'ACCEPTED');
    await republish(h.bus, Topics.store, stuck);
    const health = await waitFor(
      async () => {
        const r = await get('/health');
        return r.body.consumers[0]?.retrying.length ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'the record shown as retrying' },
    );
    expect(health.body.consumers[0]!.retrying).toEqual([
      expect.objectContaining({ eventId: stuck.id, type: StoreEvents.TicketAccepted }),
    ]);
    // Its partition waits, the others do not: a poison record elsewhere is still dead-lettered.
    const before = health.body.consumers[0]!.deadLettered;
    const stuckPartition = health.body.consumers[0]!.retrying[0]!.partition;
    const other = stuckPartition === 0 ? 1 : 0;
    poison(other);
    await waitFor(async () => (await get('/health')).body.consumers[0]!.deadLettered > before, {
      timeoutMs: 15_000,
      what: 'a record of another partition handled meanwhile',
    });

    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${h.order.url}/metrics`)).text();
        const age = Number(
          /^consumer_retrying_oldest_seconds\{group="order",service="order"\} (\S+)$/m.exec(text)?.[1],
        );
        return age > 0.2 ? text : undefined;
      },
      { timeoutMs: 15_000, what: 'the retrying record in /metrics' },
    );
    expect(metrics).toMatch(/^consumer_retrying_events\{group="order",service="order"\} 1$/m);
  });
});
