import { createHmac, timingSafeEqual } from 'node:crypto';
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
}

/** Signs an HS256 JWT. `ttlSeconds` defaults to 12 hours. */
export function signJwt(
  claims: { sub: string; role: Caller['role']; name?: string },
  secret: string,
  ttlSeconds = 12 * 3600,
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ ...claims, iat: now, exp: now + ttlSeconds }));
  const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/**
 * Verifies an HS256 JWT (signature in constant time, `alg` pinned so `none` and RS/HS confusion
 * are refused, `exp`/`nbf` with 30 s leeway) and returns the caller it names.
 */
export function verifyJwt(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Caller {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('malformed token');
  const [h, b, s] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: Partial<TokenClaims> & { nbf?: number };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(b, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('malformed token');
  }
  if (header.alg !== 'HS256') throw new InvalidTokenError('unsupported token algorithm');
  const expected = createHmac('sha256', secret).update(`${h}.${b}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidTokenError('bad token signature');
  }
  const leeway = 30;
  if (typeof claims.exp !== 'number' || claims.exp + leeway < nowSeconds)
    throw new InvalidTokenError('token expired');
  if (typeof claims.nbf === 'number' && claims.nbf - leeway > nowSeconds)
    throw new InvalidTokenError('token not yet valid');
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) {
    throw new InvalidTokenError('token has no subject');
  }
  // People get tokens; `service` identity only ever comes from the internal signature.
  if (!isRole(claims.role) || !PERSON_ROLES.includes(claims.role))
    throw new InvalidTokenError('token has no valid role');
  return { id: claims.sub, role: claims.role };
}
