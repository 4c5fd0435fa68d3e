import { and, asc, between, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { Database } from '../db/Database.js';
import type { EventBus } from '../bus/EventBus.js';
import { createEnvelope, type EventEnvelope, type NewEvent } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import { outbox } from '../db/tables.js';

// biome-ignore lint/suspicious/noExplicitAny: any drizzle SQLite handle whose schema includes the outbox
type AnyDb = BetterSQLite3Database<any>;
// biome-ignore lint/suspicious/noExplicitAny: any service database whose schema includes the outbox
type AnyDatabase = Database<any>;

export interface OutboxOptions {
  /** Bounded context name, stamped as `producer` on every envelope. */
  producer: string;
  /** Topic this context publishes to. */
  topic: string;
  /** Rows relayed per publish call. Default 200. */
  batchSize?: number;
  /** Safety-net sweep when nothing woke the relay (e.g. rows left by a crash). Default 1000 ms. */
  sweepIntervalMs?: number;
  /** Published rows older than this are deleted. Default 7 days. */
  retentionMs?: number;
}

/**
 * Transactional outbox and its relay. `add()` writes the event row inside the caller's
 * transaction; `notify()` (called after commit) wakes the relay at once, so the hot path has no
 * polling delay. The relay publishes rows in commit order and retries with exponential backoff
 * while the bus is down; rows are marked published only after the bus acknowledged them
 * (at-least-once: a crash in between republishes, consumers deduplicate).
 */
export class Outbox {
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private readonly retentionMs: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pending = false;
  private failures = 0;
  private lastCleanup = 0;

  constructor(
    private readonly database: AnyDatabase,
    private readonly bus: EventBus,
    private readonly options: OutboxOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  }

  get topic(): string {
    return this.options.topic;
  }

  /** Writes an event into the outbox within `tx`. Returns the envelope (its id is the event id). */
  async add<P>(tx: AnyDb, event: NewEvent<P>, key: string = event.correlationId): Promise<EventEnvelope<P>> {
    const envelope = createEnvelope(this.options.producer, event);
    await tx.insert(outbox).values({
      eventId: envelope.id,
      topic: this.options.topic,
      key,
      type: envelope.type,
      envelope: JSON.stringify(envelope),
      createdAt: envelope.occurredAt,
    });
    return envelope;
  }

  /** Wake the relay; call after the transaction that added events committed. */
  notify(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pending = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        this.wakeUp = null;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.pending) await this.wait(this.sweepIntervalMs);
      if (!this.running) break;
      this.pending = false;
      try {
        const more = await this.relayBatch();
        this.failures = 0;
        if (more) this.pending = true;
        this.cleanup();
      } catch (err) {
        this.failures++;
        const delay = Math.min(5000, 50 * 2 ** Math.min(this.failures, 7));
        logger.warn('outbox relay failed; will retry', {
          topic: this.options.topic,
          attempt: this.failures,
          retryInMs: delay,
          error: (err as Error).message,
        });
        this.pending = true;
        await this.wait(delay);
        // a notify() during the backoff must not skip the delay while the bus is still down
        this.pending = true;
      }
    }
  }

  /** Publishes one batch in commit order. Returns true when more rows may be waiting. */
  private async relayBatch(): Promise<boolean> {
    // Read under the process's write lock so a transaction still open can never be relayed.
    const rows = await this.database.exclusive((db) =>
      db
        .select()
        .from(outbox)
        .where(isNull(outbox.publishedAt))
        .orderBy(asc(outbox.position))
        .limit(this.batchSize),
    );
    if (rows.length === 0) return false;
    try {
      await this.bus.publish(
        rows.map((r) => ({ topic: r.topic, key: r.key, envelope: JSON.parse(r.envelope) as EventEnvelope })),
      );
    } catch (err) {
      const positions = rows.map((r) => r.position);
      await this.database.exclusive((db) =>
        db
          .update(outbox)
          .set({ lastError: (err as Error).message.slice(0, 500), attempts: sql`${outbox.attempts} + 1` })
          .where(inArray(outbox.position, positions)),
      );
      throw err;
    }
    const now = new Date().toISOString();
    const last = rows[rows.length - 1]!.position;
    const first = rows[0]!.position;
    await this.database.exclusive((db) =>
      db
        .update(outbox)
        .set({ publishedAt: now, lastError: null })
        .where(and(between(outbox.position, first, last), isNull(outbox.publishedAt))),
    );
    return rows.length === this.batchSize;
  }

  private cleanup(): void {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    const cutoff = new Date(now - this.retentionMs).toISOString();
    void this.database.exclusive((db) =>
      db.delete(outbox).where(and(isNotNull(outbox.publishedAt), lt(outbox.publishedAt, cutoff))),
    );
  }
}
