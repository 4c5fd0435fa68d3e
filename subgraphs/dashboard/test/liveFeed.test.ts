import { join } from 'node:path';
import type { Caller } from '@baemin/platform';
import { GraphQLError } from 'graphql';
import { asc, lt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSeeDashboard } from '../src/auth.js';
import type { DashboardRow } from '../src/db/schema.js';
import { dashboardChanges } from '../src/db/schema.js';
import { type RunningDashboard, start } from '../src/server.js';
import { OrderScript } from './events.js';
import { gql, rider2, tempDir, waitFor } from '@baemin/platform/testing';

const tmp = tempDir('dashboard-live-');
let s: RunningDashboard;
beforeAll(async () => {
  s = await start({ port: 0, dataDir: tmp.dir, eventLogPath: join(tmp.dir, 'eventlog.db') });
});
afterAll(async () => {
  await s?.close();
  tmp.cleanup();
});

const service: Caller = { id: 'router', role: 'service' };

/** Everything a stream emits until it has been quiet (it never ends by itself). */
async function drain(it: AsyncIterableIterator<DashboardRow>, until: (rows: DashboardRow[]) => boolean) {
  const rows: DashboardRow[] = [];
  while (!until(rows)) {
    const next = await it.next();
    if (next.done) break;
    rows.push(next.value);
  }
  await it.return?.();
  return rows;
}

describe('live feed replays', () => {
  it('authorizes replayed snapshots on the order as it is now: a past READY order is not replayed to other riders', async () => {
    const past = new OrderScript(s.bus);
    await past.fullLifecycle('rider-1');
    const waiting = new OrderScript(s.bus);
    await waiting.payment('PaymentCaptured', 0);
    await waiting.placed(0);
    await waiting.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await waiting.status('OrderCookingStarted', 'COOKING', 3, 2);
    await waiting.status('OrderReady', 'READY', 4, 3);
    await waitFor(
      async () =>
        (await s.store.find(past.orderId))?.status === 'DELIVERED' &&
        (await s.store.find(waiting.orderId))?.status === 'READY',
    );
    const feed = {
      matches: (r: DashboardRow) => r.status === 'READY' && r.riderId === null,
      allowed: canSeeDashboard,
    };
    for (const caller of [rider2, service]) {
      const rows = await drain(await s.live.stream(caller, { ...feed, afterChangeId: 0 }), (rows) =>
        rows.some((r) => r.orderId === waiting.orderId),
      );
      expect(rows.map((r) => r.orderId)).not.toContain(past.orderId);
    }
    // The dashboard query agrees: rider-2 may see the waiting order, not the delivered one, and
    // never its payment status.
    const q = `query($id: ID!) { dashboard(orderId: $id) { orderId paymentStatus } }`;
    const seen = await gql<{ dashboard: { orderId: string; paymentStatus: string | null } | null }>(
      s.url,
      q,
      { id: waiting.orderId },
      rider2,
    );
    expect(seen.data?.dashboard).toEqual({ orderId: waiting.orderId, paymentStatus: null });
    const hidden = await gql(s.url, q, { id: past.orderId }, rider2);
    expect(hidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a feed resumed from before its retained window fails with REPLAY_WINDOW_EXCEEDED instead of skipping', async () => {
    const o = new OrderScript(s.bus);
    await o.fullLifecycle('rider-1');
    await waitFor(async () => (await s.store.find(o.orderId))?.status === 'DELIVERED');
    const positions = (
      await s.database.reader
        .select({ position: dashboardChanges.position })
        .from(dashboardChanges)
        .orderBy(asc(dashboardChanges.position))
    ).map((r) => r.position);
    const cut = positions[3]!;
    // What pruning does to old entries.
    await s.database.transaction(async (tx) => {
      await tx.delete(dashboardChanges).where(lt(dashboardChanges.position, cut));
    });
    const all = { matches: () => true, allowed: () => true };
    let error: unknown;
    try {
      await s.live.stream(service, { ...all, afterChangeId: 0 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({
      code: 'REPLAY_WINDOW_EXCEEDED',
      oldestChangeId: cut,
    });
    // From the edge of the window it replays, without a gap.
    const rows = await drain(await s.live.stream(service, { ...all, afterChangeId: cut - 1 }), (rows) =>
      rows.some((r) => r.orderId === o.orderId && r.status === 'DELIVERED'),
    );
    expect(rows[0]!.changeId).toBe(cut);
    // One order's stream is not refused: it replays what is retained, or its current row.
    const one = await drain(
      await s.live.stream(service, { ...all, orderId: o.orderId, afterChangeId: 0 }),
      (rows) => rows.some((r) => r.status === 'DELIVERED'),
    );
    expect(one.at(-1)?.status).toBe('DELIVERED');
  });
});
