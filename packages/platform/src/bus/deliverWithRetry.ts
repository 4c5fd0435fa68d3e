import { type EventEnvelope, envelopeHeaders } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import { type DeliveredRecord, dlqTopic, type EventBus } from './EventBus.js';

export interface RetryPolicy {
  /** Default 5. */
  maxAttempts: number;
  /** First backoff in ms, doubled per attempt. Default 100. */
  baseDelayMs: number;
  /** Default 5000. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the handler until it succeeds; after `maxAttempts` failures the record is written to the
 * topic's dead-letter topic (with the error in its headers) so one poison message cannot block its
 * partition forever. Shared by both transports so they fail the same way.
 * Returns when the record may be committed.
 */
export async function deliverWithRetry(
  bus: Pick<EventBus, 'publish'>,
  group: string,
  record: DeliveredRecord,
  handler: (record: DeliveredRecord) => Promise<void>,
  policy: Partial<RetryPolicy> = {},
  isStopping: () => boolean = () => false,
): Promise<'handled' | 'dead-lettered' | 'aborted'> {
  const p = { ...defaultRetryPolicy, ...policy };
  let lastError: unknown;
  for (let attempt = 1; attempt <= p.maxAttempts; attempt++) {
    try {
      await handler(record);
      return 'handled';
    } catch (err) {
      lastError = err;
      logger.warn('event handler failed', {
        group,
        topic: record.topic,
        offset: record.offset,
        type: record.envelope.type,
        attempt,
        error: (err as Error).message,
      });
      if (isStopping()) return 'aborted';
      if (attempt < p.maxAttempts) await sleep(Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
  await deadLetter(bus, group, record, lastError);
  return 'dead-lettered';
}

export async function deadLetter(
  bus: Pick<EventBus, 'publish'>,
  group: string,
  record: Pick<DeliveredRecord, 'topic' | 'partition' | 'offset' | 'key'> & { envelope: EventEnvelope },
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  logger.error('event dead-lettered', { group, topic: record.topic, offset: record.offset, error: message });
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
}

export function headersFor(envelope: EventEnvelope, extra?: Record<string, string>): Record<string, string> {
  return { ...envelopeHeaders(envelope), ...(extra ?? {}) };
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
