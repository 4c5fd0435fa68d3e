import { and, desc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/Database.js';
import type { EventBus } from '../bus/EventBus.js';
import { createEnvelope, type EventEnvelope, type NewEvent } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import { paramsFor, preparedIn } from '../db/preparedIn.js';
import { outbox } from '../db/tables.js';
import { metrics } from '../telemetry/metrics.js';
import { publishTraced } from '../telemetry/traceBus.js';
import { continueSaga, traceIdOf, traceparentOf, tracingEnabled } from '../telemetry/tracing.js';

// biome-ignore lint/suspicious/noExplicitAny: any drizzle SQLite handle whose schema includes the outbox
type AnyDb = Tx<any>;
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
  /** Longest wait between two relay attempts while the bus fails. Default 5000 ms. */
  maxBackoffMs?: number;
  /**
   * A row the bus refuses is parked after this many refusals, if the refusal is permanent (e.g.
   * too large) or other rows were accepted meanwhile for at least `parkAfterMs`. Default 3.
   */
  parkAfterAttempts?: number;
  /**
   * A row refused with an error that may be transient (while other rows flow) is parked only once
   * it has been refused for this long. Default 30000 ms.
   */
  parkAfterMs?: number;
}

/** What /health reports about the relay. */
export interface OutboxStatus {
  topic: string;
  /** Rows not yet published (parked and held ones included). */
  pending: number;
  /** Rows moved aside because the bus refuses them (see {@link Outbox.parked}). */
  parked: number;
  /** Consecutive failed relay attempts (0 while the bus accepts). */
  failures: number;
  lastError: string | null;
}

/** A row moved aside by the relay. */
export interface ParkedRow {
  position: number;
  eventId: string;
  key: string;
  type: string;
  parkedAt: string;
  reason: string;
}

interface Row {
  position: number;
  eventId: string;
  topic: string;
  key: string;
  envelope: string;
  attempts: number;
  type: string;
  createdAt: string;
}

/** Pause before trying again while another replica holds the relay (PostgreSQL stores). */
const BUSY_RETRY_MS = 50;

/** Errors of a publish that no retry fixes: the record itself is refused. */
export function isPermanentPublishError(err: unknown): boolean {
  for (
    let e = err as { permanent?: unknown; retriable?: unknown; type?: unknown; cause?: unknown } | undefined,
      depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e.permanent === true) return true;
    if (e.retriable === false && typeof e.type === 'string' && PERMANENT_KAFKA_ERRORS.has(e.type))
      return true;
  }
  return false;
}

const PERMANENT_KAFKA_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
]);

/** Writes what {@link Outbox.add} writes. */
async function addToOutbox<P>(
  tx: AnyDb,
  origin: { producer: string; topic: string },
  event: NewEvent<P>,
  key: string,
): Promise<EventEnvelope<P>> {
  const envelope = createEnvelope(origin.producer, event);
  await preparedIn(tx, 'outbox:insert', (p, values) => tx.insert(outbox).values(paramsFor(p, values)), {
    eventId: envelope.id,
    topic: origin.topic,
    key,
    type: envelope.type,
    envelope: JSON.stringify(envelope),
    createdAt: envelope.occurredAt,
  });
  return envelope;
}

/**
 * Writes events into a context's outbox table without relaying them, for one-off commands that run
 * beside (or before) the service, such as `npm run seed`: the service's own relay publishes the rows
 * (at its start, or within its sweep interval while it runs), so there is one relay per outbox.
 */
export class OutboxWriter {
  constructor(private readonly origin: { producer: string; topic: string }) {}

  add<P>(tx: AnyDb, event: NewEvent<P>, key: string = event.correlationId): Promise<EventEnvelope<P>> {
    return addToOutbox(tx, this.origin, event, key);
  }

  /** Nothing to wake in this process; the service's relay sweeps for new rows. */
  notify(): void {}
}

/**
 * Transactional outbox and its relay. `add()` writes the event row inside the caller's
 * transaction; `notify()` (called after commit) wakes the relay at once, so the hot path has no
 * polling delay. The relay publishes rows in commit order and retries with exponential backoff
 * while the bus is down (a notify() never cuts a backoff short); rows are marked published only
 * after the bus acknowledged them (at-least-once: a crash in between republishes, consumers
 * deduplicate).
 *
 * A row the bus keeps refusing while it accepts others (or refuses permanently) is parked: moved
 * aside into `outbox_parked` with an alert, so the rest keeps flowing. Later rows of the same key
 * are held back (not published, not parked) while an earlier row of that key is parked, so per-key
 * order holds; {@link release} puts the parked rows back in line.
 */
export class Outbox {
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private readonly retentionMs: number;
  private readonly maxBackoffMs: number;
  private readonly parkAfterAttempts: number;
  private readonly parkAfterMs: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pending = false;
  private failures = 0;
  private lastError: string | null = null;
  /** While backing off after a failure, notify() only marks work pending. */
  private backoffUntil = 0;
  private lastCleanup = 0;
  /** When each refused row (by position) was first refused in this process. */
  private readonly refusedSince = new Map<number, number>();
  private unregisterMetrics: (() => void)[] = [];

  constructor(
    private readonly database: AnyDatabase,
    private readonly bus: EventBus,
    private readonly options: OutboxOptions,
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.parkAfterAttempts = options.parkAfterAttempts ?? 3;
    this.parkAfterMs = options.parkAfterMs ?? 30_000;
    // Platform bookkeeping beside the migrated outbox table (no drizzle migration per subgraph);
    // Database.open creates it on PostgreSQL.
    if (database.dialect === 'sqlite') {
      database.sqlite.exec(
        'CREATE TABLE IF NOT EXISTS outbox_parked (position INTEGER PRIMARY KEY, parked_at TEXT NOT NULL, reason TEXT NOT NULL)',
      );
    }
  }

  get topic(): string {
    return this.options.topic;
  }

  /** Writes an event into the outbox within `tx`. Returns the envelope (its id is the event id). */
  async add<P>(tx: AnyDb, event: NewEvent<P>, key: string = event.correlationId): Promise<EventEnvelope<P>> {
    // The trace context is kept in the row (inside the envelope), so the relay publishes it however
    // late it runs. Tracing off: none, and no extra query.
    const traceparent =
      event.traceparent ?? (tracingEnabled() ? await this.sagaTraceparent(tx, key) : undefined);
    return addToOutbox(tx, this.options, traceparent ? { ...event, traceparent } : event, key);
  }

  /**
   * The trace an event written now belongs to: one order's saga is one trace. The first event of a
   * key (the order id) continues the current operation's trace (placeOrder's request, or the event
   * being consumed). A later event written by a new request (an owner accepting, a rider picking
   * up) is put back into the saga's trace, the one of this key's last event in this outbox,
   * through a short `saga <type>` span that links to the request's own span.
   */
  private async sagaTraceparent(tx: AnyDb, key: string): Promise<string | undefined> {
    const current = traceparentOf();
    const [last] = await tx
      .select({ envelope: outbox.envelope })
      .from(outbox)
      .where(eq(outbox.key, key))
      .orderBy(desc(outbox.position))
      .limit(1);
    const saga = last ? (JSON.parse(last.envelope) as EventEnvelope).traceparent : undefined;
    if (!saga || !current || traceIdOf(saga) === traceIdOf(current)) return current ?? saga;
    return continueSaga(saga, current, key);
  }

  /** Wake the relay; call after the transaction that added events committed. */
  notify(): void {
    this.pending = true;
    // During a backoff the bus just failed: the new row waits for the backoff like the others.
    if (Date.now() >= this.backoffUntil) this.wakeUp?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const topic = this.options.topic;
    this.unregisterMetrics = [
      metrics.outboxPending.register(async () => [
        { labels: { topic }, value: (await this.status()).pending },
      ]),
      metrics.outboxParked.register(async () => [{ labels: { topic }, value: (await this.status()).parked }]),
    ];
    this.pending = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    for (const unregister of this.unregisterMetrics) unregister();
    this.unregisterMetrics = [];
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  async status(): Promise<OutboxStatus> {
    const count = async (where: string) =>
      Number(
        (await this.database.selectRaw<{ n: number }>(sql.raw(`SELECT COUNT(*) AS n FROM ${where}`)))[0]?.n ??
          0,
      );
    return {
      topic: this.options.topic,
      pending: await count('outbox WHERE published_at IS NULL'),
      parked: await count(
        'outbox_parked p JOIN outbox o ON o.position = p.position WHERE o.published_at IS NULL',
      ),
      failures: this.failures,
      lastError: this.lastError,
    };
  }

  /** Rows parked by the relay, oldest first. */
  parked(): Promise<ParkedRow[]> {
    return this.database.selectRaw<ParkedRow>(
      sql`SELECT o.position, o.event_id AS "eventId", o.key, o.type, p.parked_at AS "parkedAt", p.reason
         FROM outbox_parked p JOIN outbox o ON o.position = p.position
         WHERE o.published_at IS NULL ORDER BY o.position`,
    );
  }

  /** Puts parked rows (all, or the given positions) back in line, e.g. after fixing the cause. */
  async release(positions?: number[]): Promise<number> {
    let changes = 0;
    if (!positions) changes = await this.database.runRaw(sql`DELETE FROM outbox_parked`);
    for (const p of positions ?? []) {
      changes += await this.database.runRaw(sql`DELETE FROM outbox_parked WHERE position = ${p}`);
    }
    for (const p of positions ?? [...this.refusedSince.keys()]) this.refusedSince.delete(p);
    this.notify();
    return changes;
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
      let retryLater = false;
      try {
        // Replicas sharing a PostgreSQL store relay one at a time (in commit order, as one would).
        const round = await this.database.exclusively(`outbox:${this.options.topic}`, () =>
          this.relayBatch(),
        );
        const outcome = round.ran ? round.value : 'busy';
        this.failures = 0;
        this.lastError = null;
        if (outcome === 'more') this.pending = true;
        if (outcome === 'busy') {
          // Another replica is relaying: its round may have started before our rows committed.
          this.pending = true;
          await this.wait(BUSY_RETRY_MS);
          continue;
        }
        // A refused row not parked yet: try again after a pause, not in a tight loop.
        retryLater = outcome === 'refused';
      } catch (err) {
        this.failures++;
        metrics.outboxFailures.inc({ topic: this.options.topic });
        this.lastError = (err as Error).message;
        const delay = this.backoff();
        logger.warn('outbox relay failed; will retry', {
          topic: this.options.topic,
          attempt: this.failures,
          retryInMs: delay,
          error: (err as Error).message,
        });
        retryLater = true;
      }
      this.cleanup();
      if (retryLater && this.running) {
        const delay = this.failures > 0 ? this.backoff() : Math.min(this.maxBackoffMs, 500);
        this.backoffUntil = Date.now() + delay;
        this.pending = true;
        await this.wait(delay);
        this.backoffUntil = 0;
      }
    }
  }

  private backoff(): number {
    return Math.min(this.maxBackoffMs, 50 * 2 ** Math.min(Math.max(this.failures, 1), 10));
  }

  /**
   * Publishes the next rows in commit order, skipping parked rows and the rows held behind them.
   * 'more': more rows may be waiting; 'refused': a row was refused but others went out.
   */
  private async relayBatch(): Promise<'done' | 'more' | 'refused' | 'busy'> {
    // Read under the process's write lock so a transaction still open can never be relayed.
    const rows = await this.database.selectRaw<Row>(
      sql`SELECT position, event_id AS "eventId", topic, key, envelope, attempts, type, created_at AS "createdAt" FROM outbox o
             WHERE published_at IS NULL
               AND NOT EXISTS (
                 SELECT 1 FROM outbox_parked p JOIN outbox b ON b.position = p.position
                 WHERE b.key = o.key AND b.published_at IS NULL AND b.position <= o.position)
             ORDER BY position LIMIT ${this.batchSize}`,
    );
    if (rows.length === 0) return 'done';
    try {
      await this.publish(rows);
    } catch (err) {
      if (rows.length === 1 && !isPermanentPublishError(err)) {
        await this.recordFailure(rows, err);
        // One row only: the bus may simply be down. Park only on a permanent refusal.
        throw err;
      }
      return this.isolate(rows, err);
    }
    await this.markPublished(rows);
    return rows.length === this.batchSize ? 'more' : 'done';
  }

  /**
   * The batch was refused: publish row by row, in order, to find the row(s) the bus refuses. A
   * refused row holds back the later rows of its key. When two rows fail before any succeeds, the
   * bus is down: back off. A row is parked when the refusal is permanent, or the bus accepted other
   * rows while refusing this one for `parkAfterMs`, after `parkAfterAttempts` refusals.
   */
  private async isolate(rows: Row[], batchError: unknown): Promise<'more' | 'refused'> {
    const held = new Set<string>();
    const refused: { row: Row; err: unknown }[] = [];
    let accepted = 0;
    for (const row of rows) {
      if (!this.running) break;
      if (held.has(row.key)) continue;
      try {
        await this.publish([row]);
        await this.markPublished([row]);
        this.refusedSince.delete(row.position);
        accepted++;
      } catch (err) {
        await this.recordFailure([row], err);
        refused.push({ row, err });
        held.add(row.key);
        if (accepted === 0 && refused.length >= 2 && !refused.every((r) => isPermanentPublishError(r.err)))
          throw err;
      }
    }
    if (refused.length === 0) return 'more';
    const now = Date.now();
    for (const { row, err } of refused) {
      const since = this.refusedSince.get(row.position) ?? now;
      this.refusedSince.set(row.position, since);
      const permanent = isPermanentPublishError(err);
      const attempts = row.attempts + 1;
      if (attempts < this.parkAfterAttempts) continue;
      if (permanent || (accepted > 0 && now - since >= this.parkAfterMs)) await this.park(row, err);
    }
    if (accepted === 0 && !refused.some((r) => isPermanentPublishError(r.err))) throw batchError;
    return 'refused';
  }

  private async park(row: Row, err: unknown) {
    const reason = ((err as Error)?.message ?? String(err)).slice(0, 500);
    await this.database.runRaw(
      sql`INSERT INTO outbox_parked (position, parked_at, reason) VALUES (${row.position}, ${new Date().toISOString()}, ${reason}) ON CONFLICT DO NOTHING`,
    );
    this.refusedSince.delete(row.position);
    logger.error('ALERT outbox row parked: the bus refuses it; later rows of its key wait behind it', {
      alert: 'outbox-row-parked',
      topic: this.options.topic,
      position: row.position,
      eventId: row.eventId,
      key: row.key,
      error: reason,
    });
  }

  private publish(rows: Row[]): Promise<void> {
    return publishTraced(
      rows.map((r) => ({ topic: r.topic, key: r.key, envelope: JSON.parse(r.envelope) as EventEnvelope })),
      (records) => this.bus.publish(records),
    );
  }

  private async recordFailure(rows: Row[], err: unknown) {
    const positions = rows.map((r) => r.position);
    await this.database.exclusive((db) =>
      db
        .update(outbox)
        .set({
          lastError: ((err as Error)?.message ?? String(err)).slice(0, 500),
          attempts: sql`${outbox.attempts} + 1`,
        })
        .where(inArray(outbox.position, positions)),
    );
  }

  private async markPublished(rows: Row[]) {
    const now = new Date().toISOString();
    // Redoable: an OS crash that loses this mark relays the rows again, and their consumers drop
    // the copies (inbox by event id). The published records themselves are durable on the bus.
    await this.database.exclusive(
      (db) =>
        db
          .update(outbox)
          .set({ publishedAt: now, lastError: null })
          .where(
            and(
              inArray(
                outbox.position,
                rows.map((r) => r.position),
              ),
              isNull(outbox.publishedAt),
            ),
          ),
      { redoable: true },
    );
    const nowMs = Date.parse(now);
    for (const r of rows) {
      metrics.outboxPublished.inc({ topic: r.topic, type: r.type });
      const created = Date.parse(r.createdAt);
      if (Number.isFinite(created))
        metrics.outboxRelayLag.observe({ topic: r.topic }, Math.max(0, nowMs - created) / 1000);
    }
  }

  private cleanup(): void {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    const cutoff = new Date(now - this.retentionMs).toISOString();
    // Housekeeping only: a failure (database busy or closing) waits for the next round, and must
    // never surface as an unhandled rejection that ends the process.
    this.database
      .exclusive((db) =>
        db.delete(outbox).where(and(isNotNull(outbox.publishedAt), lt(outbox.publishedAt, cutoff))),
      )
      .catch((err: unknown) => {
        logger.warn('outbox cleanup failed; will retry', {
          topic: this.options.topic,
          error: (err as Error)?.message ?? String(err),
        });
      });
  }
}
