import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DeliveredRecord, OutgoingRecord } from '../bus/EventBus.js';
import { contextFromHeaders, inSpan, traceparentOf, tracer, tracingEnabled } from './tracing.js';

/**
 * Publishes `records` with one PRODUCER span per record, child of the trace context the event was
 * written with (its envelope's `traceparent`, kept in the outbox row); the envelope then carries
 * the producer span's context, so it travels in the record (Kafka header `traceparent`, the
 * embedded log's headers column and the JSON value) to every consumer. Tracing off: just publishes.
 */
export async function publishTraced(
  records: OutgoingRecord[],
  publish: (r: OutgoingRecord[]) => Promise<void>,
): Promise<void> {
  if (!tracingEnabled()) return publish(records);
  const spans: Span[] = [];
  const traced = records.map((r) => {
    const parent = contextFromHeaders(r.envelope.traceparent ? { traceparent: r.envelope.traceparent } : {});
    const span = tracer().startSpan(
      `${r.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'baemin-bus',
          'messaging.destination.name': r.topic,
          'messaging.operation.type': 'publish',
          'messaging.message.id': r.envelope.id,
          'baemin.event.type': r.envelope.type,
          'baemin.order.id': r.envelope.correlationId,
        },
      },
      parent,
    );
    spans.push(span);
    const traceparent = traceparentOf(trace.setSpan(parent, span));
    return traceparent ? { ...r, envelope: { ...r.envelope, traceparent } } : r;
  });
  try {
    await publish(traced);
  } catch (err) {
    for (const s of spans) s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    for (const s of spans) s.end();
  }
}

/**
 * Runs a consumer's handling of `record` inside a CONSUMER span continuing the producer's trace
 * (the record's `traceparent` header, else the envelope's). Tracing off: just runs `fn`.
 */
export function consumeTraced<T>(group: string, record: DeliveredRecord, fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn();
  const traceparent = record.headers.traceparent ?? record.envelope.traceparent;
  const parent = contextFromHeaders(traceparent ? { traceparent } : {});
  return inSpan(
    `${record.topic} process ${record.envelope.type}`,
    {
      kind: SpanKind.CONSUMER,
      parent,
      attributes: {
        'messaging.system': 'baemin-bus',
        'messaging.destination.name': record.topic,
        'messaging.consumer.group.name': group,
        'messaging.operation.type': 'process',
        'messaging.message.id': record.envelope.id,
        'baemin.event.type': record.envelope.type,
        'baemin.order.id': record.envelope.correlationId,
      },
    },
    () => fn(),
  );
}
