import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BaseContext } from '@apollo/server';
import {
  type Caller,
  DEFAULT_JWT_MAX_AGE_SECONDS,
  tokenTimes,
  type JwtChecks,
  signCallerHeaders,
} from '@baemin/platform';
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

/** What verifying callers needs; `operationCache: false` verifies every token every time. */
export interface RouterSecrets {
  jwtSecret: string;
  internalSecret: string;
  jwt?: JwtChecks;
  operationCache?: boolean;
}

interface VerifiedToken {
  caller: Caller | null;
  /** Epoch ms after which the token must be verified again (its `exp`, or `iat` + maximum age). */
  until: number;
}

/** Most tokens remembered per router; the map is emptied when it is full. */
const MAX_VERIFIED_TOKENS = 10_000;
/** Verified `Authorization` values per router settings object (each router has its own). */
const verifiedTokens = new WeakMap<object, Map<string, VerifiedToken>>();

/**
 * {@link authenticate} with the result remembered per exact header value until the token's `exp`
 * (or `iat` + maximum age, whichever is first, without the clock-skew leeway): a client sending the
 * same token on every request pays for one HMAC verification and JSON parse, not one per request.
 * Failures are never remembered. Tokens with a future `nbf` are not remembered.
 */
async function authenticateCached(
  authorization: string | undefined,
  secrets: RouterSecrets,
): Promise<Caller | null> {
  if (secrets.operationCache === false || !authorization)
    return authenticate(authorization, secrets.jwtSecret, secrets.jwt);
  let cache = verifiedTokens.get(secrets);
  if (!cache) {
    cache = new Map();
    verifiedTokens.set(secrets, cache);
  }
  const now = Date.now();
  const hit = cache.get(authorization);
  if (hit && now < hit.until) return hit.caller;
  const caller = await authenticate(authorization, secrets.jwtSecret, secrets.jwt);
  const until = validUntil(authorization, secrets.jwt, now);
  if (until > now) {
    if (cache.size >= MAX_VERIFIED_TOKENS) cache.clear();
    cache.set(authorization, { caller: caller && Object.freeze({ ...caller }), until });
  } else cache.delete(authorization);
  return caller;
}

/** When a just-verified `Bearer <jwt>` stops being acceptable without a new check (0: never remember). */
function validUntil(authorization: string, checks: JwtChecks | undefined, now: number): number {
  const times = tokenTimes(authorization.trim().split(/\s+/)[1] ?? '');
  if (times?.exp === undefined || times.iat === undefined) return 0;
  if (times.nbf !== undefined && times.nbf * 1000 > now) return 0;
  const maxAge = checks?.maxAgeSeconds ?? DEFAULT_JWT_MAX_AGE_SECONDS;
  return Math.min(times.exp, times.iat + maxAge) * 1000;
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
  secrets: RouterSecrets,
): Promise<RouterContext> {
  const caller = await authenticateCached(first(headers.authorization), secrets);
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
