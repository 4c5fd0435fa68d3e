import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db/Database.js';
import { inbox, outbox } from '../src/db/tables.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../src/testing/writeMigrations.js';

process.env.LOG_LEVEL ??= 'silent';

/**
 * Redoable writes (outbox rows marked published) commit without their own fsync; everything else
 * keeps the store's `synchronous`. SQLite reports the pragma as 2 (FULL) or 1 (NORMAL). These run
 * with the fsync inside COMMIT (SQLITE_ASYNC_FSYNC=0), where the pragma is what makes the
 * difference; WalSync.test.ts covers the default (NORMAL, then an fdatasync off the event loop).
 */
const dir = mkdtempSync(join(tmpdir(), 'redoable-'));
const migrations = writeMigrations(dir, OUTBOX_INBOX_SQL);
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(options: { synchronous?: 'FULL' | 'NORMAL'; redoableSynchronous?: 'FULL' | 'NORMAL' } = {}) {
  return new Database({
    path: join(dir, `db-${n++}.db`),
    schema: { outbox, inbox },
    migrationsFolder: migrations,
    asyncFsync: false,
    ...options,
  });
}

const synchronousOf = (database: { sqlite: BetterSqlite3.Database }) =>
  database.sqlite.pragma('synchronous', { simple: true });

describe('Database.exclusive({ redoable })', () => {
  it('commits a redoable write with NORMAL and goes back to FULL for everything after it', async () => {
    const database = open({ synchronous: 'FULL' });
    const seen: unknown[] = [];
    await database.exclusive(() => {
      seen.push(synchronousOf(database));
    });
    await database.exclusive(
      (db) => {
        seen.push(synchronousOf(database));
        db.insert(inbox).values({ consumer: 'c', eventId: 'e1', eventType: 'T', handledAt: 'now' }).run();
      },
      { redoable: true },
    );
    await database.transaction(async () => {
      seen.push(synchronousOf(database));
    });
    expect(seen).toEqual([2, 1, 2]);
    expect(synchronousOf(database)).toBe(2);
    expect(database.sqlite.prepare('SELECT event_id AS id FROM inbox').all()).toEqual([{ id: 'e1' }]);
    await database.close();
  });

  it('goes back to FULL when the redoable write throws', async () => {
    const database = open({ synchronous: 'FULL' });
    await expect(
      database.exclusive(
        () => {
          throw new Error('refused');
        },
        { redoable: true },
      ),
    ).rejects.toThrow('refused');
    expect(synchronousOf(database)).toBe(2);
    await database.close();
  });

  it('fsyncs redoable writes too when asked (SQLITE_REDOABLE_SYNC=FULL), and never more than the store', async () => {
    const full = open({ synchronous: 'FULL', redoableSynchronous: 'FULL' });
    const normal = open({ synchronous: 'NORMAL', redoableSynchronous: 'FULL' });
    const seen: unknown[] = [];
    await full.exclusive(() => seen.push(synchronousOf(full)), { redoable: true });
    await normal.exclusive(() => seen.push(synchronousOf(normal)), { redoable: true });
    expect(seen).toEqual([2, 1]);
    await full.close();
    await normal.close();
  });
});
