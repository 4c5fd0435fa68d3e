import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';

export interface BackupReport {
  source: string;
  destination: string;
  bytes: number;
  /** The database's `platform_meta` instance id (null for files without one, e.g. the embedded log). */
  instanceId: string | null;
}

/**
 * Copies a live SQLite database to `destination` with SQLite's online backup API
 * (better-sqlite3's `db.backup()`): the service keeps reading and writing meanwhile, and the copy
 * is one consistent state of the whole file (the backup restarts by itself when another
 * connection writes during it). Everything a context keeps is in that one file, so its data, its
 * outbox (events not yet relayed) and its inbox (events already applied) are captured together.
 * The copy is one file with no `-wal`/`-shm` beside it (rollback-journal mode), checked
 * (`PRAGMA integrity_check`) before this resolves. `destination` must not exist.
 */
export async function backupDatabase(source: string, destination: string): Promise<BackupReport> {
  if (!existsSync(source)) throw new Error(`no database at ${source}`);
  if (existsSync(destination)) throw new Error(`${destination} already exists`);
  const db = new SqliteDatabase(source, { fileMustExist: true });
  try {
    // The service's own busy timeout: wait for its write transactions rather than fail.
    db.pragma('busy_timeout = 5000');
    await db.backup(destination);
  } finally {
    db.close();
  }
  asSingleFile(destination);
  const instanceId = checkBackup(destination);
  return { source, destination, bytes: statSync(destination).size, instanceId };
}

/**
 * Turns a fresh copy into one self-contained file: the backup API copies the source's header, so a
 * copy of a WAL database is in WAL mode, and every later open (even the read-only check) leaves
 * `-wal` and `-shm` files beside it. In rollback-journal mode it has none; the service switches its
 * database back to WAL when it opens it after a restore.
 */
function asSingleFile(path: string): void {
  const db = new SqliteDatabase(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/**
 * Verifies a backup file (integrity check) and returns its instance id, throwing when it is not a
 * sound SQLite database.
 */
export function checkBackup(path: string): string | null {
  const db = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`${path} fails the integrity check: ${String(result)}`);
    const meta = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'platform_meta'")
      .get();
    if (!meta) return null;
    const row = db.prepare("SELECT value FROM platform_meta WHERE key = 'instance-id'").get() as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  } finally {
    db.close();
  }
}

/**
 * Puts a backup in place of `target` (the service must be stopped): the backup is checked,
 * copied next to the target, the target and its `-wal`/`-shm` files removed, and the copy renamed
 * over it (one atomic step: a crash leaves either the old state or the restored one).
 */
export async function restoreDatabase(backup: string, target: string): Promise<BackupReport> {
  checkBackup(backup);
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  // The backup API again (not a file copy): the staging file is a clean database without a WAL.
  const src = new SqliteDatabase(backup, { readonly: true, fileMustExist: true });
  try {
    await src.backup(staging);
  } finally {
    src.close();
  }
  asSingleFile(staging);
  const instanceId = checkBackup(staging);
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(staging, target);
  return { source: backup, destination: target, bytes: statSync(target).size, instanceId };
}
