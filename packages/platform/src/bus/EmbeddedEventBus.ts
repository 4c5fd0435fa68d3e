import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { decodeEnvelope, encodeEnvelope, envelopeHeaders } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import { deadLetter, deliverWithRetry, malformedEnvelope } from './deliverWithRetry.js';
import {
  type ConsumerHandle,
  type DeliveredRecord,
  dlqTopic,
  type EventBus,
  type OutgoingRecord,
  type SubscribeOptions,
  type TopicSpec,
} from './EventBus.js';
import { partitionFor } from './partitionFor.js';

export interface EmbeddedEventBusOptions {
  /** Path of the shared log file. Every process on the machine opens the same file. */
  path: string;
  /** Partitions for new topics. Default 4. */
  defaultPartitions?: number;
  /** How often an idle consumer checks for new records, in ms. Default 10. */
  pollIntervalMs?: number;
  /** A group member that stops renewing loses its lease after this many ms. Default 5000. */
  leaseMs?: number;
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
 * process opens the same file. A group has one active member at a time (a lease, taken over at once
 * when the holder's process is gone), which gives per-key ordering and at-least-once delivery.
 */
export class EmbeddedEventBus implements EventBus {
  readonly kind = 'embedded' as const;
  private readonly db: Database.Database;
  private readonly partitions: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly path: string;
  private readonly consumers = new Set<EmbeddedConsumer>();
  private closed = false;

  constructor(options: EmbeddedEventBusOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.path = options.path;
    this.db = new Database(options.path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
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
        grp TEXT PRIMARY KEY, member TEXT NOT NULL, pid INTEGER NOT NULL, expires_at INTEGER NOT NULL);
    `);
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
    const nextOffset = this.db.prepare(
      'SELECT COALESCE(MAX(offset) + 1, 0) AS next FROM records WHERE topic = ? AND partition = ?',
    );
    const insert = this.db.prepare(
      'INSERT INTO records (topic, partition, offset, key, headers, value, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // IMMEDIATE takes the write lock up front so two processes never compute the same offset.
    this.db
      .transaction(() => {
        for (const r of records) {
          const partition = partitionFor(r.key, this.partitionsOf(r.topic));
          const { next } = nextOffset.get(r.topic, partition) as { next: number };
          const headers = { ...envelopeHeaders(r.envelope), ...(r.extraHeaders ?? {}) };
          insert.run(
            r.topic,
            partition,
            next,
            r.key,
            JSON.stringify(headers),
            encodeEnvelope(r.envelope),
            Date.now(),
          );
        }
      })
      .immediate();
  }

  async subscribe(options: SubscribeOptions): Promise<ConsumerHandle> {
    await this.ensureTopics(options.topics.map((name) => ({ name })));
    // Each consumer reads through its own connection: SQLite's data_version only moves for commits
    // made by *other* connections, and this process's own publishes must wake it too.
    const db = new Database(this.path, { timeout: 10_000 });
    db.pragma('journal_mode = WAL');
    const consumer = new EmbeddedConsumer(this, db, options, this.pollIntervalMs, this.leaseMs);
    this.consumers.add(consumer);
    consumer.start();
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
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

  /** Moves a group back to the beginning of `topics` (replays, rebuilds): deletes its committed offsets. */
  async resetGroup(group: string, topics: string[]): Promise<void> {
    const del = this.db.prepare('DELETE FROM group_offsets WHERE grp = ? AND topic = ?');
    this.db.transaction(() => {
      for (const t of topics) del.run(group, t);
    })();
  }

  /** Reads records of a topic (inspection tools, DLQ replay). */
  read(topic: string, fromOffset = 0, limit = 1000): DeliveredRecord[] {
    const rows = this.db
      .prepare(
        'SELECT partition, offset, key, headers, value FROM records WHERE topic = ? AND offset >= ? ORDER BY partition, offset LIMIT ?',
      )
      .all(topic, fromOffset, limit) as RecordRow[];
    return rows.map((row) => ({
      topic,
      partition: row.partition,
      offset: String(row.offset),
      key: row.key,
      headers: JSON.parse(row.headers) as Record<string, string>,
      envelope: decodeEnvelope(row.value),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    this.db.close();
  }
}

class EmbeddedConsumer {
  private readonly member = randomUUID();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastDataVersion = -1;
  private holdsLease = false;
  private leaseRenewedAt = 0;

  constructor(
    private readonly bus: EmbeddedEventBus,
    private readonly db: Database.Database,
    private readonly options: SubscribeOptions,
    private readonly pollIntervalMs: number,
    private readonly leaseMs: number,
  ) {}

  start() {
    this.loop = this.run().catch((err) => {
      logger.error('embedded consumer crashed', { group: this.options.group, error: (err as Error).message });
    });
  }

  async stop() {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    if (this.holdsLease) {
      try {
        this.db
          .prepare('DELETE FROM group_leases WHERE grp = ? AND member = ?')
          .run(this.options.group, this.member);
      } catch {
        // the database may already be closed during shutdown; the lease then simply expires
      }
    }
    this.db.close();
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

  /** Takes or renews the group's lease. A holder whose process is gone is replaced at once. */
  private acquireLease(): boolean {
    const now = Date.now();
    if (this.holdsLease && now - this.leaseRenewedAt < this.leaseMs / 3) return true;
    const grp = this.options.group;
    const won = this.db
      .transaction(() => {
        const row = this.db
          .prepare('SELECT member, pid, expires_at FROM group_leases WHERE grp = ?')
          .get(grp) as { member: string; pid: number; expires_at: number } | undefined;
        const free =
          !row ||
          row.member === this.member ||
          row.expires_at < now ||
          (row.pid !== process.pid && !isAlive(row.pid));
        if (!free) return false;
        this.db
          .prepare(
            'INSERT INTO group_leases (grp, member, pid, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (grp) DO UPDATE SET member = excluded.member, pid = excluded.pid, expires_at = excluded.expires_at',
          )
          .run(grp, this.member, process.pid, now + this.leaseMs);
        return true;
      })
      .immediate();
    if (won && !this.holdsLease) logger.debug('lease acquired', { group: grp });
    this.holdsLease = won;
    if (won) this.leaseRenewedAt = now;
    return won;
  }

  private async run() {
    const { group, topics } = this.options;
    const fetch = this.db.prepare(
      'SELECT partition, offset, key, headers, value FROM records WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT 200',
    );
    const committed = this.db.prepare(
      'SELECT next_offset FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?',
    );
    const commit = this.db.prepare(
      'INSERT INTO group_offsets (grp, topic, partition, next_offset) VALUES (?, ?, ?, ?) ON CONFLICT (grp, topic, partition) DO UPDATE SET next_offset = excluded.next_offset',
    );
    while (!this.stopping) {
      if (!this.acquireLease()) {
        await this.sleep(Math.min(1000, this.leaseMs / 5));
        continue;
      }
      // data_version changes only when another connection commits, so an idle poll costs one pragma.
      const version = this.db.pragma('data_version', { simple: true }) as number;
      if (version === this.lastDataVersion) {
        await this.sleep(this.pollIntervalMs);
        continue;
      }
      this.lastDataVersion = version;
      let delivered = 0;
      for (const topic of topics) {
        const partitions = this.bus.partitionCount(topic);
        for (let partition = 0; partition < partitions && !this.stopping; partition++) {
          const row = committed.get(group, topic, partition) as { next_offset: number } | undefined;
          const from = row?.next_offset ?? 0;
          const rows = fetch.all(topic, partition, from) as RecordRow[];
          for (const r of rows) {
            if (this.stopping) return;
            let record: DeliveredRecord;
            const headers = JSON.parse(r.headers) as Record<string, string>;
            try {
              record = {
                topic,
                partition,
                offset: String(r.offset),
                key: r.key,
                headers,
                envelope: decodeEnvelope(r.value),
              };
            } catch (err) {
              await deadLetter(
                this.bus,
                group,
                {
                  topic,
                  partition,
                  offset: String(r.offset),
                  key: r.key,
                  envelope: malformedEnvelope(r.value, r.key),
                },
                err,
              );
              commit.run(group, topic, partition, r.offset + 1);
              continue;
            }
            const outcome = await deliverWithRetry(
              this.bus,
              group,
              record,
              this.options.handler,
              { maxAttempts: this.options.maxAttempts ?? 5 },
              () => this.stopping,
            );
            if (outcome === 'aborted') return;
            commit.run(group, topic, partition, r.offset + 1);
            delivered++;
          }
          // More than one batch waiting: force another pass without sleeping.
          if (rows.length === 200) this.lastDataVersion = -1;
        }
      }
      if (delivered > 0) this.lastDataVersion = -1;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
