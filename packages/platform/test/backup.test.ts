import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDatabase, checkBackup, restoreDatabase } from '../src/db/backup.js';

describe('SQLite backup and restore (online backup API)', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'baemin-backup-test-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A WAL database like the services' (platform_meta with an instance id, data in the WAL). */
  function liveDatabase(path: string) {
    const db = new SqliteDatabase(path);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE platform_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO platform_meta VALUES ('instance-id', 'abc');
      CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)`);
    const insert = db.prepare('INSERT INTO t (pad) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run('x'.repeat(200));
    })();
    return { db, insert };
  }

  it('copies a database that is being written, as one consistent state, and checks the copy', async () => {
    const d = dir();
    const { db, insert } = liveDatabase(join(d, 'live.db'));
    // Writes from the service's own connection keep coming while the backup runs.
    let writes = 0;
    const writer = setInterval(() => {
      db.transaction(() => {
        for (let i = 0; i < 10; i++) insert.run('y');
      })();
      writes += 10;
    }, 1);
    const report = await backupDatabase(join(d, 'live.db'), join(d, 'copy.db')).finally(() =>
      clearInterval(writer),
    );
    expect(report.instanceId).toBe('abc');
    // One self-contained file: nothing beside it to ship or to forget.
    expect(readdirSync(d).sort()).toEqual(['copy.db', 'live.db', 'live.db-shm', 'live.db-wal']);
    const copy = new SqliteDatabase(join(d, 'copy.db'), { readonly: true });
    const { n } = copy.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number };
    copy.close();
    // Whole transactions only: the seed plus some multiple of the 10-row batches.
    expect(n).toBeGreaterThanOrEqual(5000);
    expect((n - 5000) % 10).toBe(0);
    expect(n - 5000).toBeLessThanOrEqual(writes);
    db.close();
    // Never over an existing file.
    await expect(backupDatabase(join(d, 'live.db'), join(d, 'copy.db'))).rejects.toThrow(/already exists/);
  });

  it('restores over a lost or newer file, drops its WAL, and refuses a broken backup', async () => {
    const d = dir();
    const { db, insert } = liveDatabase(join(d, 'live.db'));
    await backupDatabase(join(d, 'live.db'), join(d, 'copy.db'));
    insert.run('after the backup');
    db.close();
    writeFileSync(join(d, 'live.db-wal'), 'stale');
    await restoreDatabase(join(d, 'copy.db'), join(d, 'live.db'));
    expect(existsSync(join(d, 'live.db-wal'))).toBe(false);
    // No staging file or side files of the copy left behind.
    expect(readdirSync(d).sort()).toEqual(['copy.db', 'live.db']);
    const restored = new SqliteDatabase(join(d, 'live.db'), { readonly: true });
    expect(restored.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 5000 });
    restored.close();

    writeFileSync(join(d, 'broken.db'), 'not a database at all'.repeat(100));
    expect(() => checkBackup(join(d, 'broken.db'))).toThrow();
    await expect(restoreDatabase(join(d, 'broken.db'), join(d, 'live.db'))).rejects.toThrow();
    // The target is untouched by a refused restore.
    expect(checkBackup(join(d, 'live.db'))).toBe('abc');
  });
});
