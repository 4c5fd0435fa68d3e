import { randomUUID } from 'node:crypto';

/**
 * The one envelope every event travels in, on every transport.
 *
 * `correlationId` is the order id for every saga event: it is also the bus key, so all events
 * of one order land on one partition and are handled in order.
 */
export interface EventEnvelope<P = unknown> {
  /** Unique event id (UUID v4); consumers deduplicate on it. */
  id: string;
  /** Event type, e.g. `OrderPlaced`. */
  type: string;
  /** Schema version of this event type's payload; bump on breaking payload changes. */
  schemaVersion: number;
  /** The saga's correlation key: the order id (or the store id for catalogue events). */
  correlationId: string;
  /** Id of the event (or request) that caused this one; null for user-initiated events. */
  causationId: string | null;
  /** ISO-8601 time the state change was committed. */
  occurredAt: string;
  /** Bounded context that produced the event, e.g. `order`. */
  producer: string;
  /** W3C traceparent of the operation that produced the event, when known. */
  traceparent?: string;
  payload: P;
}

export interface NewEvent<P = unknown> {
  type: string;
  correlationId: string;
  payload: P;
  schemaVersion?: number;
  causationId?: string | null;
  traceparent?: string;
}

export function createEnvelope<P>(
  producer: string,
  event: NewEvent<P>,
  now: Date = new Date(),
): EventEnvelope<P> {
  return {
    id: randomUUID(),
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    correlationId: event.correlationId,
    causationId: event.causationId ?? null,
    occurredAt: now.toISOString(),
    producer,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    payload: event.payload,
  };
}

/** Kafka-style headers carried beside the JSON value, so tools can route without parsing it. */
export function envelopeHeaders(envelope: EventEnvelope): Record<string, string> {
  const headers: Record<string, string> = {
    'event-id': envelope.id,
    'event-type': envelope.type,
    'schema-version': String(envelope.schemaVersion),
    producer: envelope.producer,
    'correlation-id': envelope.correlationId,
  };
  if (envelope.causationId) headers['causation-id'] = envelope.causationId;
  if (envelope.traceparent) headers.traceparent = envelope.traceparent;
  return headers;
}

export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/** Parses and validates a serialized envelope; throws MalformedEventError on anything else. */
export function decodeEnvelope(value: string | Buffer | null): EventEnvelope {
  if (value === null) throw new MalformedEventError('empty message value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw new MalformedEventError(`message value is not JSON: ${(err as Error).message}`);
  }
  const e = parsed as Partial<EventEnvelope>;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.id !== 'string' ||
    typeof e.type !== 'string' ||
    typeof e.correlationId !== 'string' ||
    typeof e.occurredAt !== 'string' ||
    typeof e.producer !== 'string' ||
    typeof e.schemaVersion !== 'number' ||
    !('payload' in e)
  ) {
    throw new MalformedEventError('message value is not an event envelope');
  }
  return { causationId: null, ...e } as EventEnvelope;
}

export function encodeEnvelope(envelope: EventEnvelope): string {
  return JSON.stringify(envelope);
}
