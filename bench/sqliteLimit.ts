/**
 * A bound `LIMIT ?` against the same limit written in (packages/platform/src/db/cacheStatements.ts):
 * the SQLite that better-sqlite3 bundles plans with the bound LIMIT value and compiles the
 * statement again on every run. Prints µs per run of two hot queries of the services, each
 * prepared as drizzle does (a cacheStatements hit, then the run), in alternating rounds:
 *
 * - `bound`: the limit bound, as every drizzle `.limit(n)` and the outbox relay's
 *   `LIMIT ${batchSize}` ran before (cacheStatements with literalLimit off, SQLITE_LITERAL_LIMIT=0);
 * - `literal`: the same text with the limit written in, as the services run it now.
 *
 *   npx tsx bench/sqliteLimit.ts [--runs 20000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { cacheStatements } from '../packages/platform/src/db/cacheStatements.js';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const RUNS = Number(args.runs);
const ROUNDS = Number(args.rounds);

const dir = mkdtempSync(join(tmpdir(), 'sqlite-limit-'));
const path = join(dir, 'bench.db');
const setup = new BetterSqlite3(path);
setup.pragma('journal_mode = WAL');
// The platform's outbox (packages/platform/src/db/tables.ts) and a payments table keyed by order.
setup.exec(`
  CREATE TABLE outbox (position INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, event_id TEXT NOT NULL,
    topic TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, envelope TEXT NOT NULL,
    created_at TEXT NOT NULL, published_at TEXT, attempts INTEGER DEFAULT 0 NOT NULL, last_error TEXT);
  CREATE UNIQUE INDEX outbox_event_id_unique ON outbox (event_id);
  CREATE INDEX outbox_unpublished ON outbox (published_at, position);
  CREATE INDEX outbox_key ON outbox (key, position);
  CREATE TABLE outbox_parked (position INTEGER PRIMARY KEY, parked_at TEXT NOT NULL, reason TEXT NOT NULL);
  CREATE TABLE payments (id TEXT PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, amount INTEGER NOT NULL,
    status TEXT NOT NULL, created_at TEXT NOT NULL);
`);
const insertEvent = setup.prepare(
  'INSERT INTO outbox (event_id, topic, key, type, envelope, created_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const insertPayment = setup.prepare(
  'INSERT INTO payments (id, order_id, amount, status, created_at) VALUES (?, ?, ?, ?, ?)',
);
const now = new Date().toISOString();
setup.transaction(() => {
  for (let i = 0; i < 20_000; i++) {
    // 20,000 published events and 3 waiting, as a relay round finds them.
    insertEvent.run(`e${i}`, 'order.events', `o${i}`, 'OrderPlaced', '{}', now, i < 19_997 ? now : null);
    insertPayment.run(`p${i}`, `o${i}`, 12_000, 'CAPTURED', now);
  }
})();
setup.close();

const queries = [
  {
    name: 'outbox relay read (LIMIT 200)',
    sql: `SELECT position, event_id AS "eventId", topic, key, envelope, attempts, type, created_at AS "createdAt" FROM outbox o
            WHERE published_at IS NULL
              AND NOT EXISTS (
                SELECT 1 FROM outbox_parked p JOIN outbox b ON b.position = p.position
                WHERE b.key = o.key AND b.published_at IS NULL AND b.position <= o.position)
            ORDER BY position LIMIT ?`,
    params: [200],
  },
  {
    name: 'payment by order (.limit(1))',
    sql: 'select "id", "order_id", "amount", "status", "created_at" from "payments" where "payments"."order_id" = ? limit ?',
    params: ['o777', 1],
  },
];

const bound = cacheStatements(new BetterSqlite3(path), 500, false);
const literal = cacheStatements(new BetterSqlite3(path), 500, true);
const perRun = (run: () => unknown) => {
  for (let i = 0; i < 1000; i++) run();
  const start = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) run();
  return Number(process.hrtime.bigint() - start) / RUNS / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`${RUNS} runs per round, ${ROUNDS} alternating rounds, median µs per run\n`);
console.log('| query | bound µs | literal µs | bound / literal |');
console.log('| --- | ---: | ---: | ---: |');
for (const q of queries) {
  const times = { bound: [] as number[], literal: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    times.bound.push(perRun(() => bound.prepare(q.sql).all(...q.params)));
    times.literal.push(perRun(() => literal.prepare(q.sql).all(...q.params)));
  }
  const b = median(times.bound);
  const c = median(times.literal);
  console.log(`| ${q.name} | ${b.toFixed(2)} | ${c.toFixed(2)} | ${(b / c).toFixed(2)} |`);
}
bound.close();
literal.close();
rmSync(dir, { recursive: true, force: true });
