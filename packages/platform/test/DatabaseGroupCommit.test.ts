import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db/Database.js';
import { inbox, outbox } from '../src/db/tables.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../src/testing/writeMigrations.js';

process.env.LOG_LEVEL ??= 'silent';

/** SQLite group commit: concurrent transactions share one COMMIT, each still all-or-nothing. */
const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
const migrations = writeMigrations(dir, OUTBOX_INBOX_SQL);
const schema = { outbox, inbox };
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(groupCommit: boolean) {
  const path = join(dir, `db-${n++}.db`);
  return { path, database: new Database({ path, schema, migrationsFolder: migrations, groupCommit }) };
}

const row = (eventId: string) => ({
  consumer: 'c',
  eventId,
  eventType: 'T',
  handledAt: new Date().toISOString(),
});

/** What another connection sees committed. */
function committedIds(path: string): string[] {
  const reader = new BetterSqlite3(path, { readonly: true });
  try {
    return (reader.prepare('SELECT event_id AS id FROM inbox ORDER BY rowid').all() as { id: string }[]).map(
      (r) => r.id,
    );
  } finally {
    reader.close();
  }
}

describe('Database group commit (SQLite)', () => {
  it('runs concurrent transactions in call order, rolls back only the one that throws, and resolves the rest after the shared COMMIT', async () => {
    const { path, database } = open(true);
    const seen: string[] = [];
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((id) =>
        database.transaction(async (tx) => {
          seen.push(id);
          await tx.insert(inbox).values(row(id));
          // Each member sees the members before it (they commit together).
          const before = await tx.select({ id: inbox.eventId }).from(inbox);
          if (id === 'c') throw new Error('c fails after writing');
          return before.length;
        }),
      ),
    );
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : null))).toEqual([1, 2, null, 3]);
    // Durable and visible to another connection once resolved; c's write is gone.
    expect(committedIds(path)).toEqual(['a', 'b', 'd']);
    await database.close();
  });

  it('shares one COMMIT among the transactions waiting at the same time; SQLITE_GROUP_COMMIT off commits each alone', async () => {
    const count = 40;
    const run = async (groupCommit: boolean) => {
      const { path, database } = open(groupCommit);
      const sqlite = database.sqlite;
      const exec = sqlite.exec.bind(sqlite);
      let commits = 0;
      sqlite.exec = (sql: string) => {
        if (sql === 'COMMIT') commits++;
        return exec(sql);
      };
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          database.transaction(async (tx) => {
            await tx.insert(inbox).values(row(`e${i}`));
          }),
        ),
      );
      const ids = committedIds(path);
      await database.close();
      return { ids, commits };
    };
    const all = Array.from({ length: count }, (_, i) => `e${i}`);
    const grouped = await run(true);
    expect(grouped.ids).toEqual(all);
    expect(grouped.commits).toBeLessThanOrEqual(2);
    const alone = await run(false);
    expect(alone.ids).toEqual(all);
    expect(alone.commits).toBe(count);
  });

  it('a failing group member leaves the others committed, and a later transaction sees them', async () => {
    const { database } = open(true);
    await Promise.allSettled([
      database.transaction(async (tx) => {
        await tx.insert(inbox).values(row('x'));
      }),
      database.transaction(async (tx) => {
        await tx.insert(inbox).values(row('x')); // primary key conflict with the member before
      }),
    ]);
    const rows = await database.reader.select().from(inbox).where(eq(inbox.eventId, 'x'));
    expect(rows).toHaveLength(1);
    await database.close();
  });
});
