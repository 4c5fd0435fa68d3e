import { commonJsExports } from '../commonJsExports.js';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing, off by default. It is switched on by the standard OTLP variables:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. `http://localhost:4318`, spans go to `<it>/v1/traces`) or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL), over OTLP/HTTP (JSON). `OTEL_SDK_DISABLED=true`
 * keeps it off whatever else is set. Spans are batched (`OTEL_BSP_SCHEDULE_DELAY`, default 5000 ms).
 *
 * Off, nothing here creates spans or contexts: the instrumentation points check
 * {@link tracingEnabled} first, so the hot path pays one boolean test.
 *
 * Spans are made by hand at the few places a trace crosses a boundary (incoming HTTP, the router's
 * subgraph fetches, order's payment calls, the outbox relay, event consumers) and by Apollo
 * Gateway's own instrumentation (plan, execute, fetch) once a provider is registered.
 */
let enabled = false;
let provider: NodeTracerProvider | null = null;

/** True once {@link startTracing} switched tracing on in this process. */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Starts tracing for `service` when the environment asks for it (see the module comment). The SDK
 * and exporter are loaded only then: a process with tracing off never loads them. Idempotent.
 */
export async function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (provider) return true;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true') return false;
  const [{ BatchSpanProcessor, NodeTracerProvider }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node').then(commonJsExports),
      import('@opentelemetry/exporter-trace-otlp-http').then(commonJsExports),
      import('@opentelemetry/resources').then(commonJsExports),
    ]);
  if (provider) return true;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Sets the global tracer provider, the AsyncLocalStorage context manager and W3C propagation.
  provider.register();
  enabled = true;
  return true;
}

/** Exports the spans still buffered and stops tracing (shutdown). */
export async function stopTracing(): Promise<void> {
  const p = provider;
  if (!p) return;
  provider = null;
  enabled = false;
  await p.shutdown().catch(() => undefined);
}

export const tracer = () => trace.getTracer('baemin');

/** The W3C `traceparent` of `ctx` (default: the active context), or undefined without a span. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** Adds the active trace context's `traceparent` (and `tracestate`) to outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>, ctx: Context = context.active()): void {
  if (enabled) propagation.inject(ctx, headers);
}

/** The context whose parent is the given W3C headers (root when absent or malformed). */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (c) => Object.keys(c),
    get: (c, key) => {
      const v = c[key];
      return Array.isArray(v) ? v[0] : v;
    },
  });
}

/** The trace id of the active span, for log lines; undefined without one. */
export function activeTraceId(): string | undefined {
  if (!enabled) return undefined;
  const span = trace.getActiveSpan();
  const id = span?.spanContext().traceId;
  return id && id !== '00000000000000000000000000000000' ? id : undefined;
}

/**
 * Runs `fn` inside a new span (child of `parent`, default the active context) and ends it when
 * `fn` settles, recording a thrown error. Call only when {@link tracingEnabled}.
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

export type { SpanKind, SpanStatusCode };

/** The trace id inside a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(traceparent: string): string | undefined {
  return traceparent.split('-')[1];
}

function toTraceparent(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/**
 * A `saga <key>` span in the saga's trace (child of `sagaTraceparent`) linked to the operation
 * running now (`currentTraceparent`), so a request that moves an order on shows up in the
 * order's trace and its own trace points there. Returns the new span's traceparent.
 */
export function continueSaga(sagaTraceparent: string, currentTraceparent: string, key: string): string {
  const parent = contextFromHeaders({ traceparent: sagaTraceparent });
  const link = trace.getSpanContext(contextFromHeaders({ traceparent: currentTraceparent }));
  const span = tracer().startSpan(
    'saga continue',
    {
      kind: SpanKind.INTERNAL,
      attributes: { 'baemin.order.id': key },
      links: link ? [{ context: link }] : [],
    },
    parent,
  );
  span.end();
  return toTraceparent(span);
}
