/**
 * The two layers bench/saga.ts's optimisations changed, measured in one process on FULL durability
 * (the default), each with the optimisation on and off, alternating, so the machine's load hits both:
 *
 * - commits: N placeOrder-shaped transactions (an order row and its outbox row) offered at a fixed
 *   rate (open loop), through Database.transaction with and without group commit;
 * - consume: N events already in the embedded log (4 partitions), applied by one consumer group
 *   (effect + inbox row in the service store, then the offset commit in the log), with batched
 *   offset commits and partition lanes (EVENTLOG_BATCH_COMMITS) and group commit on, or both off.
 *
 *   npx tsx bench/sagaLayers.ts [--events 400] [--rate 200] [--rounds 2]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { EmbeddedEventBus } from '../packages/platform/src/bus/EmbeddedEventBus.js';
import { Database } from '../packages/platform/src/db/Database.js';
import { inbox, outbox } from '../packages/platform/src/db/tables.js';
import { createEnvelope } from '../packages/platform/src/events/EventEnvelope.js';
import { startEventConsumer } from '../packages/platform/src/outbox/EventConsumer.js';
import { Outbox } from '../packages/platform/src/outbox/Outbox.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../packages/platform/src/testing/writeMigrations.js';
import { percentile } from './percentile.js';

process.env.LOG_LEVEL ??= 'error';
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '400' },
    rate: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    dir: { type: 'string', default: '.cache/bench-saga-layers' },
  },
});
const N = Number(values.events);
const RATE = Number(values.rate);
const root = resolve(values.dir);
const schema = { outbox, inbox };
let runNo = 0;

function store(dir: string, name: string, groupCommit: boolean) {
  const folder = writeMigrations(
    dir,
    `${OUTBOX_INBOX_SQL}
--> statement-breakpoint
CREATE TABLE orders (id text PRIMARY KEY NOT NULL, total integer NOT NULL, status text NOT NULL);`,
    '0000_bench',
  );
  return new Database({ path: join(dir, `${name}.db`), schema, migrationsFolder: folder, groupCommit });
}

async function commits(on: boolean) {
  const dir = join(root, `commits-${runNo++}`);
  mkdirSync(dir, { recursive: true });
  const db = store(dir, 'order', on);
  const box = new Outbox(db, new EmbeddedEventBus({ path: join(dir, 'log.db') }), {
    producer: 'order',
    topic: 'order.events',
  });
  const latencies: number[] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const wait = start + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    pending.push(
      db
        .transaction(async (tx) => {
          tx.run(sql`INSERT INTO orders (id, total, status) VALUES (${`o-${i}`}, 12000, 'PLACED')`);
          await box.add(tx, { type: 'OrderPlaced', correlationId: `o-${i}`, payload: { i } });
        })
        .then(() => {
          latencies.push(performance.now() - t0);
        }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: N / seconds };
}

async function consume(on: boolean) {
  const dir = join(root, `consume-${runNo++}`);
  mkdirSync(dir, { recursive: true });
  const db = store(dir, 'dashboard', on);
  const bus = new EmbeddedEventBus({ path: join(dir, 'log.db'), pollIntervalMs: 10, batchCommits: on });
  await bus.ensureTopics([{ name: 'order.events', partitions: 4 }]);
  await bus.publish(
    Array.from({ length: N }, (_, i) => ({
      topic: 'order.events',
      key: `o-${i}`,
      envelope: createEnvelope('order', { type: 'OrderPlaced', correlationId: `o-${i}`, payload: { i } }),
    })),
  );
  let applied = 0;
  const start = performance.now();
  const consumer = await startEventConsumer({
    bus,
    database: db,
    group: 'dashboard',
    topics: ['order.events'],
    handlers: {
      OrderPlaced: async (tx, envelope) => {
        tx.run(
          sql`INSERT INTO orders (id, total, status) VALUES (${envelope.correlationId}, 12000, 'PLACED')`,
        );
        applied++;
      },
    },
  });
  while (applied < N) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - start) / 1000;
  await consumer.stop();
  await bus.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { perSecond: N / seconds };
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log('| round | layer | optimisation | p50 ms | p99 ms | per second |');
console.log('| ---: | --- | --- | ---: | ---: | ---: |');
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const on of [false, true]) {
    const c = await commits(on);
    console.log(
      `| ${round} | ${N} transactions offered at ${RATE}/s | group commit ${on ? 'on' : 'off'} | ${c.p50.toFixed(1)} | ${c.p99.toFixed(1)} | ${c.perSecond.toFixed(0)} |`,
    );
  }
  for (const on of [false, true]) {
    const c = await consume(on);
    console.log(
      `| ${round} | ${N} events consumed (4 partitions) | ${on ? 'batched offsets + lanes + group commit' : 'one offset commit and one COMMIT per event'} | | | ${c.perSecond.toFixed(0)} |`,
    );
  }
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
