/**
 * Rebuilds the dashboard read model from the event log:
 *
 *   npm run dashboard:rebuild            (= npx tsx subgraphs/dashboard/src/rebuild.ts)
 *   npm run dashboard:rebuild -- --force  skip the "is the service stopped?" probe
 *
 * With the dashboard service STOPPED, it rewinds the `dashboard` consumer group to the beginning of
 * order.events, payment.events and delivery.events, then deletes the read model (rows, status
 * history, early payment/delivery facts) and the dashboard's inbox rows. The next start of the
 * service replays every event and builds the same rows again. Uses the same configuration as the
 * service (DATA_DIR, EVENTLOG_PATH or KAFKA_BROKERS).
 *
 * Before deleting a row it keeps where its counters stood (dashboard_rebuild_floors), so that live
 * watchers kept open across the rebuild are not sent the replay's changes again, and the order's
 * next change is numbered above what they saw (see that table).
 *
 * The group is rewound first: if deleting then fails, a start replays into the old rows (the inbox
 * ignores every event), which is stale but consistent; run the command again.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createEventBus,
  changedRows,
  Database,
  type EventBus,
  loadServiceConfig,
  type ServiceConfig,
} from '@baemin/platform';
import { eq, sql } from 'drizzle-orm';
import * as schema from './db/schema.js';
import { DASHBOARD_GROUP, DASHBOARD_TOPICS } from './server.js';

export interface RebuildOptions {
  /** Default: the dashboard's configuration from the environment. */
  config?: ServiceConfig;
  /** Default: a bus from `config` (closed afterwards). */
  bus?: EventBus;
  /** Where progress is printed. Default console.log. */
  log?: (line: string) => void;
}

export interface RebuildReport {
  transport: EventBus['kind'];
  group: string;
  topics: string[];
  /** Rows deleted per table. */
  deleted: { dashboards: number; history: number; payments: number; deliveries: number; inbox: number };
  /** Orders whose counters were kept for the replay (those of an unfinished replay stay as they were). */
  floors: number;
}

/**
 * Rewinds `group` on `topics` so its next start replays them. The transport does the work; both
 * must be told the group has no running member (the caller stops the service first).
 */
export async function resetConsumerGroup(bus: EventBus, group: string, topics: string[]): Promise<void> {
  switch (bus.kind) {
    case 'embedded':
      // Deletes the group's committed offsets in the shared event log file.
      await bus.resetGroup!(group, topics);
      return;
    case 'kafka':
      // KAFKA: KafkaEventBus.resetGroup resets the group's offsets to earliest (admin.resetOffsets);
      // Kafka refuses while the group still has active members.
      if (!bus.resetGroup) throw new Error('This Kafka event bus cannot reset consumer groups');
      await bus.resetGroup(group, topics);
      return;
  }
}

export async function rebuildDashboard(options: RebuildOptions = {}): Promise<RebuildReport> {
  const config = options.config ?? loadServiceConfig('dashboard');
  const log = options.log ?? ((line: string) => console.log(line));
  const bus = options.bus ?? (await createEventBus(config));
  const database = await Database.open({
    path: join(config.dataDir, `${config.name}.db`),
    url: config.databaseUrl,
    schema,
    migrationsFolder: fileURLToPath(new URL('../drizzle', import.meta.url)),
  });
  try {
    await resetConsumerGroup(bus, DASHBOARD_GROUP, DASHBOARD_TOPICS);
    log(
      `reset consumer group '${DASHBOARD_GROUP}' to the beginning of ${DASHBOARD_TOPICS.join(', ')} (${bus.kind} bus)`,
    );
    const rebuiltAt = new Date().toISOString();
    const { floors, ...deleted } = await database.transaction(async (tx) => ({
      // An order still behind the floor of an unfinished rebuild keeps that floor: its row's
      // counters are the replay's so far, not what its watchers saw.
      floors: changedRows(
        await tx
          .insert(schema.dashboardRebuildFloors)
          .select(
            tx
              .select({
                orderId: schema.dashboards.orderId,
                sequence: schema.dashboards.sequence,
                facts: schema.dashboards.facts,
                rebuiltAt: sql<string>`${rebuiltAt}`.as('rebuilt_at'),
              })
              .from(schema.dashboards)
              // SQLite parses `INSERT … SELECT … ON CONFLICT` only with a WHERE clause.
              .where(sql`true`),
          )
          .onConflictDoNothing(),
      ),
      dashboards: changedRows(await tx.delete(schema.dashboards)),
      history: changedRows(await tx.delete(schema.dashboardEvents)),
      changes: changedRows(await tx.delete(schema.dashboardChanges)),
      payments: changedRows(await tx.delete(schema.dashboardPayments)),
      deliveries: changedRows(await tx.delete(schema.dashboardDeliveries)),
      inbox: changedRows(await tx.delete(schema.inbox).where(eq(schema.inbox.consumer, DASHBOARD_GROUP))),
    }));
    log(
      `deleted ${deleted.dashboards} dashboard rows, ${deleted.history} status history rows, ` +
        `${deleted.payments} payment facts, ${deleted.deliveries} delivery facts and ${deleted.inbox} inbox rows ` +
        `from ${join(config.dataDir, `${config.name}.db`)}`,
    );
    log(`kept the change counters of ${floors} orders, for their live watchers`);
    log('start the dashboard service: it replays every event and rebuilds the read model');
    return { transport: bus.kind, group: DASHBOARD_GROUP, topics: DASHBOARD_TOPICS, deleted, floors };
  } finally {
    await database.close();
    if (!options.bus) await bus.close();
  }
}

/** True when something answers the dashboard's health endpoint (the service is still running). */
async function serviceAnswers(config: ServiceConfig): Promise<string | null> {
  const urls = new Set([config.urls.dashboard, `http://127.0.0.1:${config.port}`]);
  for (const url of urls) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { service?: string };
      if (body.service === 'dashboard') return url;
    } catch {
      // nothing there: good
    }
  }
  return null;
}

async function main(argv: string[]): Promise<void> {
  const config = loadServiceConfig('dashboard');
  if (!argv.includes('--force')) {
    const running = await serviceAnswers(config);
    if (running) {
      console.error(`The dashboard service is running at ${running}: stop it first (or pass --force).`);
      process.exit(2);
    }
  }
  await rebuildDashboard({ config });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`dashboard rebuild failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
