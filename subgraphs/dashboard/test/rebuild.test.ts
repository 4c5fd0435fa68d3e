import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Database,
  EmbeddedEventBus,
  type EventBus,
  loadServiceConfig,
  type ServiceConfig,
} from '@baemin/platform';
import { asc } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema.js';
import { rebuildDashboard, resetConsumerGroup } from '../src/rebuild.js';
import { type RunningDashboard, start } from '../src/server.js';
import { OrderScript } from './events.js';
import { tempDir, waitFor, waitSettled } from '@baemin/platform/testing';

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
    // watchers resuming from an old position never go backwards). sequence counts the row's
    // changes as its events arrived interleaved across topics: live, a DeliveryPickedUp handled
    // before its OrderPickedUp is two changes (rider set, then status); a replay applies each
    // topic's events in turn and counts one. Everything else must match.
    dashboards: (await r.select().from(schema.dashboards).orderBy(asc(schema.dashboards.orderId))).map(
      ({ changeId: _changeId, sequence: _sequence, ...row }) => row,
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
