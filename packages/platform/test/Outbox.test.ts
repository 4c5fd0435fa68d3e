import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../src/bus/EmbeddedEventBus.js';
import { Database } from '../src/db/Database.js';
import { inbox, outbox } from '../src/db/tables.js';
import { Outbox } from '../src/outbox/Outbox.js';
import { waitFor } from '../src/testing/waitFor.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../src/testing/writeMigrations.js';

process.env.LOG_LEVEL ??= 'silent';

/** The outbox relay on a real SQLite store and the real embedded log. */
const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
const migrations = writeMigrations(dir, OUTBOX_INBOX_SQL);
const schema = { outbox, inbox };
let n = 0;
const cleanups: (() => Promise<void> | void)[] = [];

function setup(busOptions: Partial<ConstructorParameters<typeof EmbeddedEventBus>[0]> = {}) {
  const i = n++;
  const logPath = join(dir, `log-${i}.db`);
  const database = new Database({ path: join(dir, `svc-${i}.db`), schema, migrationsFolder: migrations });
  const bus = new EmbeddedEventBus({ path: logPath, pollIntervalMs: 5, ...busOptions });
  cleanups.push(async () => {
    await bus.close().catch(() => undefined);
    database.close();
  });
  return { database, bus, logPath };
}

async function add(box: Outbox, database: Database<typeof schema>, key: string, payload: unknown) {
  const env = await database.transaction((tx) => box.add(tx, { type: 'Thing', correlationId: key, payload }));
  box.notify();
  return env;
}

/** Longer than the kit's 10 s: these tests restart consumers and wait out leases. */
const T = 20_000;

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Outbox relay', () => {
  it('parks a record the bus always refuses; other keys flow, later rows of its key wait behind it', async () => {
    const { database, bus, logPath } = setup({ maxRecordBytes: 4000 });
    const box = new Outbox(database, bus, { producer: 'test', topic: 'things', maxBackoffMs: 200 });
    const a1 = await add(box, database, 'a', { n: 1 });
    const huge = await add(box, database, 'b', { blob: 'x'.repeat(10_000) }); // refused: too large
    const b2 = await add(box, database, 'b', { n: 2 }); // same key: must not overtake the refused one
    const c1 = await add(box, database, 'c', { n: 1 });
    box.start();
    cleanups.unshift(() => box.stop());
    const published = () => bus.read('things').map((r) => r.envelope.id);
    await waitFor(async () => (await box.parked()).length === 1, {
      what: 'the refused record parked',
      timeoutMs: T,
    });
    await waitFor(() => published().includes(c1.id), { what: 'the other keys published', timeoutMs: T });
    expect(published()).toEqual([a1.id, c1.id].filter((id) => published().includes(id)));
    expect(published()).not.toContain(huge.id);
    expect(published()).not.toContain(b2.id);
    expect((await box.parked())[0]).toMatchObject({ eventId: huge.id, key: 'b' });
    expect((await box.parked())[0]!.reason).toMatch(/more than the log accepts/);
    expect(await box.status()).toMatchObject({ parked: 1, pending: 2 });
    // Later writes keep flowing (other keys) while the parked row sits aside.
    const c2 = await add(box, database, 'c', { n: 2 });
    await waitFor(() => published().includes(c2.id), { what: 'a later record of another key', timeoutMs: T });
    expect(published()).not.toContain(b2.id);

    // After the fix (a log that takes the record), releasing it publishes key b in order.
    await box.stop();
    const bigger = new EmbeddedEventBus({ path: logPath, pollIntervalMs: 5 });
    cleanups.unshift(() => bigger.close());
    const fixed = new Outbox(database, bigger, { producer: 'test', topic: 'things' });
    fixed.start();
    cleanups.unshift(() => fixed.stop());
    expect(await fixed.release()).toBe(1);
    await waitFor(() => published().includes(b2.id), { what: 'key b after release', timeoutMs: T });
    const ids = published();
    expect(ids.indexOf(huge.id)).toBeLessThan(ids.indexOf(b2.id));
    expect(await fixed.status()).toMatchObject({ parked: 0, pending: 0 });
  });

  it('does not cut its backoff short on every new write while the bus is down', async () => {
    const { database, bus, logPath } = setup({ busyTimeoutMs: 20 });
    await bus.ensureTopics([{ name: 'things' }]);
    const box = new Outbox(database, bus, { producer: 'test', topic: 'things', maxBackoffMs: 800 });
    // The log is unavailable: another process holds its write lock.
    const locker = new BetterSqlite3(logPath);
    locker.exec('BEGIN EXCLUSIVE');
    const first = await add(box, database, 'k0', { n: 0 });
    box.start();
    cleanups.unshift(() => box.stop());
    const until = Date.now() + 2500;
    let i = 1;
    while (Date.now() < until) {
      await add(box, database, `k${i}`, { n: i++ }); // each write notifies the relay
      await new Promise((r) => setTimeout(r, 10));
    }
    const [row] = database.sqlite.prepare('SELECT attempts FROM outbox WHERE event_id = ?').all(first.id) as {
      attempts: number;
    }[];
    // Backoff 100, 200, 400, 800, 800 ms...: about 6 rounds in 2.5 s (each round tries the head row
    // at most twice). A relay woken by every write would have tried it on nearly every write.
    expect(row!.attempts).toBeGreaterThan(0);
    expect(row!.attempts).toBeLessThanOrEqual(16);
    expect(i).toBeGreaterThan(60);
    locker.exec('COMMIT');
    locker.close();
    await waitFor(() => bus.read('things', 0, 10_000).length === i, {
      what: 'every row once the bus is back',
      timeoutMs: T,
    });
  });

  it('survives a failing cleanup without an unhandled rejection', async () => {
    const { database, bus } = setup();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      // An old published row whose deletion fails (the trigger stands in for an I/O error).
      database.sqlite
        .prepare(
          "INSERT INTO outbox (event_id, topic, key, type, envelope, created_at, published_at) VALUES ('old', 'things', 'k', 'T', '{}', '2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z')",
        )
        .run();
      // Counted in JS (a table row would be rolled back with the failing statement).
      let cleanupAttempts = 0;
      database.sqlite.function('cleanup_attempted', () => {
        cleanupAttempts++;
        return 0;
      });
      database.sqlite.exec(
        "CREATE TRIGGER fail_delete BEFORE DELETE ON outbox BEGIN SELECT cleanup_attempted(); SELECT RAISE(ABORT, 'disk I/O error'); END",
      );
      const box = new Outbox(database, bus, { producer: 'test', topic: 'things' });
      box.start();
      cleanups.unshift(() => box.stop());
      const e = await add(box, database, 'k', { n: 1 });
      await waitFor(() => bus.read('things').some((r) => r.envelope.id === e.id), {
        what: 'relay after the cleanup',
        timeoutMs: T,
      });
      await waitFor(() => cleanupAttempts > 0, { what: 'the cleanup to have failed', timeoutMs: T });
      // Node reports an unhandled rejection once the microtasks after it ran: one macrotask later.
      await new Promise((r) => setImmediate(r));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
