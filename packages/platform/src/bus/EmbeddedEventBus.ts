import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { decodeEnvelope, encodeEnvelope } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import {
  deadLetter,
  deliverWithRetry,
  headersFor,
  malformedEnvelope,
  RetryBoard,
  retryPolicyOf,
} from './deliverWithRetry.js';
import {
  type ConsumerHandle,
  type ConsumerStatus,
  type DeliveredRecord,
  dlqTopic,
  type EventBus,
  type OutgoingRecord,
  type SubscribeOptions,
  type TopicSpec,
} from './EventBus.js';
import { cacheStatements } from '../db/cacheStatements.js';
import { asyncFsyncFromEnv, type WalSync, walSyncFor } from '../db/WalSync.js';
import { partitionFor } from './partitionFor.js';

export interface EmbeddedEventBusOptions {
  /** Path of the shared log file. Every process on the machine opens the same file. */
  path: string;
  /** Partitions for new topics. Default 4. */
  defaultPartitions?: number;
  /** How often an idle consumer checks for new records, in ms. Default 10. */
  pollIntervalMs?: number;
  /**
   * A group member that stops renewing loses its lease after this many ms. The holder renews every
   * third of it, also while a handler runs, so only a paused or dead member loses it. Default 5000.
   */
  leaseMs?: number;
  /** How long a statement waits for another process's write lock before SQLITE_BUSY. Default 10000. */
  busyTimeoutMs?: number;
  /** First delay before a failed consumer loop restarts, doubled per failure up to 30 s. Default 200. */
  restartDelayMs?: number;
  /**
   * `synchronous` pragma of the log file. FULL (default): a commit the outbox or an offset relies
   * on survives an OS crash or power loss, not only a process crash. NORMAL: faster, see bench/README.md.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * With `synchronous` FULL: publish with NORMAL, then fdatasync the log's WAL off the event loop
   * before the publish resolves (see WalSync). Default on unless env SQLITE_ASYNC_FSYNC=0.
   */
  asyncFsync?: boolean;
  /**
   * `synchronous` of the consumers' connections, which write only offsets, leases and group owners:
   * an OS crash that loses an offset commit redelivers its records to an idempotent consumer.
   * Default NORMAL (never more durable than `synchronous`): one fsync fewer per consumer pass.
   */
  consumerSynchronous?: 'FULL' | 'NORMAL';
  /**
   * Largest record value accepted, in bytes (as Kafka's max.message.bytes, default ~1 MiB). A larger
   * record fails the whole publish with {@link RecordTooLargeError}. Default 1048576.
   */
  maxRecordBytes?: number;
  /**
   * Commit a consumer's offsets once per pass over its partitions (default true) rather than once
   * per record: fewer writes to the shared log file, same at-least-once delivery.
   */
  batchCommits?: boolean;
}

/** The log refuses a record for good (no retry helps): the outbox parks it. */
export class RecordTooLargeError extends Error {
  override name = 'RecordTooLargeError';
  readonly permanent = true;
}

/** A second member of a group writes to another database than the group's owner (see SubscribeOptions.storeId). */
export class GroupOwnedElsewhereError extends Error {
  override name = 'GroupOwnedElsewhereError';
}

/** The group's lease moved to another member (this one was paused or too slow): its commit is refused. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** resetGroup was called while a member holds the group. */
export class GroupInUseError extends Error {
  override name = 'GroupInUseError';
}

interface RecordRow {
  partition: number;
  offset: number;
  key: string | null;
  headers: string;
  value: string;
}

/**
 * A durable, multi-process event log in one SQLite file (WAL), shaped like Kafka: topics with
 * partitions, keyed records, per-group committed offsets. It needs no server: every service
 * process opens the same file. A group has one active member at a time (a lease with a generation,
 * renewed by its holder while it works and taken over only once it expired; commits are fenced by
 * the generation), which gives per-key ordering and at-least-once delivery.
 */
export class EmbeddedEventBus implements EventBus {
  readonly kind = 'embedded' as const;
  private readonly db: Database.Database;
  private readonly partitions: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly path: string;
  private readonly busyTimeoutMs: number;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private readonly consumerSynchronous: 'FULL' | 'NORMAL';
  private readonly restartDelayMs: number;
  private readonly maxRecordBytes: number;
  private readonly batchCommits: boolean;
  private readonly consumers = new Set<EmbeddedConsumer>();
  private closed = false;
  /** Makes publishes durable off the event loop (null: FULL inside COMMIT). */
  private readonly walSync: WalSync | null;

  constructor(options: EmbeddedEventBusOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.path = options.path;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.synchronous = options.synchronous ?? 'FULL';
    this.consumerSynchronous =
      this.synchronous === 'NORMAL' ? 'NORMAL' : (options.consumerSynchronous ?? 'NORMAL');
    this.restartDelayMs = options.restartDelayMs ?? 200;
    this.maxRecordBytes = options.maxRecordBytes ?? 1_048_576;
    this.batchCommits = options.batchCommits ?? true;
    this.db = cacheStatements(new Database(options.path, { timeout: this.busyTimeoutMs }));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.synchronous}`);
    // Every process of the system opens the same log at start-up, often at the same moment: the
    // schema check and its upgrade run in one write transaction, so two of them cannot both see the
    // old schema and both upgrade it ("duplicate column name").
    this.db
      .transaction(() => {
        this.db.exec(`
          CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
          CREATE TABLE IF NOT EXISTS records (
            topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
            key TEXT, headers TEXT NOT NULL, value TEXT NOT NULL, timestamp INTEGER NOT NULL,
            PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
          CREATE TABLE IF NOT EXISTS group_offsets (
            grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
            PRIMARY KEY (grp, topic, partition)) WITHOUT ROWID;
          CREATE TABLE IF NOT EXISTS group_leases (
            grp TEXT PRIMARY KEY, member TEXT NOT NULL, pid INTEGER NOT NULL, expires_at INTEGER NOT NULL,
            generation INTEGER NOT NULL DEFAULT 0);
          CREATE TABLE IF NOT EXISTS group_owners (
            grp TEXT PRIMARY KEY, store_id TEXT NOT NULL, since INTEGER NOT NULL);
        `);
        // Logs created before lease generations existed get the column (0 = no holder yet).
        const leaseColumns = this.db.prepare('PRAGMA table_info(group_leases)').all() as { name: string }[];
        if (!leaseColumns.some((c) => c.name === 'generation'))
          this.db.exec('ALTER TABLE group_leases ADD COLUMN generation INTEGER NOT NULL DEFAULT 0');
      })
      .immediate();
    // Publishes commit with NORMAL and fdatasync the log's WAL off the event loop before they
    // resolve: the log's write lock (which every process queues for) is no longer held during the
    // fsync, and the process keeps serving meanwhile. See WalSync for why this is as durable.
    this.walSync = walSyncFor(
      this.db,
      options.path,
      this.synchronous,
      options.asyncFsync ?? asyncFsyncFromEnv(),
    );
    this.partitions = options.defaultPartitions ?? 4;
    this.pollIntervalMs = options.pollIntervalMs ?? 10;
    this.leaseMs = options.leaseMs ?? 5000;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const insert = this.db.prepare('INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const t of topics) {
        insert.run(t.name, t.partitions ?? this.partitions);
        insert.run(dlqTopic(t.name), 1);
      }
    })();
    await this.durable();
  }

  /** Partition counts never change once a topic exists, so each process asks the log once. */
  private readonly partitionCounts = new Map<string, number>();

  private partitionsOf(topic: string): number {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    // Like Kafka with auto-create disabled we would fail; the embedded log is friendlier and
    // creates the topic, so a producer never loses an event to a missing topic.
    this.db
      .prepare('INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)')
      .run(topic, this.partitions);
    const row = this.db.prepare('SELECT partitions FROM topics WHERE name = ?').get(topic) as {
      partitions: number;
    };
    this.partitionCounts.set(topic, row.partitions);
    return row.partitions;
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('event bus closed');
    if (records.length === 0) return;
    const values = records.map((r) => encodeEnvelope(r.envelope));
    values.forEach((value, i) => {
      const bytes = Buffer.byteLength(value);
      if (bytes > this.maxRecordBytes) {
        throw new RecordTooLargeError(
          `record ${records[i]!.envelope.id} is ${bytes} bytes, more than the log accepts (${this.maxRecordBytes})`,
        );
      }
    });
    const nextOffset = this.db.prepare(
      'SELECT COALESCE(MAX(offset) + 1, 0) AS next FROM records WHERE topic = ? AND partition = ?',
    );
    const insert = this.db.prepare(
      'INSERT INTO records (topic, partition, offset, key, headers, value, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // IMMEDIATE takes the write lock up front so two processes never compute the same offset.
    await writeWithoutBlocking(this.db, this.busyTimeoutMs, () => {
      records.forEach((r, i) => {
        const partition = partitionFor(r.key, this.partitionsOf(r.topic));
        const { next } = nextOffset.get(r.topic, partition) as { next: number };
        const headers = headersFor(r.envelope, r.extraHeaders);
        insert.run(r.topic, partition, next, r.key, JSON.stringify(headers), values[i], Date.now());
      });
    });
    await this.durable();
  }

  /** Resolves once every write of this connection so far is durable (at once without a WalSync). */
  private async durable(): Promise<void> {
    await this.walSync?.committed();
  }

  async subscribe(options: SubscribeOptions): Promise<ConsumerHandle> {
    await this.ensureTopics(options.topics.map((name) => ({ name })));
    // Each consumer reads through its own connection: SQLite's data_version only moves for commits
    // made by *other* connections, and this process's own publishes must wake it too.
    const db = cacheStatements(new Database(this.path, { timeout: this.busyTimeoutMs }));
    db.pragma('journal_mode = WAL');
    // Offsets are committed only after the effects they cover committed (durably, in the service's
    // store), so losing the last ones to an OS crash means redelivery, never loss. Their WAL frames
    // become durable with the next publish, which fsyncs the same WAL file.
    db.pragma(`synchronous = ${this.consumerSynchronous}`);
    const consumer = new EmbeddedConsumer(this, db, options, {
      pollIntervalMs: this.pollIntervalMs,
      leaseMs: this.leaseMs,
      restartDelayMs: this.restartDelayMs,
      batchCommits: this.batchCommits,
      busyTimeoutMs: this.busyTimeoutMs,
    });
    try {
      // Refused at once (the service does not start) rather than in the background loop.
      consumer.claimGroup();
    } catch (err) {
      db.close();
      throw err;
    }
    this.consumers.add(consumer);
    consumer.start();
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
      status: () => consumer.status(),
    };
  }

  async isHealthy(): Promise<boolean> {
    try {
      this.db.prepare('SELECT 1').get();
      return !this.closed;
    } catch {
      return false;
    }
  }

  /** Topic partitions, for consumers. */
  partitionCount(topic: string): number {
    return this.partitionsOf(topic);
  }

  /**
   * Moves a group back to the beginning of `topics` (replays, rebuilds): deletes its committed
   * offsets and its database owner (a replay may go into a new database). Refused with
   * {@link GroupInUseError} while a member holds the group's lease: a running consumer would keep
   * consuming into the read model being wiped. A member that died lets go when its lease expires.
   */
  /** Records held in `topic` (metrics: dead-letter topic size). */
  async topicSize(topic: string): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM records WHERE topic = ?').get(topic) as { n: number })
      .n;
  }

  async resetGroup(group: string, topics: string[]): Promise<void> {
    const del = this.db.prepare('DELETE FROM group_offsets WHERE grp = ? AND topic = ?');
    this.db
      .transaction(() => {
        const lease = this.db
          .prepare('SELECT member, expires_at FROM group_leases WHERE grp = ?')
          .get(group) as { member: string; expires_at: number } | undefined;
        if (lease && lease.expires_at >= Date.now()) {
          throw new GroupInUseError(
            `consumer group ${group} has a live member (lease held for another ${lease.expires_at - Date.now()} ms): stop it first`,
          );
        }
        for (const t of topics) del.run(group, t);
        this.db.prepare('DELETE FROM group_owners WHERE grp = ?').run(group);
      })
      .immediate();
    await this.durable();
  }

  /** Records not yet committed by `group` on `topics` (health). One primary-key probe per partition. */
  lagOf(group: string, topics: string[], db: Database.Database = this.db): number {
    const end = db.prepare('SELECT MAX(offset) + 1 AS end FROM records WHERE topic = ? AND partition = ?');
    const committed = db.prepare(
      'SELECT next_offset FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?',
    );
    let lag = 0;
    for (const topic of topics) {
      for (let p = 0; p < this.partitionsOf(topic); p++) {
        const last = (end.get(topic, p) as { end: number | null }).end ?? 0;
        const done =
          (committed.get(group, topic, p) as { next_offset: number } | undefined)?.next_offset ?? 0;
        lag += Math.max(0, last - done);
      }
    }
    return lag;
  }

  /** Reads records of a topic (inspection tools, DLQ replay). */
  read(topic: string, fromOffset = 0, limit = 1000): DeliveredRecord[] {
    const rows = this.db
      .prepare(
        'SELECT partition, offset, key, headers, value FROM records WHERE topic = ? AND offset >= ? ORDER BY partition, offset LIMIT ?',
      )
      .all(topic, fromOffset, limit) as RecordRow[];
    return rows.map((row) => {
      const { malformed: _malformed, ...record } = decodeRow(topic, row);
      return record;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    await this.walSync?.close();
    this.db.close();
  }
}

/**
 * Runs `fn` as an IMMEDIATE write transaction on `db`, waiting for the log's write lock (held by
 * another process) in short asynchronous steps instead of SQLite's busy handler, which sleeps the
 * whole thread (in steps of up to 100 ms): the process keeps serving requests while it waits, and
 * takes the lock within a few ms of its release. Gives up with SQLITE_BUSY after `busyTimeoutMs`,
 * as the busy handler would. `fn` may run again after a BUSY (it is rolled back first).
 */
async function writeWithoutBlocking<T>(
  db: Database.Database,
  busyTimeoutMs: number,
  fn: () => T,
): Promise<T> {
  const deadline = Date.now() + busyTimeoutMs;
  const tx = db.transaction(fn);
  for (let delay = 1; ; delay = Math.min(delay * 2, 8)) {
    db.pragma('busy_timeout = 0');
    try {
      return tx.immediate();
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= deadline)
        throw err;
    } finally {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** A row as a record; a row whose headers or value do not parse is wrapped as a MalformedMessage. */
function decodeRow(topic: string, row: RecordRow): DeliveredRecord & { malformed?: Error } {
  const base = { topic, partition: row.partition, offset: String(row.offset), key: row.key };
  try {
    const headers = JSON.parse(row.headers) as Record<string, string>;
    if (typeof headers !== 'object' || headers === null) throw new Error('headers are not a JSON object');
    return { ...base, headers, envelope: decodeEnvelope(row.value) };
  } catch (err) {
    return { ...base, headers: {}, envelope: malformedEnvelope(row.value, row.key), malformed: err as Error };
  }
}

/** Longest a handled record waits for its offset commit while a pass goes on (see run()). */
const COMMIT_AFTER_MS = 50;

interface ConsumerTiming {
  pollIntervalMs: number;
  busyTimeoutMs: number;
  /** false: one offset commit per record (EVENTLOG_BATCH_COMMITS=0, for comparison). */
  batchCommits: boolean;
  leaseMs: number;
  restartDelayMs: number;
}

/**
 * One subscription. The loop is supervised: any failure outside the handler (SQLITE_BUSY past the
 * busy timeout, an I/O error, a failed dead-letter publish) is logged, reported by status() and
 * the loop restarts after a backoff, from the committed offsets.
 */
class EmbeddedConsumer {
  private readonly member = randomUUID();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastDataVersion = -1;
  /** Generation of the lease we hold; null when we hold none. */
  private generation: number | null = null;
  /** Until when the lease we hold is valid, as last written by us. */
  private leaseValidUntil = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private state: ConsumerStatus['state'] = 'running';
  /** Records whose handler failed and that wait to be tried again (status). */
  private readonly retrying = new RetryBoard();
  /** The lease generation the records in `retrying` failed under. */
  private retryingGeneration: number | null = null;
  private restarts = 0;
  private failures = 0;
  private lastError: string | null = null;
  private deadLettered = 0;
  private lastLag: number | null = null;

  constructor(
    private readonly bus: EmbeddedEventBus,
    private readonly db: Database.Database,
    private readonly options: SubscribeOptions,
    private readonly timing: ConsumerTiming,
  ) {}

  start() {
    this.loop = this.supervise();
    // Renewal runs beside the loop, so a long handler (or a long retry) never outlasts the lease.
    this.renewTimer = setInterval(() => this.renew(), Math.max(10, Math.floor(this.timing.leaseMs / 3)));
    this.renewTimer.unref();
  }

  async stop() {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.state = 'stopped';
    try {
      this.lastLag = this.bus.lagOf(this.options.group, this.options.topics, this.db);
    } catch {
      // keep the last figure
    }
    if (this.generation !== null) {
      try {
        this.db
          .prepare('DELETE FROM group_leases WHERE grp = ? AND member = ? AND generation = ?')
          .run(this.options.group, this.member, this.generation);
      } catch {
        // the database may already be closed during shutdown; the lease then simply expires
      }
      this.generation = null;
    }
    this.db.close();
  }

  async status(): Promise<ConsumerStatus> {
    if (this.state !== 'stopped') {
      try {
        this.lastLag = this.bus.lagOf(this.options.group, this.options.topics, this.db);
      } catch {
        // the log is locked or failing: report the last known lag
      }
    }
    return {
      group: this.options.group,
      topics: this.options.topics,
      state: this.state,
      active: this.holdsLease(),
      lag: this.lastLag,
      restarts: this.restarts,
      deadLettered: this.deadLettered,
      lastError: this.lastError,
      retrying: this.retrying.list(),
    };
  }

  /**
   * Records which database this group's effects go to, or refuses: a second member writing to a
   * different database would split the group's events between two stores.
   */
  claimGroup() {
    const storeId = this.options.storeId;
    if (!storeId) return;
    const grp = this.options.group;
    this.db
      .transaction(() => {
        const owner = this.db.prepare('SELECT store_id FROM group_owners WHERE grp = ?').get(grp) as
          | { store_id: string }
          | undefined;
        if (owner && owner.store_id !== storeId) {
          throw new GroupOwnedElsewhereError(
            `consumer group ${grp} belongs to another database (${owner.store_id}); this member writes to ${storeId}. ` +
              'Replicas on separate SQLite files would split its events: run one member, or reset the group to move it.',
          );
        }
        if (!owner)
          this.db
            .prepare('INSERT INTO group_owners (grp, store_id, since) VALUES (?, ?, ?)')
            .run(grp, storeId, Date.now());
      })
      .immediate();
  }

  private holdsLease(): boolean {
    return this.generation !== null && Date.now() < this.leaseValidUntil;
  }

  private sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /**
   * Takes the group's lease when it is free or expired. Liveness is the lease's expiry alone (a PID
   * says nothing across PID namespaces or hosts). Each new holder gets the next generation, which
   * fences the commits of any previous holder.
   */
  private acquireLease(): boolean {
    const now = Date.now();
    const grp = this.options.group;
    const generation = this.db
      .transaction(() => {
        const row = this.db
          .prepare('SELECT member, expires_at, generation FROM group_leases WHERE grp = ?')
          .get(grp) as { member: string; expires_at: number; generation: number } | undefined;
        if (row && row.member !== this.member && row.expires_at >= now) return null;
        const next = row && row.member === this.member ? row.generation : (row?.generation ?? 0) + 1;
        this.db
          .prepare(
            'INSERT INTO group_leases (grp, member, pid, expires_at, generation) VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp) DO UPDATE SET member = excluded.member, pid = excluded.pid, expires_at = excluded.expires_at, generation = excluded.generation',
          )
          .run(grp, this.member, process.pid, now + this.timing.leaseMs, next);
        return next;
      })
      .immediate();
    if (generation === null) {
      this.generation = null;
      return false;
    }
    if (this.generation !== generation) logger.debug('lease acquired', { group: grp, generation });
    if (this.retryingGeneration !== generation) {
      // Another member held the group meanwhile and may have handled what this one was retrying.
      this.retrying.clear();
      this.retryingGeneration = generation;
    }
    this.generation = generation;
    this.leaseValidUntil = now + this.timing.leaseMs;
    return true;
  }

  /** Extends the lease we hold; finds out when another member took it. Never throws. */
  private renew() {
    if (this.generation === null || this.stopping) return;
    const now = Date.now();
    try {
      const changed = this.db
        .prepare('UPDATE group_leases SET expires_at = ? WHERE grp = ? AND member = ? AND generation = ?')
        .run(now + this.timing.leaseMs, this.options.group, this.member, this.generation).changes;
      if (changed === 1) this.leaseValidUntil = now + this.timing.leaseMs;
      else this.loseLease('taken over by another member');
    } catch (err) {
      // BUSY or I/O: the lease is still ours until leaseValidUntil; the next tick tries again.
      logger.warn('lease renewal failed', { group: this.options.group, error: (err as Error).message });
    }
  }

  private loseLease(reason: string) {
    if (this.generation === null) return;
    logger.warn('lease lost', { group: this.options.group, generation: this.generation, reason });
    this.generation = null;
    this.leaseValidUntil = 0;
  }

  /**
   * Commits each `next` as its partition's offset, in one transaction, if we still hold the lease's
   * generation (else LeaseLostError: a stale holder never commits) and only forwards: an offset
   * never moves back.
   */
  private async commit(offsets: { topic: string; partition: number; next: number }[]) {
    if (offsets.length === 0) return;
    const grp = this.options.group;
    const now = Date.now();
    await writeWithoutBlocking(this.db, this.timing.busyTimeoutMs, () => {
      const renewed = this.db
        .prepare('UPDATE group_leases SET expires_at = ? WHERE grp = ? AND member = ? AND generation = ?')
        .run(now + this.timing.leaseMs, grp, this.member, this.generation ?? -1).changes;
      if (renewed !== 1) throw new LeaseLostError(`lease of ${grp} was taken over; commit refused`);
      const upsert = this.db.prepare(
        'INSERT INTO group_offsets (grp, topic, partition, next_offset) VALUES (?, ?, ?, ?) ON CONFLICT (grp, topic, partition) DO UPDATE SET next_offset = MAX(next_offset, excluded.next_offset)',
      );
      for (const o of offsets) upsert.run(grp, o.topic, o.partition, o.next);
    });
    this.leaseValidUntil = now + this.timing.leaseMs;
  }

  private async supervise() {
    while (!this.stopping) {
      try {
        await this.run();
      } catch (err) {
        if (this.stopping) break;
        if (err instanceof LeaseLostError) {
          this.loseLease(err.message);
          continue;
        }
        this.failures++;
        this.restarts++;
        this.state = 'restarting';
        // Stop renewing while failing: if only this member is in trouble, another one takes the
        // group once the lease expires. The restart re-acquires it (same generation if untouched).
        this.generation = null;
        this.leaseValidUntil = 0;
        this.lastError = (err as Error)?.message ?? String(err);
        const delay = Math.min(30_000, this.timing.restartDelayMs * 2 ** Math.min(this.failures - 1, 10));
        logger.error('ALERT embedded consumer failed; restarting', {
          alert: 'consumer-restarting',
          group: this.options.group,
          error: this.lastError,
          restarts: this.restarts,
          retryInMs: delay,
        });
        await this.sleep(delay);
        this.lastDataVersion = -1;
      }
    }
  }

  private recovered() {
    if (this.state === 'restarting') {
      logger.info('embedded consumer recovered', { group: this.options.group, restarts: this.restarts });
    }
    this.state = 'running';
    this.failures = 0;
    this.lastError = null;
  }

  private async run() {
    const { group, topics } = this.options;
    const fetch = this.db.prepare(
      'SELECT partition, offset, key, headers, value FROM records WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT 200',
    );
    const committed = this.db.prepare(
      'SELECT next_offset FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?',
    );
    const stillHolding = () => this.stopping || !this.holdsLease();
    const leaseRow = this.db.prepare('SELECT member, generation FROM group_leases WHERE grp = ?');
    const ownsLease = () => {
      const row = leaseRow.get(group) as { member: string; generation: number } | undefined;
      return row?.member === this.member && row.generation === this.generation;
    };
    while (!this.stopping) {
      if (!this.holdsLease() && !this.acquireLease()) {
        this.recovered();
        await this.sleep(Math.min(1000, this.timing.leaseMs / 5));
        continue;
      }
      // data_version changes only when another connection commits, so an idle poll costs one pragma.
      const version = this.db.pragma('data_version', { simple: true }) as number;
      this.recovered();
      // A failed record that is due again needs a pass even when nothing new was written.
      const due = this.retrying.nextDueIn();
      if (version === this.lastDataVersion && due !== 0) {
        await this.sleep(Math.min(this.timing.pollIntervalMs, due ?? Number.POSITIVE_INFINITY));
        continue;
      }
      this.lastDataVersion = version;
      let delivered = 0;
      // Offsets of handled records not committed yet, by topic/partition. Committed together at the
      // end of the pass (one write to the shared log instead of one per record: every process's
      // writes queue for the log's single write lock), or sooner once the oldest waited
      // COMMIT_AFTER_MS, and whenever the pass ends early. A crash before the commit redelivers
      // them: at least once, as before.
      const handled = new Map<string, { topic: string; partition: number; next: number }>();
      let done = false; // stopping, or the lease was lost: every lane ends
      let oldestHandled = 0;
      const flush = async () => {
        const offsets = [...handled.values()];
        handled.clear();
        try {
          await this.commit(offsets);
        } catch (err) {
          done = true; // lease lost (or the log failing): the other lanes stop too
          throw err;
        }
      };
      // One lane per partition, run side by side (each strictly in offset order, so per-key order
      // holds): their handlers' transactions wait together and share one group commit in the
      // service's store instead of one fsync each. Topics one after the other, as before, so an
      // order's event is handled before the payment event of the same pass. EVENTLOG_BATCH_COMMITS=0
      // also runs the partitions one at a time (the behaviour before).
      const lane = async (topic: string, partition: number) => {
        // Its first record failed and is not due yet: only this partition waits (per-key order),
        // the group's other partitions and topics go on.
        if (this.retrying.dueIn(topic, partition) > 0) return;
        const row = committed.get(group, topic, partition) as { next_offset: number } | undefined;
        const from = handled.get(`${topic}/${partition}`)?.next ?? row?.next_offset ?? 0;
        const rows = fetch.all(topic, partition, from) as RecordRow[];
        for (const r of rows) {
          // A read (no lock) per record: a member whose lease was taken meanwhile (it was paused)
          // stops at once rather than handling the rest of the pass before its commit is refused.
          if (done || this.stopping || !this.holdsLease() || !ownsLease()) {
            done = true;
            return;
          }
          const { malformed, ...record } = decodeRow(topic, r);
          if (malformed) {
            // A poison record (headers or value unparseable): to the DLQ, never the end of the loop.
            await deadLetter(this.bus, group, record, malformed);
            this.deadLettered++;
          } else {
            const outcome = await deliverWithRetry(
              this.bus,
              group,
              record,
              this.options.handler,
              retryPolicyOf(this.options),
              { isStopping: stillHolding, retrying: this.retrying, defer: true },
            );
            // Failed and waits for its next attempt (retrying.dueIn): the rest of the partition waits too.
            if (outcome === 'deferred') return;
            if (outcome === 'aborted') {
              // Stopping, or the lease was lost mid-record: the next holder redelivers it.
              done = true;
              return;
            }
            if (outcome === 'dead-lettered') this.deadLettered++;
          }
          if (handled.size === 0) oldestHandled = Date.now();
          handled.set(`${topic}/${partition}`, { topic, partition, next: r.offset + 1 });
          if (!this.timing.batchCommits) await flush();
          delivered++;
          if (handled.size > 0 && Date.now() - oldestHandled >= COMMIT_AFTER_MS) await flush();
        }
        // More than one batch waiting: force another pass without sleeping.
        if (rows.length === 200) this.lastDataVersion = -1;
      };
      try {
        for (const topic of topics) {
          if (done || this.stopping) break;
          const partitions = Array.from({ length: this.bus.partitionCount(topic) }, (_, p) => p);
          if (this.timing.batchCommits) {
            const results = await Promise.allSettled(partitions.map((p) => lane(topic, p)));
            const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
            if (failed) throw failed.reason;
          } else {
            for (const p of partitions) if (!done && !this.stopping) await lane(topic, p);
          }
        }
      } finally {
        // Also on the way out (stopping, lease lost): what was handled is committed if the lease
        // still allows it (commit() refuses otherwise and the new holder redelivers).
        if (handled.size > 0 && this.generation !== null) await flush();
      }
      if (delivered > 0 || !this.holdsLease()) this.lastDataVersion = -1;
    }
  }
}
