import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { secondsSince } from './metrics.js';
import { tracer, tracingEnabled } from './tracing.js';

/** How a fetch ended, as a metric label: `ok` (< 500), `error` (5xx) or `failed` (no response). */
export type FetchOutcome = 'ok' | 'error' | 'failed';

// biome-ignore lint/suspicious/noExplicitAny: wraps any fetch-shaped function (undici, the gateway's Fetcher)
type AnyFetch = (url: string, init?: any) => Promise<{ status: number }>;

/**
 * Wraps a fetch-shaped function: `observe` gets its duration and outcome (metrics), and with
 * tracing on each call runs in a CLIENT span named `POST <target>` whose W3C `traceparent`
 * replaces whatever the request carried, so the callee continues this trace. The one hook the
 * router's subgraph fetches and order's payment calls go through.
 */
export function instrumentFetch<F extends AnyFetch>(
  target: string,
  fetcher: F,
  observe?: (seconds: number, outcome: FetchOutcome) => void,
): F {
  const wrapped = async (url: string, init?: { method?: string; headers?: unknown }) => {
    const start = process.hrtime.bigint();
    if (!tracingEnabled()) {
      try {
        const res = await fetcher(url, init);
        observe?.(secondsSince(start), res.status >= 500 ? 'error' : 'ok');
        return res;
      } catch (err) {
        observe?.(secondsSince(start), 'failed');
        throw err;
      }
    }
    const parent = context.active();
    const method = init?.method ?? 'GET';
    const span = tracer().startSpan(
      `${method} ${target}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'peer.service': target } },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagation.inject(ctx, carrier);
    const headers = init?.headers as
      | { set?: (k: string, v: string) => void }
      | Record<string, string>
      | undefined;
    let nextInit = init;
    if (headers && typeof (headers as { set?: unknown }).set === 'function') {
      for (const [k, v] of Object.entries(carrier))
        (headers as { set: (k: string, v: string) => void }).set(k, v);
    } else {
      nextInit = { ...init, headers: { ...(headers as Record<string, string> | undefined), ...carrier } };
    }
    try {
      const res = await context.with(ctx, () => fetcher(url, nextInit));
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      observe?.(secondsSince(start), res.status >= 500 ? 'error' : 'ok');
      return res;
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      observe?.(secondsSince(start), 'failed');
      throw err;
    } finally {
      span.end();
    }
  };
  return wrapped as unknown as F;
}
