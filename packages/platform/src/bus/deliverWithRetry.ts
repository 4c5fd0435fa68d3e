import { type EventEnvelope, envelopeHeaders, MalformedEventError } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import { metrics } from '../telemetry/metrics.js';
import {
  type DeliveredRecord,
  dlqTopic,
  type EventBus,
  type RetryingRecord,
  type SubscribeOptions,
} from './EventBus.js';

/**
 * A handler error that no retry can fix (a payload that fails validation, an event type or
 * version the consumer cannot read). The record is dead-lettered after `maxAttempts`.
 */
export class PermanentEventError extends Error {
  override name = 'PermanentEventError';
}

/**
 * The event names an entity this consumer does not know (yet). It may be early (its creating event
 * travels on another topic, or another replica's database holds it), so it is retried for
 * `unknownEntityRetryMs` and only then dead-lettered: never dropped silently.
 */
export class UnknownEntityError extends Error {
  override name = 'UnknownEntityError';
}

export type FailureClass = 'permanent' | 'unknown-entity' | 'transient';

/**
 * SQLite's and PostgreSQL's codes for a NOT NULL or CHECK violation: the values the handler took
 * from the record break a rule of the table, so the same record fails the same way on every
 * attempt (a payload missing a field retried for ever, holding its consumer). Unique and
 * foreign-key violations stay transient: another write can change their outcome.
 */
const VALUE_CONSTRAINT_CODES = new Set([
  'SQLITE_CONSTRAINT_NOTNULL',
  'SQLITE_CONSTRAINT_CHECK',
  '23502',
  '23514',
]);

/** Whether `err` or an error it wraps (drizzle wraps the driver's in `cause`) is such a violation. */
function violatesValueConstraint(err: unknown): boolean {
  let e = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    if (VALUE_CONSTRAINT_CODES.has(String((e as { code?: unknown }).code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Decides what a retry can fix. Permanent: {@link PermanentEventError}, {@link MalformedEventError},
 * any error with `permanent: true`, the built-in programming errors a retry repeats exactly
 * (TypeError, RangeError, SyntaxError, ReferenceError), and a NOT NULL or CHECK constraint of the
 * consumer's own store refusing what the handler wrote (see {@link VALUE_CONSTRAINT_CODES}).
 * Unknown entity: {@link UnknownEntityError}. Everything else (SQLITE_BUSY, I/O, disk full,
 * network, a downstream that is restarting, and anything not recognised) is transient and retried
 * without limit.
 */
export function classifyFailure(err: unknown): FailureClass {
  if (err instanceof UnknownEntityError) return 'unknown-entity';
  if (err instanceof PermanentEventError || err instanceof MalformedEventError) return 'permanent';
  if (typeof err === 'object' && err !== null && (err as { permanent?: unknown }).permanent === true)
    return 'permanent';
  if (violatesValueConstraint(err)) return 'permanent';
  if (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof SyntaxError ||
    err instanceof ReferenceError
  )
    return 'permanent';
  return 'transient';
}

export interface RetryPolicy {
  /** Attempts before a record failing with a permanent error is dead-lettered. Default 3. */
  maxAttempts: number;
  /** First backoff in ms, doubled per attempt. Default 100. */
  baseDelayMs: number;
  /** Longest backoff between two attempts of a transient failure. Default 5000. */
  maxDelayMs: number;
  /**
   * How long an {@link UnknownEntityError} is retried (from the first attempt) before the record is
   * dead-lettered. Default EVENT_UNKNOWN_ENTITY_RETRY_MS or 60000.
   */
  unknownEntityRetryMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  unknownEntityRetryMs: 60_000,
};

/**
 * The handler retry policy of a subscription: its `maxAttempts`, `maxRetryDelayMs` and
 * `unknownEntityRetryMs` where set, else the defaults ({@link defaultRetryPolicy}; unknownEntityRetryMs
 * from EVENT_UNKNOWN_ENTITY_RETRY_MS when set). The one place every transport takes it from.
 */
export function retryPolicyOf(
  options: Pick<SubscribeOptions, 'maxAttempts' | 'maxRetryDelayMs' | 'unknownEntityRetryMs'>,
  env: NodeJS.ProcessEnv = process.env,
): RetryPolicy {
  return {
    maxAttempts: options.maxAttempts ?? defaultRetryPolicy.maxAttempts,
    baseDelayMs: defaultRetryPolicy.baseDelayMs,
    maxDelayMs: options.maxRetryDelayMs ?? defaultRetryPolicy.maxDelayMs,
    unknownEntityRetryMs:
      options.unknownEntityRetryMs ??
      envMs(env, 'EVENT_UNKNOWN_ENTITY_RETRY_MS', defaultRetryPolicy.unknownEntityRetryMs),
  };
}

/** Dead letters written by this process since it started, per consumer group (alerting, /health). */
const deadLetterCounts = new Map<string, number>();

/** Dead letters written by this process since it started, per consumer group. */
export function deadLetterCount(group?: string): number {
  if (group !== undefined) return deadLetterCounts.get(group) ?? 0;
  let total = 0;
  for (const n of deadLetterCounts.values()) total += n;
  return total;
}

/** Hooks a transport gives {@link deliverWithRetry}. */
export interface DeliveryHooks {
  /** True once the consumer is stopping (or lost its partition): the record is left uncommitted. */
  isStopping?: () => boolean;
  /** Called while waiting between attempts (Kafka: heartbeat; embedded: nothing, its lease renews itself). */
  onWait?: () => Promise<void> | void;
  /**
   * Where the consumer shows the records it is retrying (its status, /health) and, with `defer`,
   * where a failed record's retry state waits for its next delivery.
   */
  retrying?: RetryBoard;
  /**
   * true: once a record has been retried in place for {@link RETRY_IN_PLACE_MS}, a failed attempt
   * returns 'deferred' instead of waiting out the backoff. The transport then leaves the record's
   * partition alone until {@link RetryBoard.dueIn} says the record is due, and delivers it again;
   * the attempts and the first failure carry over, so the limits count from the first attempt as
   * before. Needs `retrying`.
   */
  defer?: boolean;
}

/**
 * How long a record's first delivery retries it in place before deferring it (hooks.defer): a
 * blip (SQLITE_BUSY, a downstream's restart) is retried at 100 and 300 ms as before, holding the
 * consumer that long at most; a longer failure waits in its partition alone. Deferring costs a
 * refetch, and on Kafka up to the fetch wait (1 s) before the record comes back.
 */
export const RETRY_IN_PLACE_MS = 350;

interface RetryState {
  /** What status() shows. */
  view: RetryingRecord;
  /** When the first attempt failed (ms). */
  firstFailedAt: number;
  permanentFailures: number;
  /** When the next attempt is due (ms). */
  dueAt: number;
}

/**
 * The records one consumer is retrying now, one per partition at most (a partition's later records
 * wait behind its failing one): for its status and, when deliveries are deferred, their retry state.
 */
export class RetryBoard {
  private readonly records = new Map<string, RetryState>();

  /** Records a failed attempt of `record`; its next one is due at `dueAt`. */
  failed(
    record: DeliveredRecord,
    attempts: number,
    firstFailedAt: number,
    error: string,
    retry: { permanentFailures: number; dueAt: number },
  ): void {
    this.records.set(`${record.topic}/${record.partition}`, {
      view: {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        eventId: record.envelope.id,
        type: record.envelope.type,
        attempts,
        since: new Date(firstFailedAt).toISOString(),
        error: error.slice(0, 500),
      },
      firstFailedAt,
      ...retry,
    });
  }

  /** `record` is settled (handled, dead-lettered or left to the next owner). */
  settled(record: DeliveredRecord): void {
    const key = `${record.topic}/${record.partition}`;
    if (this.records.get(key)?.view.offset === record.offset) this.records.delete(key);
  }

  /** The retry state of this very record (same partition and offset), if an attempt failed before. */
  priorOf(
    record: DeliveredRecord,
  ): { attempts: number; firstFailedAt: number; permanentFailures: number } | undefined {
    // Asked for every record: no key to build while nothing is being retried.
    if (this.records.size === 0) return undefined;
    const state = this.records.get(`${record.topic}/${record.partition}`);
    if (state?.view.offset !== record.offset) return undefined;
    return {
      attempts: state.view.attempts,
      firstFailedAt: state.firstFailedAt,
      permanentFailures: state.permanentFailures,
    };
  }

  /** Ms until the record waiting in this partition is due; 0 when none waits or it is due now. */
  dueIn(topic: string, partition: number, now = Date.now()): number {
    const state = this.records.get(`${topic}/${partition}`);
    return state ? Math.max(0, state.dueAt - now) : 0;
  }

  /** Ms until the earliest waiting record is due (0: one is due now); null when none waits. */
  nextDueIn(now = Date.now()): number | null {
    let next: number | null = null;
    for (const s of this.records.values())
      next = Math.min(next ?? Number.POSITIVE_INFINITY, Math.max(0, s.dueAt - now));
    return next;
  }

  /** Forgets every record: their partitions may have moved to another member, which starts afresh. */
  clear(): void {
    this.records.clear();
  }

  /** Oldest first. */
  list(): RetryingRecord[] {
    return [...this.records.values()].map((s) => s.view).sort((a, b) => a.since.localeCompare(b.since));
  }
}

/**
 * Runs the handler until it succeeds. Transient failures are retried with exponential backoff
 * (capped at `maxDelayMs`) without limit: the record's partition waits, as in Eventuate Tram, so
 * a restarting downstream or a busy database never sends a record to the DLQ. Only a failure a
 * retry cannot fix goes to `<topic>.dlq` (see {@link classifyFailure}): a permanent error after
 * `maxAttempts`, an unknown entity after `unknownEntityRetryMs`. Dead-letters are logged at error
 * level and counted ({@link deadLetterCount}). Shared by both transports so they fail the same way.
 * `policy`: the subscription's, from {@link retryPolicyOf}. Returns when the record may be
 * committed, or 'deferred' (hooks.defer) when it is to be delivered again once due.
 */
export async function deliverWithRetry(
  bus: Pick<EventBus, 'publish'>,
  group: string,
  record: DeliveredRecord,
  handler: (record: DeliveredRecord) => Promise<void>,
  policy: RetryPolicy,
  hooks: DeliveryHooks | (() => boolean) = {},
): Promise<'handled' | 'dead-lettered' | 'aborted' | 'deferred'> {
  const h: DeliveryHooks = typeof hooks === 'function' ? { isStopping: hooks } : hooks;
  const isStopping = h.isStopping ?? (() => false);
  const prior = h.retrying?.priorOf(record);
  const started = prior?.firstFailedAt ?? Date.now();
  // A record deferred once is deferred at every later failure: no in-place waits on redelivery.
  const inPlaceUntil = prior ? 0 : started + RETRY_IN_PLACE_MS;
  let permanentFailures = prior?.permanentFailures ?? 0;
  let deferred = false;
  // A failed attempt shows the record in the consumer's status (h.retrying) until it is settled.
  try {
    for (let attempt = (prior?.attempts ?? 0) + 1; ; attempt++) {
      try {
        await handler(record);
        return 'handled';
      } catch (err) {
        const kind = classifyFailure(err);
        if (kind === 'permanent') permanentFailures++;
        const give =
          (kind === 'permanent' && permanentFailures >= policy.maxAttempts) ||
          (kind === 'unknown-entity' && Date.now() - started >= policy.unknownEntityRetryMs);
        metrics.eventHandlerFailures.inc({ group, type: record.envelope.type, failure: kind });
        logger.warn('event handler failed', {
          group,
          topic: record.topic,
          offset: record.offset,
          type: record.envelope.type,
          attempt,
          failure: kind,
          error: errorText(err),
        });
        if (isStopping()) return 'aborted';
        if (give) {
          await deadLetter(bus, group, record, err);
          return 'dead-lettered';
        }
        const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 20));
        h.retrying?.failed(record, attempt, started, errorText(err), {
          permanentFailures,
          dueAt: Date.now() + delay,
        });
        if (h.defer && h.retrying && Date.now() + delay > inPlaceUntil) {
          deferred = true;
          return 'deferred';
        }
        await waitWithHooks(delay, h);
        if (isStopping()) return 'aborted';
      }
    }
  } finally {
    if (!deferred) h.retrying?.settled(record);
  }
}

async function waitWithHooks(ms: number, hooks: DeliveryHooks): Promise<void> {
  const until = Date.now() + ms;
  // Short steps so a stop() is noticed and the Kafka session is kept alive during long backoffs.
  while (Date.now() < until) {
    await sleep(Math.min(500, until - Date.now()));
    if (hooks.isStopping?.()) return;
    await hooks.onWait?.();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function envMs(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * Writes `record` to `<topic>.dlq` with the error in its headers, logs it at error level (the alert)
 * and counts it. Throws when the DLQ publish fails: the caller must then not commit the offset.
 */
export async function deadLetter(
  bus: Pick<EventBus, 'publish'>,
  group: string,
  record: Pick<DeliveredRecord, 'topic' | 'partition' | 'offset' | 'key'> & { envelope: EventEnvelope },
  error: unknown,
): Promise<void> {
  const message = errorText(error);
  await bus.publish([
    {
      topic: dlqTopic(record.topic),
      key: record.key ?? record.envelope.correlationId,
      // The original envelope is kept intact so a replay re-delivers exactly what failed.
      envelope: record.envelope,
      extraHeaders: {
        'dlq-error': message.slice(0, 1000),
        'dlq-group': group,
        'dlq-source-topic': record.topic,
        'dlq-source-partition': String(record.partition),
        'dlq-source-offset': record.offset,
        'dlq-at': new Date().toISOString(),
      },
    },
  ]);
  deadLetterCounts.set(group, (deadLetterCounts.get(group) ?? 0) + 1);
  metrics.deadLettered.inc({ group, topic: record.topic });
  logger.error('ALERT event dead-lettered', {
    alert: 'event-dead-lettered',
    group,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    eventId: record.envelope.id,
    type: record.envelope.type,
    error: message,
    deadLettered: deadLetterCounts.get(group),
  });
}

/** A record's headers: the envelope's own plus `extra` (dlq-*, replay markers); both buses publish these. */
export function headersFor(envelope: EventEnvelope, extra?: Record<string, string>): Record<string, string> {
  return { ...envelopeHeaders(envelope), ...(extra ?? {}) };
}

/**
 * An error's message with those of the errors it wraps: drizzle reports a failed statement as
 * "Failed query: …" and keeps the driver's reason ("NOT NULL constraint failed: …") in `cause`,
 * which an operator reading the log or the dead letter needs.
 */
function errorText(err: unknown): string {
  const parts: string[] = [];
  let e = err;
  for (let depth = 0; depth < 5 && e !== undefined && e !== null; depth++) {
    const text = e instanceof Error ? e.message : String(e);
    if (text && !parts.includes(text)) parts.push(text);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}

/** Wraps an undecodable message so it can still be dead-lettered with the same machinery. */
export function malformedEnvelope(raw: string, key: string | null, producer = 'unknown'): EventEnvelope {
  return {
    id: `malformed-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    type: 'MalformedMessage',
    schemaVersion: 1,
    correlationId: key ?? 'unknown',
    causationId: null,
    occurredAt: new Date().toISOString(),
    producer,
    payload: { raw: raw.slice(0, 100_000) },
  };
}
