import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';
import type BetterSqlite3 from 'better-sqlite3';
import { logger } from '../logger.js';

const openFile = promisify(open);
const syncFile = promisify(fdatasync);

/**
 * Durable commits without blocking the event loop: the connection commits with
 * `synchronous=NORMAL` (the WAL frames are written, not fsynced) and `sync()` then makes them
 * durable with an `fdatasync` of the WAL file on libuv's thread pool. Whoever commits awaits
 * `sync()` before anything leaves the process (a reply, a published event, an offset): what is
 * acknowledged is as durable as with `synchronous=FULL`, whose fsync inside COMMIT held the
 * thread (and, on the shared event log, every process's write lock) for 0.3–3 ms per commit.
 *
 * Why an fdatasync of our own is enough: SQLite appends a transaction's frames to the WAL and a
 * reader trusts a frame only when its checksum chain (from the WAL header's salt) is intact up to
 * a commit frame, so after an OS crash the WAL holds exactly a prefix of the commits; an fdatasync
 * of the file (any descriptor of the same inode) after a commit makes that commit and every
 * earlier one part of the prefix. The file stays the same inode while this process keeps its
 * connection open (SQLite deletes the WAL only when the last connection closes; checkpoints reset
 * it in place). Checkpoints themselves still fsync (NORMAL syncs the WAL before copying it into
 * the database file).
 *
 * What changes: a *reader* may see a commit up to one fdatasync (0.3–3 ms here) before it is
 * durable, as with `synchronous=NORMAL`. Nothing caused by a write waits on that: replies, events
 * and offsets wait for `sync()`. SQLITE_ASYNC_FSYNC=0 goes back to FULL inside COMMIT.
 *
 * Syncs are coalesced: one in flight and at most one queued; every commit that arrives while one
 * is in flight rides on the queued one (group commit across callers and transactions).
 */
export class WalSync {
  private fd: number | null = null;
  /** Commits noted so far, and how many of them the last finished fdatasync covered. */
  private noted = 0;
  private synced = 0;
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private failed: Error | null = null;
  /** fdatasyncs run (a counter, for tests and metrics). */
  syncs = 0;

  /**
   * @param walPath the database file's `-wal` file.
   * @param onFailure called once when an fdatasync fails. Default: log an ALERT and end the
   *   process. After a failed fsync Linux may drop the dirty pages and report the next fsync as a
   *   success, so the only safe answer is the one PostgreSQL gives: stop, and recover from the
   *   WAL on restart.
   */
  constructor(
    private readonly walPath: string,
    private readonly onFailure: (err: Error) => void = exitOnSyncFailure,
  ) {}

  /** Records that a commit happened on the connection (call right after COMMIT). */
  noteCommit(): void {
    this.noted++;
  }

  /** {@link noteCommit} then {@link sync}: resolves once the commit just made is durable. */
  committed(): Promise<void> {
    this.noteCommit();
    return this.sync();
  }

  /** Whether every noted commit is durable. */
  get idle(): boolean {
    return this.synced >= this.noted && !this.inFlight;
  }

  /**
   * Resolves once every commit noted so far is durable; at once when they already are. Rejects
   * (and calls `onFailure`) if the fdatasync fails.
   */
  sync(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.synced >= this.noted) return Promise.resolve();
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.start();
    // The sync in flight may have started before the last commit: wait for it, then sync again
    // (once, for every caller that arrives meanwhile).
    const queued = this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.synced >= this.noted ? undefined : this.start();
      });
    this.queued = queued;
    return queued;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.syncUpTo(this.noted).finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  private async syncUpTo(target: number): Promise<void> {
    try {
      if (this.fd === null) this.fd = await openFile(this.walPath, 'r');
      await syncFile(this.fd);
      this.syncs++;
      this.synced = Math.max(this.synced, target);
    } catch (err) {
      if (!this.failed) {
        this.failed = err as Error;
        this.onFailure(this.failed);
      }
      throw err;
    }
  }

  /** Waits for pending syncs, then closes the file. */
  async close(): Promise<void> {
    await (this.queued ?? this.inFlight)?.catch(() => undefined);
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
  }
}

function exitOnSyncFailure(err: Error): void {
  logger.error('ALERT fdatasync of a SQLite WAL failed: stopping so the restart recovers from the WAL', {
    alert: 'wal-sync-failed',
    error: err.message,
  });
  process.exit(70);
}

/** SQLITE_ASYNC_FSYNC=0: fsync inside COMMIT (synchronous=FULL), as before. Default on. */
export function asyncFsyncFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SQLITE_ASYNC_FSYNC !== '0';
}

/**
 * A {@link WalSync} for `sqlite` when it should commit durably without blocking: a file database
 * in WAL mode asked for FULL, with SQLITE_ASYNC_FSYNC not 0. Switches the connection to
 * `synchronous=NORMAL` then; returns null (the connection untouched) otherwise.
 */
export function walSyncFor(
  sqlite: BetterSqlite3.Database,
  path: string,
  synchronous: 'FULL' | 'NORMAL',
  enabled = asyncFsyncFromEnv(),
): WalSync | null {
  if (!enabled || synchronous !== 'FULL' || path === ':memory:' || path === '') return null;
  const mode = String(sqlite.pragma('journal_mode', { simple: true })).toLowerCase();
  if (mode !== 'wal') return null;
  sqlite.pragma('synchronous = NORMAL');
  return new WalSync(`${path}-wal`);
}
