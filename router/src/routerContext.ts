import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BaseContext } from '@apollo/server';
import { type Caller, type JwtChecks, signCallerHeaders } from '@baemin/platform';
import { authenticate } from './authenticate.js';

/** Per-request state of the router, shared by every subgraph fetch of one operation. */
export interface RouterContext extends BaseContext {
  caller: Caller | null;
  /** `x-request-id` from the client (if sane) or a fresh one; echoed in the response. */
  requestId: string;
  /**
   * Headers every subgraph fetch of this request carries: the signed caller identity plus
   * request-id and trace-context headers. Computed once per request, not once per fetch.
   */
  subgraphHeaders: Readonly<Record<string, string>>;
}

/** Trace headers passed through unchanged (W3C trace context). */
const FORWARDED = ['traceparent', 'tracestate'] as const;
const SANE_ID = /^[\w.:@/+=-]{1,128}$/;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Builds the context from request headers (HTTP) or connection parameters (WebSocket, later).
 * Throws UNAUTHENTICATED (401) for a bad token. Client-sent `x-baemin-caller*` headers are never
 * read here: identity comes only from the verified token.
 */
export async function createRouterContext(
  headers: IncomingHttpHeaders | Record<string, string | undefined>,
  secrets: { jwtSecret: string; internalSecret: string; jwt?: JwtChecks },
): Promise<RouterContext> {
  const caller = await authenticate(first(headers.authorization), secrets.jwtSecret, secrets.jwt);
  const given = first(headers['x-request-id']);
  const requestId = given && SANE_ID.test(given) ? given : randomUUID();
  const trace: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = first(headers[name]);
    if (value && value.length <= 512) trace[name] = value;
  }
  return contextForCaller(caller, secrets.internalSecret, requestId, trace);
}

/**
 * The context of one operation by `caller`: identity signed now (signatures expire, so long-lived
 * subscriptions sign per event), the request id, and any extra headers for the subgraphs.
 */
export function contextForCaller(
  caller: Caller | null,
  internalSecret: string,
  requestId: string = randomUUID(),
  extraHeaders: Record<string, string> = {},
): RouterContext {
  return {
    caller,
    requestId,
    subgraphHeaders: {
      ...signCallerHeaders(caller, internalSecret),
      'x-request-id': requestId,
      ...extraHeaders,
    },
  };
}
