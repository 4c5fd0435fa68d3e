/**
 * What synchronous=FULL costs against NORMAL (WAL mode), on the path every saga step takes:
 *
 *   npx tsx bench/durability.ts [--writes 2000] [--dir .cache/bench-durability]
 *
 * For each setting, in the same run and on the same disk: N placeOrder-shaped commits (a state row
 * and its outbox row in one transaction, one at a time, like N customers), the outbox relay
 * publishing them to the embedded log, and one consumer group applying each with its inbox row in a
 * second service database and committing its offset: the same files and pragmas the services use.
 * Prints commit latency, throughput and the end-to-end time until the consumer applied the last
 * one, then FULL / NORMAL ratios. The directory must be on a real disk (fsync is the cost measured).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { EmbeddedEventBus } from '../packages/platform/src/bus/EmbeddedEventBus.js';
import { Database } from '../packages/platform/src/db/Database.js';
import { inbox, outbox } from '../packages/platform/src/db/tables.js';
import { startEventConsumer } from '../packages/platform/src/outbox/EventConsumer.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../packages/platform/src/testing/writeMigrations.js';
import { Outbox } from '../packages/platform/src/outbox/Outbox.js';
import { percentile } from './percentile.js';

process.env.LOG_LEVEL ??= 'error';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '2000' },
    dir: { type: 'string', default: '.cache/bench-durability' },
  },
});
const writes = Number(values.writes);
const root = resolve(values.dir);

/** FULL: the default (fsync off the event loop, WalSync); FULL-IN-COMMIT: SQLITE_ASYNC_FSYNC=0. */
type Mode = 'NORMAL' | 'FULL' | 'FULL-IN-COMMIT';
const schema = { outbox, inbox };

function migrations(dir: string): string {
  return writeMigrations(
    dir,
    `${OUTBOX_INBOX_SQL}
--> statement-breakpoint
CREATE TABLE orders (id text PRIMARY KEY NOT NULL, customer text NOT NULL, total integer NOT NULL,
  status text NOT NULL, items text NOT NULL);
--> statement-breakpoint
CREATE TABLE tickets (id text PRIMARY KEY NOT NULL, status text NOT NULL);`,
    '0000_bench',
  );
}

async function run(mode: Mode) {
  const dir = join(root, mode.toLowerCase());
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const folder = migrations(dir);
  const producerDb = new Database({
    path: join(dir, 'order.db'),
    schema,
    migrationsFolder: folder,
    synchronous: mode === 'NORMAL' ? 'NORMAL' : 'FULL',
    asyncFsync: mode === 'FULL',
  });
  const consumerDb = new Database({
    path: join(dir, 'store.db'),
    schema,
    migrationsFolder: folder,
    synchronous: mode === 'NORMAL' ? 'NORMAL' : 'FULL',
    asyncFsync: mode === 'FULL',
  });
  const bus = new EmbeddedEventBus({
    path: join(dir, 'eventlog.db'),
    synchronous: mode === 'NORMAL' ? 'NORMAL' : 'FULL',
    asyncFsync: mode === 'FULL',
    pollIntervalMs: 5,
  });
  await bus.ensureTopics([{ name: 'order.events' }]);
  const box = new Outbox(producerDb, bus, { producer: 'order', topic: 'order.events' });
  let applied = 0;
  const consumer = await startEventConsumer({
    bus,
    database: consumerDb,
    group: 'store',
    topics: ['order.events'],
    handlers: {
      OrderPlaced: async (tx, envelope) => {
        tx.run(
          sql`INSERT INTO tickets (id, status) VALUES (${envelope.correlationId}, 'AWAITING_ACCEPTANCE')`,
        );
        applied++;
      },
    },
  });
  box.start();
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < writes; i++) {
    const id = `order-${i}`;
    const t0 = performance.now();
    await producerDb.transaction(async (tx) => {
      tx.run(
        sql`INSERT INTO orders (id, customer, total, status, items) VALUES (${id}, 'alice', 12000, 'PLACED', '[{"menuItemId":"m1","quantity":2}]')`,
      );
      await box.add(tx, { type: 'OrderPlaced', correlationId: id, payload: { orderId: id, total: 12000 } });
    });
    latencies.push(performance.now() - t0);
    box.notify();
  }
  const written = performance.now() - started;
  while (applied < writes) await new Promise((r) => setTimeout(r, 5));
  const endToEnd = performance.now() - started;
  await consumer.stop();
  await box.stop();
  await bus.close();
  producerDb.close();
  consumerDb.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    mode,
    commitP50: percentile(latencies, 50),
    commitP99: percentile(latencies, 99),
    writesPerSec: writes / (written / 1000),
    endToEndMs: endToEnd,
    appliedPerSec: writes / (endToEnd / 1000),
  };
}

const results: Awaited<ReturnType<typeof run>>[] = [];
// Each mode twice, alternating: the second round shows how stable the figures are.
for (const mode of ['NORMAL', 'FULL', 'FULL-IN-COMMIT', 'NORMAL', 'FULL', 'FULL-IN-COMMIT'] as Mode[])
  results.push(await run(mode));
const f = (n: number, d = 1) => n.toFixed(d);
console.log(
  `${writes} placeOrder-shaped commits -> outbox relay -> embedded log -> consumer (inbox + offset), dir ${root}`,
);
console.log('mode           commit p50 ms  commit p99 ms  commits/s  end-to-end ms  applied/s');
for (const r of results) {
  console.log(
    `${r.mode.padEnd(14)} ${f(r.commitP50, 2).padStart(13)}  ${f(r.commitP99, 2).padStart(13)}  ${f(r.writesPerSec, 0).padStart(9)}  ${f(r.endToEndMs, 0).padStart(13)}  ${f(r.appliedPerSec, 0).padStart(9)}`,
  );
}
const avg = (mode: Mode, key: 'commitP50' | 'writesPerSec' | 'endToEndMs') => {
  const rows = results.filter((r) => r.mode === mode);
  return rows.reduce((s, r) => s + r[key], 0) / rows.length;
};
for (const mode of ['FULL', 'FULL-IN-COMMIT'] as Mode[])
  console.log(
    `${mode} / NORMAL: commit p50 x${f(avg(mode, 'commitP50') / avg('NORMAL', 'commitP50'), 2)}, commits/s x${f(avg(mode, 'writesPerSec') / avg('NORMAL', 'writesPerSec'), 2)}, end-to-end time x${f(avg(mode, 'endToEndMs') / avg('NORMAL', 'endToEndMs'), 2)}`,
  );
