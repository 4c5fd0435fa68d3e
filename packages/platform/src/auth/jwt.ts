import { createHmac } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { type Caller, isRole, PERSON_ROLES } from './Caller.js';

/** Development default. Production sets JWT_SECRET (the k8s Secret does). */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me';

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

export interface TokenClaims {
  sub: string;
  role: Caller['role'];
  name?: string;
  iat: number;
  exp: number;
  iss?: string;
  aud?: string;
}

/**
 * Signs an HS256 JWT for development tokens and tests (an identity provider issues them in
 * production). `ttlSeconds` defaults to 12 hours; `issuer`/`audience` add `iss`/`aud`. Synchronous
 * on purpose: signing needs nothing jose adds, and every caller (scripts, harness) stays simple.
 */
export function signJwt(
  claims: { sub: string; role: Caller['role']; name?: string },
  secret: string,
  ttlSeconds = 12 * 3600,
  { issuer, audience, issuedAt }: { issuer?: string; audience?: string; issuedAt?: number } = {},
): string {
  const now = issuedAt ?? Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(
    JSON.stringify({
      ...claims,
      ...(issuer ? { iss: issuer } : {}),
      ...(audience ? { aud: audience } : {}),
      iat: now,
      exp: now + ttlSeconds,
    }),
  );
  const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** What a token must satisfy besides its HS256 signature. */
export interface JwtChecks {
  /** JWT_ISSUER: when set, the `iss` claim must equal it. */
  issuer?: string;
  /** JWT_AUDIENCE: when set, the `aud` claim must contain it. */
  audience?: string;
  /**
   * JWT_MAX_AGE_SECONDS: tokens issued (`iat`) longer ago than this are refused even before they
   * expire, and a token without `iat` is refused. Default 86400 (a day; dev tokens live 12 hours).
   */
  maxAgeSeconds?: number;
}

/** Default of {@link JwtChecks.maxAgeSeconds}. */
export const DEFAULT_JWT_MAX_AGE_SECONDS = 24 * 3600;
/** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. */
const LEEWAY_SECONDS = 30;

/**
 * A token's time claims, read without verifying it (call after {@link verifyJwt} accepted it).
 * Null when it is no JWT. The one place the router reads them: its token cache and the WebSocket
 * session expiry.
 */
export function tokenTimes(token: string): { exp?: number; iat?: number; nbf?: number } | null {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token);
  } catch {
    return null;
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return { exp: num(claims.exp), iat: num(claims.iat), nbf: num(claims.nbf) };
}

/**
 * When {@link verifyJwt} stops accepting a token it has accepted (epoch milliseconds): its `exp`, or
 * `iat` + maximum age if earlier, plus the same clock-skew leeway, so a session kept open on one
 * token (a WebSocket) ends exactly when a request with that token would start being refused. Null
 * when the token carries no usable `exp` (verifyJwt refuses such tokens anyway).
 */
export function tokenAcceptedUntil(token: string, checks: JwtChecks = {}): number | null {
  const times = tokenTimes(token);
  if (times?.exp === undefined) return null;
  // jose refuses once exp <= now - leeway, and once now - iat - leeway > maximum age (whole seconds).
  let until = times.exp + LEEWAY_SECONDS;
  if (times.iat !== undefined)
    until = Math.min(
      until,
      times.iat + (checks.maxAgeSeconds ?? DEFAULT_JWT_MAX_AGE_SECONDS) + LEEWAY_SECONDS + 1,
    );
  return until * 1000;
}

/** jose's reasons, worded for clients (they see them after "Invalid token: "). */
function reasonOf(err: unknown): string {
  // jose reports a token past the maximum age as expired, on the `iat` claim.
  if (err instanceof joseErrors.JWTExpired) return err.claim === 'iat' ? 'token too old' : 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    return `token ${err.claim} claim is ${err.reason === 'missing' ? 'missing' : 'not accepted'}`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported)
    return 'unsupported token algorithm';
  return 'malformed token';
}

/**
 * Verifies an HS256 JWT with `jose` (`alg` pinned, so `none` and RS/HS confusion are refused;
 * `exp` required; `exp`/`nbf`/`iat` with 30 s leeway; issuer, audience and maximum age as in
 * `checks`) and returns the caller it names. Throws InvalidTokenError with a short reason.
 */
export async function verifyJwt(
  token: string,
  secret: string,
  checks: JwtChecks = {},
  now: Date = new Date(),
): Promise<Caller> {
  let claims: Partial<TokenClaims>;
  try {
    ({ payload: claims } = await jwtVerify<Partial<TokenClaims>>(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      clockTolerance: LEEWAY_SECONDS,
      maxTokenAge: checks.maxAgeSeconds ?? DEFAULT_JWT_MAX_AGE_SECONDS,
      currentDate: now,
      ...(checks.issuer ? { issuer: checks.issuer } : {}),
      ...(checks.audience ? { audience: checks.audience } : {}),
    }));
  } catch (err) {
    throw new InvalidTokenError(reasonOf(err));
  }
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) {
    throw new InvalidTokenError('token has no subject');
  }
  // People get tokens; `service` identity only ever comes from the internal signature.
  if (!isRole(claims.role) || !PERSON_ROLES.includes(claims.role))
    throw new InvalidTokenError('token has no valid role');
  return { id: claims.sub, role: claims.role };
}
