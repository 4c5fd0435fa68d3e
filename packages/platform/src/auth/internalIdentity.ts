import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type Caller, isRole } from './Caller.js';

/** Development default. Production sets INTERNAL_SECRET, shared only by the router and subgraphs. */
export const DEV_INTERNAL_SECRET = 'dev-only-internal-secret-change-me';

export const CALLER_HEADER = 'x-baemin-caller';
export const CALLER_SIGNATURE_HEADER = 'x-baemin-caller-signature';

/** Signed identity older than this is refused (replay window), in ms. */
const MAX_AGE_MS = 5 * 60 * 1000;

/**
 * Headers the router (or a service calling another) adds so subgraphs know who is calling.
 * The value is HMAC-signed with the internal secret: a client that sends these headers itself
 * cannot forge an identity, because it does not have the secret.
 */
export function signCallerHeaders(
  caller: Caller | null,
  secret: string,
  now = Date.now(),
): Record<string, string> {
  // One signature per caller and second, not per call: the router signs for every operation and
  // every subscription event, and an HMAC each was about 3 % of its busy samples under load. Reusing a header
  // for at most REUSE_SIGNATURE_MS changes nothing a receiver checks (it accepts MAX_AGE_MS).
  const key = JSON.stringify([caller?.id ?? null, caller?.role ?? null, secret]);
  const signed = recentSignatures.get(key);
  if (signed && now >= signed.ts && now - signed.ts < REUSE_SIGNATURE_MS) return { ...signed.headers };
  const value = Buffer.from(
    JSON.stringify({ id: caller?.id ?? null, role: caller?.role ?? null, ts: now }),
  ).toString('base64url');
  const sig = createHmac('sha256', secret).update(value).digest('base64url');
  const headers = { [CALLER_HEADER]: value, [CALLER_SIGNATURE_HEADER]: sig };
  if (recentSignatures.size >= MAX_REMEMBERED) recentSignatures.clear();
  recentSignatures.set(key, { ts: now, headers });
  return { ...headers };
}

/** How long one signed caller header is handed out again. */
const REUSE_SIGNATURE_MS = 1000;
/** Signed headers (by caller and secret) and expected digests (by header value) remembered. */
const MAX_REMEMBERED = 10_000;
const recentSignatures = new Map<string, { ts: number; headers: Record<string, string> }>();
/** The expected digest of recently verified header values (per secret), so a repeated header costs no HMAC. */
const verifiedDigests = new Map<string, Buffer>();

function expectedDigest(value: string, secret: string): Buffer {
  const key = `${secret}\u0000${value}`;
  let digest = verifiedDigests.get(key);
  if (!digest) {
    digest = createHmac('sha256', secret).update(value).digest();
    if (verifiedDigests.size >= MAX_REMEMBERED) verifiedDigests.clear();
    verifiedDigests.set(key, digest);
  }
  return digest;
}

export class UntrustedCallerError extends Error {
  override name = 'UntrustedCallerError';
}

/**
 * Reads the caller from signed internal headers. Returns null for an anonymous request that came
 * through the router; throws when the headers are missing or forged (the request did not come
 * from the router or another service).
 */
export function verifyCallerHeaders(
  headers: IncomingHttpHeaders | Record<string, string | undefined>,
  secret: string,
  now = Date.now(),
): Caller | null {
  const value = headerValue(headers[CALLER_HEADER]);
  const sig = headerValue(headers[CALLER_SIGNATURE_HEADER]);
  if (!value || !sig) throw new UntrustedCallerError('request did not come through the router');
  // Still compared in constant time: only the computation of the expected digest is remembered.
  const expected = expectedDigest(value, secret);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new UntrustedCallerError('bad caller signature');
  }
  let parsed: { id: unknown; role: unknown; ts: unknown };
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new UntrustedCallerError('malformed caller header');
  }
  if (typeof parsed.ts !== 'number' || Math.abs(now - parsed.ts) > MAX_AGE_MS) {
    throw new UntrustedCallerError('caller header expired');
  }
  if (parsed.id === null) return null;
  if (typeof parsed.id !== 'string' || !isRole(parsed.role))
    throw new UntrustedCallerError('malformed caller header');
  return { id: parsed.id, role: parsed.role };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The caller of an internal (service-to-service) route: a signed identity with the `service`
 * role. Anything else (unsigned, forged, expired, or a person's identity) is an UntrustedCallerError.
 */
export function verifyServiceCaller(
  headers: IncomingHttpHeaders | Record<string, string | undefined>,
  secret: string,
): Caller {
  const caller = verifyCallerHeaders(headers, secret);
  if (caller?.role !== 'service')
    throw new UntrustedCallerError('Internal routes require a signed service identity');
  return caller;
}
