import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../src/bus/EmbeddedEventBus.js';
import { Database } from '../src/db/Database.js';
import { inbox, outbox } from '../src/db/tables.js';
import { WalSync } from '../src/db/WalSync.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../src/testing/writeMigrations.js';
import { createEnvelope } from '../src/events/EventEnvelope.js';

process.env.LOG_LEVEL ??= 'silent';

/**
 * The default SQLite commit path: COMMIT with synchronous=NORMAL, then an fdatasync of the WAL on
 * libuv's thread pool before the caller is told (WalSync). What is asserted: callers wait for a
 * sync that covers their commit, syncs are shared by callers that commit meanwhile, writes that
 * need no fsync get none, and a failed fsync is never reported as a success.
 */
const dir = mkdtempSync(join(tmpdir(), 'walsync-'));
const migrations = writeMigrations(dir, OUTBOX_INBOX_SQL);
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(options: { asyncFsync?: boolean; groupCommit?: boolean } = {}) {
  return new Database({
    path: join(dir, `db-${n++}.db`),
    schema: { outbox, inbox },
    migrationsFolder: migrations,
    synchronous: 'FULL',
    // The default, whatever SQLITE_ASYNC_FSYNC says in this environment.
    asyncFsync: true,
    ...options,
  });
}

const insertInbox =
  (id: string) => async (tx: Database<{ outbox: typeof outbox; inbox: typeof inbox }>['db']) => {
    tx.insert(inbox).values({ consumer: 'c', eventId: id, eventType: 'T', handledAt: 'now' }).run();
  };

describe('WalSync', () => {
  it('syncs only when a commit was noted, and shares one sync among callers that arrive while one runs', async () => {
    const database = open();
    // Something to sync: the file exists once the connection wrote to it.
    database.sqlite.exec('CREATE TABLE t (x)');
    const sync = new WalSync(`${database.sqlite.name}-wal`);
    await sync.sync();
    expect(sync.syncs).toBe(0);

    sync.noteCommit();
    const first = sync.sync();
    // Arrive while the first is in flight: one more sync covers all of them.
    const waiting = Array.from({ length: 20 }, () => {
      sync.noteCommit();
      return sync.sync();
    });
    await Promise.all([first, ...waiting]);
    expect(sync.syncs).toBe(2);
    expect(sync.idle).toBe(true);
    // Nothing new: no fsync.
    await sync.sync();
    expect(sync.syncs).toBe(2);
    await sync.close();
    await database.close();
  });

  it('reports a failed fsync once and never resolves a sync after it', async () => {
    const failures: Error[] = [];
    const sync = new WalSync(join(dir, 'no-such-dir', 'x.db-wal'), (err) => failures.push(err));
    sync.noteCommit();
    await expect(sync.sync()).rejects.toThrow(/ENOENT/);
    sync.noteCommit();
    await expect(sync.sync()).rejects.toThrow(/ENOENT/);
    expect(failures).toHaveLength(1);
    await sync.close();
  });
});

describe('Database with async fsync (the default)', () => {
  it('commits with NORMAL and resolves a transaction only after an fdatasync that covers it', async () => {
    const database = open();
    expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(1);
    expect(database.walSyncs).toBe(0);
    await database.transaction(insertInbox('e1'));
    expect(database.walSyncs).toBe(1);
    // Twenty transactions at once: group commit plus shared syncs, far fewer fsyncs than commits.
    await Promise.all(Array.from({ length: 20 }, (_, i) => database.transaction(insertInbox(`g${i}`))));
    expect(database.walSyncs).toBeGreaterThan(1);
    expect(database.walSyncs).toBeLessThanOrEqual(4);
    expect(database.sqlite.prepare('SELECT COUNT(*) AS n FROM inbox').get()).toEqual({ n: 21 });
    await database.close();
  });

  it('also syncs each transaction without group commit', async () => {
    const database = open({ groupCommit: false });
    await database.transaction(insertInbox('a'));
    await database.transaction(insertInbox('b'));
    expect(database.walSyncs).toBe(2);
    await database.close();
  });

  it('gives redoable writes no fsync of their own and syncs other exclusive writes', async () => {
    const database = open();
    await database.exclusive((db) => insertInbox('r1')(db), { redoable: true });
    await database.exclusive((db) => db.select().from(inbox).all());
    expect(database.walSyncs).toBe(0);
    await database.exclusive((db) => insertInbox('w1')(db));
    expect(database.walSyncs).toBe(1);
    await database.close();
  });

  it('lets a read return only once the commits before it are durable (the relay publishes what it read)', async () => {
    const database = open();
    const tx = database.transaction(insertInbox('t1'));
    const rows = await database.exclusive((db) => db.select().from(inbox).all());
    expect(rows.map((r) => r.eventId)).toEqual(['t1']);
    expect(database.walSyncs).toBe(1);
    await tx;
    await database.close();
  });

  it('keeps the fsync inside COMMIT when switched off (SQLITE_ASYNC_FSYNC=0)', async () => {
    const database = open({ asyncFsync: false });
    expect(database.sqlite.pragma('synchronous', { simple: true })).toBe(2);
    await database.transaction(insertInbox('x'));
    expect(database.walSyncs).toBe(0);
    await database.close();
  });

  it('leaves in-memory stores alone', async () => {
    const database = new Database({
      path: ':memory:',
      schema: { outbox, inbox },
      migrationsFolder: migrations,
    });
    await database.transaction(insertInbox('m'));
    expect(database.walSyncs).toBe(0);
    await database.close();
  });
});

describe('EmbeddedEventBus with async fsync', () => {
  /** The bus's own connection and sync, which its API does not expose. */
  const internalsOf = (bus: EmbeddedEventBus) =>
    bus as unknown as { db: { pragma: (p: string, o: object) => unknown }; walSync: WalSync | null };

  it('publishes with NORMAL, each publish resolving after an fdatasync of the log covers it', async () => {
    const bus = new EmbeddedEventBus({ path: join(dir, `log-${n++}.db`), asyncFsync: true });
    const internals = internalsOf(bus);
    const walSync = internals.walSync!;
    // 1 = NORMAL: COMMIT itself does not fsync; the WalSync after it does.
    expect(internals.db.pragma('synchronous', { simple: true })).toBe(1);
    await bus.ensureTopics([{ name: 'walsync.events' }]);
    const syncsBefore = walSync.syncs;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        bus.publish([
          {
            topic: 'walsync.events',
            key: `k${i}`,
            envelope: createEnvelope('test', { type: 'Test', correlationId: `k${i}`, payload: { i } }),
          },
        ]),
      ),
    );
    expect(bus.read('walsync.events')).toHaveLength(10);
    // Concurrent publishes share syncs, but at least one ran, and none is still owed.
    expect(walSync.syncs).toBeGreaterThan(syncsBefore);
    expect(walSync.idle).toBe(true);
    await bus.close();
  });

  it('publishes with FULL (the fsync inside COMMIT) when switched off', async () => {
    const bus = new EmbeddedEventBus({ path: join(dir, `log-${n++}.db`), asyncFsync: false });
    const internals = internalsOf(bus);
    expect(internals.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(internals.walSync).toBeNull();
    await bus.close();
  });
});
