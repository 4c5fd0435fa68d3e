import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { metrics, secondsSince } from '../telemetry/metrics.js';

export interface OpenDatabaseOptions<S extends Record<string, unknown>> {
  /** SQLite file path; `:memory:` for throwaway stores. */
  path: string;
  schema: S;
  /** Folder of drizzle-kit migrations, applied at open. */
  migrationsFolder: string;
  /**
   * `synchronous` pragma. Default SQLITE_SYNCHRONOUS or FULL. FULL: a committed transaction survives an OS crash or power
   * loss, which the outbox (an event marked published) and the consumers (an offset committed in
   * the event log after the effect committed here) rely on across files. NORMAL in WAL mode may
   * lose the last commits on an OS crash; measured in bench/README.md.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * A service's own store. Writes go through {@link Database.transaction}, which serialises
 * transactions inside the process and takes SQLite's write lock up front (BEGIN IMMEDIATE), so
 * check-then-act code (state machines) never interleaves. The callback is async on purpose:
 * repository code is written once against an async unit of work, the shape a PostgreSQL dialect
 * needs as well.
 */
export class Database<S extends Record<string, unknown>> {
  readonly sqlite: BetterSqlite3.Database;
  /** Drizzle handle on the write connection: only inside {@link transaction} or {@link exclusive}. */
  readonly db: BetterSQLite3Database<S>;
  /**
   * Drizzle handle on a second, read-only connection. WAL gives it the last committed snapshot,
   * so resolvers never see a transaction that is still open (and may roll back).
   */
  readonly reader: BetterSQLite3Database<S>;
  private readonly readerSqlite: BetterSqlite3.Database;
  /** A UUID created with the database file and kept in it (table platform_meta). */
  readonly instanceId: string;
  /** Statements run through {@link reader} so far (a counter, for metrics). */
  readQueries = 0;
  private readonly readListeners = new Set<(sql: string) => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: OpenDatabaseOptions<S>) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.sqlite = new BetterSqlite3(options.path, { timeout: 10_000 });
    this.sqlite.pragma('journal_mode = WAL');
    this.sqlite.pragma(`synchronous = ${options.synchronous ?? synchronousFromEnv()}`);
    this.sqlite.pragma('foreign_keys = ON');
    this.db = drizzle(this.sqlite, { schema: options.schema });
    migrate(this.db, { migrationsFolder: options.migrationsFolder });
    // Platform bookkeeping outside the drizzle migrations: an id that names this database file
    // (copied files aside), so the event log can tell two replicas' stores apart.
    this.sqlite.exec('CREATE TABLE IF NOT EXISTS platform_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.sqlite
      .prepare("INSERT OR IGNORE INTO platform_meta (key, value) VALUES ('instance-id', ?)")
      .run(randomUUID());
    this.instanceId = (
      this.sqlite.prepare("SELECT value FROM platform_meta WHERE key = 'instance-id'").get() as {
        value: string;
      }
    ).value;
    if (options.path === ':memory:') {
      this.readerSqlite = this.sqlite;
    } else {
      this.readerSqlite = new BetterSqlite3(options.path, { timeout: 10_000, readonly: true });
    }
    this.reader = drizzle(this.readerSqlite, {
      schema: options.schema,
      logger: {
        logQuery: (sql: string) => {
          this.readQueries++;
          for (const listener of this.readListeners) listener(sql);
        },
      },
    });
  }

  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws.
   * Transactions queue behind each other (FIFO) within the process.
   */
  transaction<T>(fn: (tx: BetterSQLite3Database<S>) => Promise<T>): Promise<T> {
    return this.enqueue('transaction', async (): Promise<T> => {
      this.sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.db);
        this.sqlite.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
        throw err;
      }
    });
  }

  /** Runs `fn` on the write connection with no transaction open in this process (no BEGIN). */
  exclusive<T>(fn: (db: BetterSQLite3Database<S>) => Promise<T> | T): Promise<T> {
    return this.enqueue('exclusive', async () => fn(this.db));
  }

  private enqueue<T>(kind: 'transaction' | 'exclusive', run: () => Promise<T>): Promise<T> {
    // Timed from the call, so the histogram shows time queued behind the process write lock too.
    const start = process.hrtime.bigint();
    const timed = () =>
      run().finally(() => metrics.dbTransactionDuration.observe({ kind }, secondsSince(start)));
    const result = this.tail.then(timed, timed);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Calls `listener` with the SQL of every statement the reader runs until the returned function is called (N+1 tests). */
  onRead(listener: (sql: string) => void): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  isHealthy(): boolean {
    try {
      this.sqlite.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.readerSqlite !== this.sqlite && this.readerSqlite.open) this.readerSqlite.close();
    if (this.sqlite.open) this.sqlite.close();
  }
}

/** SQLITE_SYNCHRONOUS=NORMAL trades the OS-crash guarantee for speed (bench/README.md); default FULL. */
export function synchronousFromEnv(env: NodeJS.ProcessEnv = process.env): 'FULL' | 'NORMAL' {
  const raw = (env.SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (raw !== 'FULL' && raw !== 'NORMAL')
    throw new Error(`SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${raw}"`);
  return raw;
}

export type Tx<S extends Record<string, unknown>> = BetterSQLite3Database<S>;
