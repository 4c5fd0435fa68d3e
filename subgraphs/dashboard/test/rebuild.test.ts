import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Database,
  EmbeddedEventBus,
  type EventBus,
  loadServiceConfig,
  type OrderEvents,
  type OrderStatus,
  type ServiceConfig,
  Topics,
} from '@baemin/platform';
import { asc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema.js';
import type { DashboardChange } from '../src/DashboardChanges.js';
import { rebuildDashboard, resetConsumerGroup } from '../src/rebuild.js';
import { type RunningDashboard, start } from '../src/server.js';
import { OrderScript } from './events.js';
import { publish, tempDir, waitFor, waitSettled } from '@baemin/platform/testing';

const tmp = tempDir('dashboard-rebuild-');
const overrides = { port: 0, dataDir: tmp.dir, eventLogPath: join(tmp.dir, 'eventlog.db') };
const config: ServiceConfig = { ...loadServiceConfig('dashboard'), ...overrides };
let s: RunningDashboard | undefined;

afterAll(async () => {
  await s?.close();
  tmp.cleanup();
});

async function snapshot(d: RunningDashboard) {
  const r = d.database.reader;
  return {
    // changeId is a position in the change feed, which keeps counting across a rebuild (so live
    // watchers resuming from an old position never go backwards). Everything else must match,
    // sequence included: a replay reads the topics interleaved otherwise than they were live, and
    // an order must still end on the number its watchers saw.
    dashboards: (await r.select().from(schema.dashboards).orderBy(asc(schema.dashboards.orderId))).map(
      ({ changeId: _changeId, ...row }) => row,
    ),
    history: await r
      .select()
      .from(schema.dashboardEvents)
      .orderBy(asc(schema.dashboardEvents.orderId), asc(schema.dashboardEvents.version)),
    payments: await r.select().from(schema.dashboardPayments).orderBy(asc(schema.dashboardPayments.orderId)),
    deliveries: await r
      .select()
      .from(schema.dashboardDeliveries)
      .orderBy(asc(schema.dashboardDeliveries.orderId)),
  };
}

describe('rebuild', () => {
  it('deletes the read model, rewinds the group, and the next start rebuilds the same rows', async () => {
    s = await start(overrides);
    const delivered = new OrderScript(s.bus);
    await delivered.fullLifecycle('rider-7');
    const canceled = new OrderScript(s.bus, 'bob', 'owner-2');
    await canceled.payment('PaymentCaptured', 0);
    await canceled.placed(0);
    await canceled.status('OrderCancelRequested', 'CANCEL_PENDING', 2, 1);
    await canceled.status('OrderCanceled', 'CANCELED', 3, 2);
    await canceled.payment('PaymentRefunded', 3);
    // Every event applied: the three topics are consumed independently and arrive in their own
    // time, so wait until the consumer has committed all 13 (lag 0 on each topic), not for one row.
    await waitSettled(s.url);
    const before = await snapshot(s);
    expect(before.dashboards).toHaveLength(2);
    expect(before.history).toHaveLength(9);
    await s.close();
    s = undefined;

    const lines: string[] = [];
    const report = await rebuildDashboard({ config, log: (l) => lines.push(l) });
    expect(report).toEqual({
      transport: 'embedded',
      group: 'dashboard',
      topics: ['order.events', 'payment.events', 'delivery.events'],
      // Inbox: 8 events of the delivered order (payment, 6 status, pickup) + 5 of the canceled one.
      deleted: {
        dashboards: 2,
        history: 9,
        changes: expect.any(Number),
        payments: 2,
        deliveries: 1,
        inbox: 13,
      },
      floors: 2,
    });
    expect(lines.join('\n')).toMatch(/reset consumer group 'dashboard'/);
    expect(lines.join('\n')).toMatch(/deleted 2 dashboard rows, 9 status history rows/);

    const db = new Database({
      path: join(tmp.dir, 'dashboard.db'),
      schema,
      migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
    });
    try {
      for (const table of [
        schema.dashboards,
        schema.dashboardEvents,
        schema.dashboardPayments,
        schema.inbox,
      ]) {
        expect(await db.reader.select().from(table)).toEqual([]);
      }
    } finally {
      db.close();
    }

    // Restarted, the service replays everything into the same rows.
    s = await start(overrides);
    const again = s;
    await waitFor(
      async () =>
        (await snapshot(again)).history.length === 9 && (await snapshot(again)).payments.length === 2,
      {
        what: 'replay',
      },
    );
    await waitFor(async () => JSON.stringify(await snapshot(again)) === JSON.stringify(before), {
      what: 'same rows',
    });
    expect(await snapshot(again)).toEqual(before);
  });

  it("ends each order on the change number its watchers saw, however the replay interleaves the order's topics", async () => {
    // On the service the first test restarted, if it did (its orders are replayed again too).
    s ??= await start(overrides);
    const live = s;
    const rowOf = async (orderId: string) =>
      (
        await live.database.reader
          .select()
          .from(schema.dashboards)
          .where(eq(schema.dashboards.orderId, orderId))
      )[0];
    const factsOf = async (orderId: string) => ({
      payment: (
        await live.database.reader
          .select()
          .from(schema.dashboardPayments)
          .where(eq(schema.dashboardPayments.orderId, orderId))
      )[0],
      delivery: (
        await live.database.reader
          .select()
          .from(schema.dashboardDeliveries)
          .where(eq(schema.dashboardDeliveries.orderId, orderId))
      )[0],
    });
    // Live, each fact is handled before the next is published, so the interleaving is fixed: the
    // payment before the order is known (merged into its first change), or after it (a change of
    // its own). A replay reads the backlog its own way and can see either otherwise.
    const paidFirst = new OrderScript(live.bus);
    await paidFirst.payment('PaymentCaptured', 0);
    await waitFor(async () => (await factsOf(paidFirst.orderId)).payment, { what: 'early payment' });
    await paidFirst.placed(0);
    await waitFor(() => rowOf(paidFirst.orderId), { what: 'row' });
    const placedFirst = new OrderScript(live.bus);
    await placedFirst.placed(0);
    await waitFor(() => rowOf(placedFirst.orderId), { what: 'row' });
    await placedFirst.payment('PaymentCaptured', 0);
    await waitFor(async () => (await rowOf(placedFirst.orderId))?.paymentStatus === 'CAPTURED', {
      what: 'payment',
    });
    // The rider named by the order's status event first, then by delivery (which changes no
    // column), and the other way round.
    const riders: OrderScript[] = [];
    for (const statusFirst of [true, false]) {
      const o = new OrderScript(live.bus);
      riders.push(o);
      await o.placed(0);
      await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
      await o.status('OrderCookingStarted', 'COOKING', 3, 2);
      await o.status('OrderReady', 'READY', 4, 3);
      await waitFor(async () => (await rowOf(o.orderId))?.version === 4, { what: 'ready' });
      const pickedUp = () => o.status('OrderPickedUp', 'PICKED_UP', 5, 4, { riderId: 'rider-3' });
      const delivery = () => o.pickedUp('rider-3', 4);
      await (statusFirst ? pickedUp : delivery)();
      await waitFor(async () => (await rowOf(o.orderId))?.riderId === 'rider-3', { what: 'rider' });
      await (statusFirst ? delivery : pickedUp)();
      await waitFor(
        async () => (await rowOf(o.orderId))?.version === 5 && (await factsOf(o.orderId)).delivery,
        { what: 'picked up' },
      );
    }
    await waitSettled(live.url);
    const before = await snapshot(live);
    const ids = [paidFirst, placedFirst, ...riders].map((o) => o.orderId);
    const counters = (snap: typeof before) =>
      ids.map((id) => {
        const row = snap.dashboards.find((r) => r.orderId === id);
        return [row?.sequence, row?.facts];
      });
    // [changes shown, facts]: the changes depend on how the topics were interleaved, the facts
    // (placed and captured; placed, four statuses and the rider) do not.
    expect(counters(before)).toEqual([
      [1, 2],
      [2, 2],
      [5, 6],
      [6, 6],
    ]);
    const feedBefore = await live.database.reader.select().from(schema.dashboardChanges);
    const lastPosition = Math.max(...feedBefore.map((c) => c.position));
    await live.close();
    s = undefined;

    await rebuildDashboard({ config, log: () => {} });
    s = await start(overrides);
    const again = s;
    await waitFor(async () => JSON.stringify(await snapshot(again)) === JSON.stringify(before), {
      what: 'same rows',
    }).catch(() => {}); // on a timeout, the assertions below show what differs
    const after = await snapshot(again);
    // Counting changes alone, the replay (order events first here) gave 2, 2, 5, 5: the fourth
    // order's next change would have been numbered 6, which its watchers had already seen.
    expect(counters(after)).toEqual(counters(before));
    expect(after).toEqual(before);
    // What the replay put in the change feed for these orders (the router resumes from it): at
    // most the state each order's watchers saw last, under its old number, which they drop.
    const replayed = (await again.database.reader.select().from(schema.dashboardChanges)).filter(
      (c) => c.position > lastPosition && ids.includes(c.orderId),
    );
    for (const c of replayed) {
      expect(c.sequence).toBe(before.dashboards.find((r) => r.orderId === c.orderId)!.sequence);
    }
    expect(new Set(replayed.map((c) => c.orderId)).size).toBe(replayed.length);
    expect(await again.database.reader.select().from(schema.dashboardRebuildFloors)).toEqual([]);

    // Each order's next change is numbered one above what its watchers saw.
    const next: DashboardChange[] = [];
    const stop = again.changes.subscribe((c) => {
      if (ids.includes(c.orderId)) next.push(c);
    });
    try {
      // The scripts' bus closed with the first service: publish their next events on this one's.
      const status = (o: OrderScript, type: keyof typeof OrderEvents, to: OrderStatus, version: number) =>
        publish(again.bus, Topics.order, 'order', type, o.orderId, o.statusPayload(to, version, version));
      await status(paidFirst, 'OrderAccepted', 'ACCEPTED', 2);
      await status(placedFirst, 'OrderAccepted', 'ACCEPTED', 2);
      for (const o of riders) await status(o, 'OrderDelivered', 'DELIVERED', 6);
      await waitFor(() => next.length === 4, { what: 'the next changes' });
    } finally {
      stop();
    }
    expect(Object.fromEntries(next.map((c) => [c.orderId, c.row.sequence]))).toEqual(
      Object.fromEntries(counters(before).map(([sequence], i) => [ids[i], sequence! + 1])),
    );
  });

  it('resetConsumerGroup uses the transport: the embedded log forgets the group offsets', async () => {
    const bus = new EmbeddedEventBus({ path: join(tmp.dir, 'reset.db'), pollIntervalMs: 5 });
    try {
      const seen: string[] = [];
      const order = new OrderScript(bus);
      await order.placed(0);
      const consume = async () => {
        const handle = await bus.subscribe({
          group: 'g',
          topics: ['order.events'],
          handler: async (r) => {
            seen.push(r.envelope.id);
          },
        });
        await waitFor(() => seen.length > 0);
        await handle.stop();
      };
      await consume();
      expect(seen).toHaveLength(1);
      await resetConsumerGroup(bus, 'g', ['order.events']);
      await consume();
      expect(seen).toHaveLength(2);
      expect(seen[1]).toBe(seen[0]);
      const noReset: EventBus = { ...bus, kind: 'kafka', resetGroup: undefined } as unknown as EventBus;
      await expect(resetConsumerGroup(noReset, 'g', [])).rejects.toThrow(/cannot reset/);
    } finally {
      await bus.close();
    }
  });
});
