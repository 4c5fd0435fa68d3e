import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { withLogContext } from './logContext.js';
import { contextFromHeaders, tracer, tracingEnabled } from './tracing.js';

const SANE_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Wraps one routed HTTP request: gives it a request id (the client's `x-request-id` when sane,
 * else a fresh one, written back into `req.headers` so the router's context and its subgraph
 * fetches carry the same id), makes that id the log context, and, with tracing on, runs the
 * handler inside a SERVER span continuing the caller's W3C trace context. Off, the cost is one
 * header check and one AsyncLocalStorage scope; with `logContext: false`, only the header check
 * (the log context then comes from the caller, see HttpServiceOptions.requestLogContext).
 */
export function instrumentRequest<T>(
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  handler: () => T,
  { logContext = true }: { logContext?: boolean } = {},
): T {
  let requestId = req.headers['x-request-id'];
  if (typeof requestId !== 'string' || !SANE_ID.test(requestId)) {
    requestId = randomUUID();
    req.headers['x-request-id'] = requestId;
  }
  const scoped = logContext ? () => withLogContext({ requestId }, handler) : handler;
  if (!tracingEnabled()) return scoped();
  const parent = contextFromHeaders(req.headers);
  const span = tracer().startSpan(
    `${req.method ?? 'GET'} ${route}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': route } },
    parent,
  );
  const end = () => endServerSpan(span, res);
  res.once('finish', end);
  res.once('close', end);
  const traced = () => context.with(trace.setSpan(parent, span), handler);
  return logContext ? withLogContext({ requestId }, traced) : traced();
}

function endServerSpan(span: Span, res: ServerResponse): void {
  if (!span.isRecording()) return;
  span.setAttribute('http.response.status_code', res.statusCode);
  if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
