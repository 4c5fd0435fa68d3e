import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cacheStatements } from './cacheStatements.js';
import { asyncFsyncFromEnv, type WalSync, walSyncFor } from './WalSync.js';
import BetterSqlite3 from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { metrics, secondsSince } from '../telemetry/metrics.js';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { logger } from '../logger.js';

/**
 * The PostgreSQL driver, loaded by {@link Database.open} only for a PostgreSQL store: the embedded
 * default (SQLite) never pays for loading pg and drizzle's pg dialect at start-up.
 */
let postgres: {
  pg: typeof pg;
  drizzlePg: typeof import('drizzle-orm/node-postgres').drizzle;
  migratePg: typeof import('drizzle-orm/node-postgres/migrator').migrate;
} | null = null;

async function loadPostgres(): Promise<NonNullable<typeof postgres>> {
  if (!postgres) {
    const [driver, dialect, migrator] = await Promise.all([
      import('pg'),
      import('drizzle-orm/node-postgres'),
      import('drizzle-orm/node-postgres/migrator'),
    ]);
    postgres = { pg: driver.default, drizzlePg: dialect.drizzle, migratePg: migrator.migrate };
  }
  return postgres;
}

function loadedPostgres(): NonNullable<typeof postgres> {
  if (!postgres) throw new Error('open a PostgreSQL store with Database.open, which loads its driver');
  return postgres;
}

/** Which engine a {@link Database} runs on. */
export type Dialect = 'sqlite' | 'postgres';

export interface OpenDatabaseOptions<S extends Record<string, unknown>> {
  /** SQLite file path; `:memory:` for throwaway stores. Ignored when {@link url} is set. */
  path: string;
  /**
   * `postgres://…`: the store lives in this PostgreSQL database instead (open it with
   * {@link Database.open}). Default none (SQLite at {@link path}).
   */
  url?: string | null;
  /**
   * The SQLite schema (`sqlite-core` tables). On PostgreSQL the same table objects build the
   * queries: one set of repository code for both engines (see docs/scale-out.md).
   */
  schema: S;
  /** Folder of drizzle-kit migrations, applied at open. */
  migrationsFolder: string;
  /** Folder of the PostgreSQL migrations; default `<migrationsFolder>-pg`. */
  pgMigrationsFolder?: string;
  /** Most connections of the PostgreSQL pool; default env DATABASE_POOL_SIZE or 10. */
  poolSize?: number;
  /**
   * `synchronous` pragma. Default SQLITE_SYNCHRONOUS or FULL. FULL: a committed transaction survives an OS crash or power
   * loss, which the outbox (an event marked published) and the consumers (an offset committed in
   * the event log after the effect committed here) rely on across files. NORMAL in WAL mode may
   * lose the last commits on an OS crash; measured in bench/README.md.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * `synchronous` for writes made with `exclusive(fn, { redoable: true })`: bookkeeping whose loss
   * at-least-once delivery repairs (an outbox row marked published is relayed again and
   * deduplicated by its consumers). Default SQLITE_REDOABLE_SYNC or NORMAL; never more durable
   * than `synchronous` asks. See {@link redoableSynchronousFromEnv}.
   */
  redoableSynchronous?: 'FULL' | 'NORMAL';
  /**
   * SQLite with `synchronous` FULL: commit with NORMAL and make each commit durable with an
   * fdatasync of the WAL off the event loop before the transaction's promise resolves (see
   * {@link WalSync}). Default on unless env SQLITE_ASYNC_FSYNC=0.
   */
  asyncFsync?: boolean;
  /**
   * SQLite: transactions waiting at the same time share one COMMIT (see {@link Database}). Default
   * on unless env SQLITE_GROUP_COMMIT=0.
   */
  groupCommit?: boolean;
}

/** Most transactions one SQLite group commit takes. */
const MAX_GROUP_COMMIT = 64;

interface GroupMember<S extends Record<string, unknown>> {
  fn: (tx: BetterSQLite3Database<S>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * A service's own store, on SQLite (default) or PostgreSQL ({@link OpenDatabaseOptions.url}).
 *
 * SQLite: writes go through {@link Database.transaction}, which serialises transactions inside the
 * process and takes SQLite's write lock up front (BEGIN IMMEDIATE), so check-then-act code (state
 * machines) never interleaves.
 *
 * PostgreSQL: every {@link Database.transaction} runs SERIALIZABLE and is retried (whole, from the
 * start) on a serialization failure, deadlock or unique violation raced by another transaction, so
 * the same check-then-act code stays exact across connections and replicas. Repository code is
 * written once against the async unit of work and the SQLite table objects; drizzle builds the
 * PostgreSQL SQL from them (same table and column names; migrations in `drizzle-pg/`).
 */
export class Database<S extends Record<string, unknown>> {
  readonly dialect: Dialect;
  private readonly sqliteHandle: BetterSqlite3.Database | null;
  /** Drizzle handle on the write connection: only inside {@link transaction} or {@link exclusive}. */
  readonly db: BetterSQLite3Database<S>;
  /**
   * Drizzle handle for reads outside transactions. SQLite: a second, read-only connection; WAL
   * gives it the last committed snapshot, so resolvers never see a transaction that is still open
   * (and may roll back). PostgreSQL: the pool (READ COMMITTED, one snapshot per statement).
   */
  readonly reader: BetterSQLite3Database<S>;
  private readonly readerSqlite: BetterSqlite3.Database | null;
  private readonly pool: pg.Pool | null;
  private readonly url: string | null;
  /** A UUID created with the database and kept in it (table platform_meta). */
  instanceId: string;
  /** Statements run through {@link reader} so far (a counter, for metrics). */
  readQueries = 0;
  /** Transactions re-run after a PostgreSQL serialization conflict (a counter, for metrics). */
  retries = 0;
  private readonly readListeners = new Set<(sql: string) => void>();
  private tail: Promise<unknown> = Promise.resolve();
  /** SQLite group commit (see {@link runGroup}): on unless SQLITE_GROUP_COMMIT=0. */
  private readonly groupCommit: boolean;
  private readonly groupWaiting: GroupMember<S>[] = [];
  private groupScheduled = false;
  /** The `synchronous` pragma of the write connection (SQLite). */
  private readonly synchronous: 'FULL' | 'NORMAL' = 'FULL';
  /** The `synchronous` pragma of redoable writes (see {@link exclusive}). */
  private readonly redoableSynchronous: 'FULL' | 'NORMAL' = 'FULL';
  /** exclusive() calls queued and not started: a running group then stops taking members. */
  private exclusiveWaiting = 0;
  /** SQLite: makes commits durable off the event loop (null: FULL inside COMMIT, or no file). */
  private readonly walSync: WalSync | null = null;
  private totalChanges: BetterSqlite3.Statement | null = null;

  /**
   * Opens a SQLite store synchronously. A PostgreSQL store must be opened with
   * {@link Database.open}, which applies its migrations first.
   */
  constructor(options: OpenDatabaseOptions<S>) {
    const readLogger = {
      logQuery: (sql: string) => {
        this.readQueries++;
        for (const listener of this.readListeners) listener(sql);
      },
    };
    this.url = options.url ?? null;
    this.groupCommit = options.groupCommit ?? process.env.SQLITE_GROUP_COMMIT !== '0';
    if (options.url) {
      const { pg, drizzlePg } = loadedPostgres();
      // int8 (COUNT(*), BIGSERIAL positions, BIGINT columns) as numbers, as SQLite returns them:
      // every value this project stores is far below 2^53. Process-wide, because drizzle passes
      // pg's global parsers with each query.
      pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
      this.dialect = 'postgres';
      this.sqliteHandle = null;
      this.readerSqlite = null;
      this.pool = new pg.Pool({
        connectionString: options.url,
        max: options.poolSize ?? poolSizeFromEnv(),
      });
      // An idle client's error (server restart) must not end the process; the next query reconnects.
      this.pool.on('error', (err) => logger.warn('postgres pool client error', { error: err.message }));
      // The SQLite table objects build PostgreSQL queries too (see the class comment).
      this.db = drizzlePg(this.pool, { schema: options.schema }) as unknown as BetterSQLite3Database<S>;
      this.reader = drizzlePg(this.pool, {
        schema: options.schema,
        logger: readLogger,
      }) as unknown as BetterSQLite3Database<S>;
      this.instanceId = '';
      return;
    }
    this.dialect = 'sqlite';
    this.pool = null;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const sqlite = cacheStatements(new BetterSqlite3(options.path, { timeout: 10_000 }));
    this.sqliteHandle = sqlite;
    sqlite.pragma('journal_mode = WAL');
    this.synchronous = options.synchronous ?? synchronousFromEnv();
    this.redoableSynchronous =
      this.synchronous === 'NORMAL'
        ? 'NORMAL'
        : (options.redoableSynchronous ?? redoableSynchronousFromEnv());
    sqlite.pragma(`synchronous = ${this.synchronous}`);
    sqlite.pragma('foreign_keys = ON');
    this.db = drizzle(sqlite, { schema: options.schema });
    migrate(this.db, { migrationsFolder: options.migrationsFolder });
    // Platform bookkeeping outside the drizzle migrations: an id that names this database file
    // (copied files aside), so the event log can tell two replicas' stores apart.
    sqlite.exec('CREATE TABLE IF NOT EXISTS platform_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    sqlite
      .prepare("INSERT OR IGNORE INTO platform_meta (key, value) VALUES ('instance-id', ?)")
      .run(randomUUID());
    this.instanceId = (
      sqlite.prepare("SELECT value FROM platform_meta WHERE key = 'instance-id'").get() as {
        value: string;
      }
    ).value;
    // After the migrations, which commit with the pragma asked for.
    this.walSync = walSyncFor(
      sqlite,
      options.path,
      this.synchronous,
      options.asyncFsync ?? asyncFsyncFromEnv(),
    );
    if (options.path === ':memory:') {
      this.readerSqlite = sqlite;
    } else {
      this.readerSqlite = cacheStatements(
        new BetterSqlite3(options.path, { timeout: 10_000, readonly: true }),
      );
    }
    this.reader = drizzle(this.readerSqlite, { schema: options.schema, logger: readLogger });
  }

  /**
   * Opens the store on either engine: PostgreSQL when `options.url` is set (migrations applied
   * under an advisory lock, so replicas starting together migrate once), else SQLite.
   */
  static async open<S extends Record<string, unknown>>(
    options: OpenDatabaseOptions<S>,
  ): Promise<Database<S>> {
    if (options.url) await loadPostgres();
    const database = new Database(options);
    if (database.dialect === 'postgres') {
      try {
        await database.migratePostgres(options.pgMigrationsFolder ?? `${options.migrationsFolder}-pg`);
      } catch (err) {
        await database.close();
        throw err;
      }
    }
    return database;
  }

  private async migratePostgres(folder: string): Promise<void> {
    const { drizzlePg, migratePg } = loadedPostgres();
    const client = await this.requirePool().connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', ['baemin:migrate']);
      try {
        await migratePg(drizzlePg(client), { migrationsFolder: folder });
        // Platform bookkeeping outside the drizzle migrations, as on SQLite.
        await client.query(
          'CREATE TABLE IF NOT EXISTS platform_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
        );
        await client.query(
          'CREATE TABLE IF NOT EXISTS outbox_parked (position BIGINT PRIMARY KEY, parked_at TEXT NOT NULL, reason TEXT NOT NULL)',
        );
        await client.query(
          "INSERT INTO platform_meta (key, value) VALUES ('instance-id', $1) ON CONFLICT DO NOTHING",
          [randomUUID()],
        );
        const res = await client.query("SELECT value FROM platform_meta WHERE key = 'instance-id'");
        this.instanceId = res.rows[0].value as string;
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['baemin:migrate']);
      }
    } finally {
      client.release();
    }
  }

  /** The SQLite connection (SQLite only: throws on PostgreSQL). */
  get sqlite(): BetterSqlite3.Database {
    if (!this.sqliteHandle) throw new Error('this store runs on PostgreSQL: no SQLite connection');
    return this.sqliteHandle;
  }

  private requirePool(): pg.Pool {
    if (!this.pool) throw new Error('this store runs on SQLite: no PostgreSQL pool');
    return this.pool;
  }

  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws.
   * SQLite: transactions queue behind each other (FIFO) within the process. PostgreSQL: SERIALIZABLE,
   * and `fn` runs again from the start (up to {@link MAX_PG_ATTEMPTS} times) when the transaction
   * lost a race with another one, so `fn` must have no effects outside the transaction.
   */
  transaction<T>(fn: (tx: BetterSQLite3Database<S>) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return timed('transaction', () => this.pgTransaction(fn));
    if (!this.groupCommit) return this.enqueue('transaction', () => this.runAlone(fn));
    return timed(
      'transaction',
      () =>
        new Promise<T>((resolve, reject) => {
          this.groupWaiting.push({ fn, resolve, reject } as GroupMember<S>);
          if (this.groupScheduled) return;
          this.groupScheduled = true;
          const run = () => this.runGroup();
          this.tail = this.tail.then(run, run);
        }),
    );
  }

  private async runAlone<T>(fn: (tx: BetterSQLite3Database<S>) => Promise<T>): Promise<T> {
    const sqlite = this.sqlite;
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this.db);
      sqlite.exec('COMMIT');
      await this.walSync?.committed();
      return result;
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * Group commit: the transactions waiting in this process when one starts (and those arriving
   * while it runs) share one BEGIN IMMEDIATE … COMMIT, each in its own SAVEPOINT, so one fsync of
   * the WAL makes all of them durable instead of one fsync each (about 3 ms under the saga load;
   * off the event loop with {@link WalSync}, inside COMMIT without it). Still one at a time, in
   * call order, each seeing the ones before it. A member that throws is rolled back to its
   * savepoint alone and rejected at once; the others resolve only after the shared COMMIT
   * succeeded (if it fails, every one of them is rejected, as each would have been on its own).
   * SQLITE_GROUP_COMMIT=0 switches it off (one COMMIT each).
   */
  private async runGroup(): Promise<void> {
    this.groupScheduled = false;
    const sqlite = this.sqlite;
    const done: { member: GroupMember<S>; value: unknown }[] = [];
    let member = this.groupWaiting.shift();
    if (!member) return;
    try {
      sqlite.exec('BEGIN IMMEDIATE');
    } catch (err) {
      member.reject(err);
      this.scheduleRest();
      return;
    }
    // The member running now, until it is settled or joined `done`.
    let unsettled: GroupMember<S> | undefined;
    try {
      while (member) {
        unsettled = member;
        sqlite.exec('SAVEPOINT group_member');
        try {
          const value = await member.fn(this.db);
          sqlite.exec('RELEASE group_member');
          done.push({ member, value });
          unsettled = undefined;
        } catch (err) {
          // The error ended the whole transaction (SQLite rolled it back): every member fails.
          if (!sqlite.inTransaction) throw err;
          sqlite.exec('ROLLBACK TO group_member');
          sqlite.exec('RELEASE group_member');
          unsettled = undefined;
          member.reject(err);
        }
        // An exclusive() queued meanwhile goes next (FIFO with the transactions), and a group
        // stays small enough that its first member is not kept waiting long for the COMMIT.
        member =
          this.exclusiveWaiting === 0 && done.length < MAX_GROUP_COMMIT
            ? this.groupWaiting.shift()
            : undefined;
      }
      sqlite.exec('COMMIT');
    } catch (err) {
      try {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      } catch {
        // the connection is failing; every member below is rejected either way
      }
      unsettled?.reject(err);
      for (const d of done) d.member.reject(err);
      this.scheduleRest();
      return;
    }
    if (!this.walSync) {
      for (const d of done) d.member.resolve(d.value);
      this.scheduleRest();
      return;
    }
    // The next group may run (and commit) while this one's fdatasync is under way; its members
    // are told only once it is durable.
    this.walSync.committed().then(
      () => {
        for (const d of done) d.member.resolve(d.value);
      },
      (err: unknown) => {
        for (const d of done) d.member.reject(err);
      },
    );
    this.scheduleRest();
  }

  /** Members that arrived after the group stopped taking them run in the next group. */
  private scheduleRest(): void {
    if (this.groupWaiting.length === 0 || this.groupScheduled) return;
    this.groupScheduled = true;
    const run = () => this.runGroup();
    this.tail = this.tail.then(run, run);
  }

  private async pgTransaction<T>(fn: (tx: BetterSQLite3Database<S>) => Promise<T>): Promise<T> {
    const db = this.db as unknown as NodePgDatabase<S>;
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction((tx) => fn(tx as unknown as BetterSQLite3Database<S>), {
          isolationLevel: 'serializable',
        });
      } catch (err) {
        const code = pgErrorCode(err);
        if (!code || !RETRYABLE_PG_CODES.has(code) || attempt >= MAX_PG_ATTEMPTS) throw err;
        this.retries++;
        // Jittered, growing pause: the winner of the race commits meanwhile.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
  }

  /**
   * Runs `fn` on the write connection with no transaction open in this process (SQLite: no BEGIN,
   * queued behind the transactions). PostgreSQL: on the pool, each statement its own transaction.
   *
   * `redoable: true` (SQLite) commits `fn`'s statements without their own WAL fsync
   * (`redoableSynchronous`, default NORMAL): for bookkeeping that at-least-once delivery redoes
   * when an OS crash loses it, such as marking outbox rows published (they are relayed again and
   * their consumers drop the copies). Its WAL frames become durable with the next durable commit
   * of this file; a process crash never loses them. Saves one fsync per relayed batch, with the
   * event loop blocked meanwhile. Default false.
   */
  exclusive<T>(
    fn: (db: BetterSQLite3Database<S>) => Promise<T> | T,
    { redoable = false }: { redoable?: boolean } = {},
  ): Promise<T> {
    if (this.dialect === 'postgres') return timed('exclusive', async () => fn(this.db));
    const walSync = this.walSync;
    if (walSync) {
      // The connection commits with NORMAL: a redoable write is done once written; any other
      // waits until it (and every commit before it) is durable. A read waits too, so rows it
      // returns were durable before the caller acts on them (the relay publishes what it read).
      const syncAfter = !redoable || this.redoableSynchronous === 'FULL';
      return this.enqueue('exclusive', async () => {
        const before = syncAfter ? this.changesSoFar() : 0;
        const result = await fn(this.db);
        if (syncAfter && this.changesSoFar() !== before) walSync.noteCommit();
        return result;
      }).then(async (result) => {
        if (syncAfter) await walSync.sync();
        return result;
      });
    }
    if (!redoable || this.redoableSynchronous === this.synchronous)
      return this.enqueue('exclusive', async () => fn(this.db));
    return this.enqueue('exclusive', async () => {
      // Safe to switch per write: exclusive() runs alone on the connection, outside any transaction.
      this.sqlite.pragma(`synchronous = ${this.redoableSynchronous}`);
      try {
        return await fn(this.db);
      } finally {
        this.sqlite.pragma(`synchronous = ${this.synchronous}`);
      }
    });
  }

  /** fdatasyncs of the WAL made off the event loop so far (0 without async fsync; for tests). */
  get walSyncs(): number {
    return this.walSync?.syncs ?? 0;
  }

  /** Rows changed on the write connection since it opened (SQLite's total_changes()). */
  private changesSoFar(): number {
    this.totalChanges ??= this.sqlite.prepare('SELECT total_changes() AS n');
    return (this.totalChanges.get() as { n: number }).n;
  }

  /** Rows of a raw statement (portable SQL only), run as {@link exclusive} does. */
  async selectRaw<T>(query: SQL): Promise<T[]> {
    if (this.dialect === 'postgres') {
      const res = await (this.db as unknown as NodePgDatabase<S>).execute(query);
      return res.rows as T[];
    }
    return this.exclusive((db) => db.all<T>(query));
  }

  /** Runs a raw statement (portable SQL only) as {@link exclusive} does; resolves to the rows it changed. */
  async runRaw(query: SQL): Promise<number> {
    if (this.dialect === 'postgres') {
      const res = await (this.db as unknown as NodePgDatabase<S>).execute(query);
      return res.rowCount ?? 0;
    }
    return this.exclusive((db) => db.run(query).changes);
  }

  /**
   * Runs `fn` only if no other process holding this database runs `name` right now (a leader
   * round: the orphan sweeper, saga timeouts, the outbox relay). PostgreSQL: a session advisory
   * lock on one pooled connection, released when `fn` settles (or the process dies). SQLite: one
   * process owns the file, so `fn` always runs. Resolves to `{ ran: false }` when another holds it.
   */
  async exclusively<T>(
    name: string,
    fn: () => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.dialect === 'sqlite') return { ran: true, value: await fn() };
    const client = await this.requirePool().connect();
    let locked = false;
    try {
      const res = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
      locked = res.rows[0].ok === true;
      if (!locked) return { ran: false };
      return { ran: true, value: await fn() };
    } finally {
      if (locked) {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => undefined);
      }
      client.release();
    }
  }

  /**
   * PostgreSQL only: calls `onNotify` for every NOTIFY on `channel` (delivered in commit order) on
   * a dedicated connection, reconnecting after a loss (then `onNotify('')` once, so the caller
   * catches up on what it may have missed). Resolves to the stop function once listening.
   */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const url = this.url;
    if (!url) throw new Error('LISTEN needs a PostgreSQL store');
    let stopped = false;
    let client: pg.Client | null = null;
    const connect = async (first: boolean): Promise<void> => {
      const c = new (loadedPostgres().pg.Client)({ connectionString: url });
      c.on('notification', (msg) => {
        if (msg.channel === channel) onNotify(msg.payload ?? '');
      });
      c.on('error', (err) => logger.warn('postgres LISTEN connection lost', { channel, error: err.message }));
      c.on('end', () => {
        if (stopped) return;
        setTimeout(() => {
          if (!stopped) connect(false).catch(() => undefined);
        }, 500).unref();
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${channel}`);
      } catch (err) {
        await c.end().catch(() => undefined);
        if (first) throw err;
        return;
      }
      client = c;
      if (!first) onNotify('');
    };
    await connect(true);
    return async () => {
      stopped = true;
      await client?.end().catch(() => undefined);
    };
  }

  private enqueue<T>(kind: 'transaction' | 'exclusive', run: () => Promise<T>): Promise<T> {
    // Timed from the call, so the histogram shows time queued behind the process write lock too.
    return timed(kind, () => {
      if (kind === 'exclusive') this.exclusiveWaiting++;
      const start = () => {
        if (kind === 'exclusive') this.exclusiveWaiting--;
        return run();
      };
      const queued = this.tail.then(start, start);
      this.tail = queued.catch(() => undefined);
      return queued;
    });
  }

  /** Calls `listener` with the SQL of every statement the reader runs until the returned function is called (N+1 tests). */
  onRead(listener: (sql: string) => void): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  async isHealthy(): Promise<boolean> {
    try {
      if (this.pool) await this.pool.query('SELECT 1');
      else this.sqlite.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the connections. SQLite closes at once; PostgreSQL's pool ends when the promise resolves. */
  async close(): Promise<void> {
    if (this.pool) {
      if (!this.poolEnded) {
        this.poolEnded = true;
        await this.pool.end();
      }
      return;
    }
    if (this.readerSqlite && this.readerSqlite !== this.sqliteHandle && this.readerSqlite.open)
      this.readerSqlite.close();
    if (this.sqliteHandle?.open) this.sqliteHandle.close();
    // After the connections (closed at once, as before, for callers that do not wait): a sync in
    // flight works on its own descriptor of the WAL file.
    await this.walSync?.close();
  }
  private poolEnded = false;
}

/** Attempts of one PostgreSQL transaction before its conflict error is thrown. */
export const MAX_PG_ATTEMPTS = 12;

/**
 * serialization_failure, deadlock_detected, unique_violation: under SERIALIZABLE a unique
 * violation may be a race with a transaction that committed meanwhile; the re-run sees its row.
 */
const RETRYABLE_PG_CODES = new Set(['40001', '40P01', '23505']);

/** The SQLSTATE of a PostgreSQL error, also when drizzle wrapped it (`cause`). */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Whether `tx` (a transaction or handle given by a {@link Database}) runs on PostgreSQL. */
export function isPostgresHandle(tx: unknown): boolean {
  return typeof (tx as { execute?: unknown }).execute === 'function';
}

/** Runs a raw statement (portable SQL, or guarded by {@link isPostgresHandle}) inside `tx`. */
export async function executeIn(tx: unknown, query: SQL): Promise<void> {
  const handle = tx as { execute?: (q: SQL) => Promise<unknown>; run: (q: SQL) => unknown };
  if (handle.execute) await handle.execute(query);
  else handle.run(query);
}

/** The rows an insert/update/delete changed, from either driver's result. */
export function changedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

function poolSizeFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DATABASE_POOL_SIZE ?? 10);
  return Number.isInteger(n) && n > 0 ? n : 10;
}

/** SQLITE_SYNCHRONOUS=NORMAL trades the OS-crash guarantee for speed (bench/README.md); default FULL. */
export function synchronousFromEnv(env: NodeJS.ProcessEnv = process.env): 'FULL' | 'NORMAL' {
  const raw = (env.SQLITE_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (raw !== 'FULL' && raw !== 'NORMAL')
    throw new Error(`SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${raw}"`);
  return raw;
}

/**
 * SQLITE_REDOABLE_SYNC: `synchronous` for redoable bookkeeping writes (outbox rows marked
 * published, the event log's consumer offsets and leases), whose loss on an OS crash at-least-once
 * delivery repairs by redelivering to idempotent consumers. Default NORMAL; FULL fsyncs them too
 * (the behaviour before, for benchmarks).
 */
export function redoableSynchronousFromEnv(env: NodeJS.ProcessEnv = process.env): 'FULL' | 'NORMAL' {
  const raw = (env.SQLITE_REDOABLE_SYNC ?? 'NORMAL').toUpperCase();
  if (raw !== 'FULL' && raw !== 'NORMAL')
    throw new Error(`SQLITE_REDOABLE_SYNC must be FULL or NORMAL, got "${raw}"`);
  return raw;
}

export type Tx<S extends Record<string, unknown>> = BetterSQLite3Database<S>;

/**
 * Runs `run` and records its duration (including any wait before it starts) in the write-transaction
 * histogram, on either engine: PostgreSQL retries of a lost race count as one transaction.
 */
function timed<T>(kind: 'transaction' | 'exclusive', run: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  return run().finally(() => metrics.dbTransactionDuration.observe({ kind }, secondsSince(start)));
}
