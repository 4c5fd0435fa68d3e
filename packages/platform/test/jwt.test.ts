import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from '../src/auth/jwt.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const alice = { sub: 'alice', role: 'customer' as const };
const now = () => Math.floor(Date.now() / 1000);

/** A token with any header and claims, signed with HS256 over exactly what is given. */
function rawToken(header: object, claims: object, secret = SECRET): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const b = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${b}.${createHmac('sha256', secret).update(`${h}.${b}`).digest('base64url')}`;
}

describe('verifyJwt (jose)', () => {
  it('accepts a token signed by signJwt and returns its caller', async () => {
    await expect(verifyJwt(signJwt(alice, SECRET), SECRET)).resolves.toEqual({
      id: 'alice',
      role: 'customer',
    });
  });

  it('checks issuer and audience when they are configured, and only then', async () => {
    const checks = { issuer: 'https://id.baemin.example', audience: 'baemin-api' };
    const good = signJwt(alice, SECRET, 3600, checks);
    await expect(verifyJwt(good, SECRET, checks)).resolves.toEqual({ id: 'alice', role: 'customer' });
    await expect(verifyJwt(signJwt(alice, SECRET), SECRET, checks)).rejects.toThrow(
      'token iss claim is missing',
    );
    await expect(
      verifyJwt(signJwt(alice, SECRET, 3600, { ...checks, issuer: 'https://evil.example' }), SECRET, checks),
    ).rejects.toThrow('token iss claim is not accepted');
    await expect(
      verifyJwt(signJwt(alice, SECRET, 3600, { ...checks, audience: 'another-api' }), SECRET, checks),
    ).rejects.toThrow('token aud claim is not accepted');
    // Unconfigured checks ignore the claims.
    await expect(verifyJwt(good, SECRET)).resolves.toEqual({ id: 'alice', role: 'customer' });
  });

  it('refuses a token issued longer ago than the maximum age, even when it has not expired', async () => {
    const old = signJwt(alice, SECRET, 30 * 24 * 3600, { issuedAt: now() - 2 * 24 * 3600 });
    await expect(verifyJwt(old, SECRET)).rejects.toThrow('token too old');
    await expect(verifyJwt(old, SECRET, { maxAgeSeconds: 3 * 24 * 3600 })).resolves.toBeTruthy();
    const fresh = signJwt(alice, SECRET, 3600, { issuedAt: now() - 120 });
    await expect(verifyJwt(fresh, SECRET, { maxAgeSeconds: 60 })).rejects.toThrow('token too old');
    // Without iat the age is unknown: refused.
    await expect(
      verifyJwt(rawToken({ alg: 'HS256' }, { ...alice, exp: now() + 60 }), SECRET),
    ).rejects.toThrow('token iat claim is missing');
  });

  it.each([
    ['expired', signJwt(alice, SECRET, -3600), 'token expired'],
    ['forged', signJwt(alice, 'another-secret-of-at-least-32-bytes!'), 'bad token signature'],
    [
      'alg none',
      rawToken({ alg: 'none' }, { ...alice, iat: now(), exp: now() + 60 }),
      'unsupported token algorithm',
    ],
    [
      'alg HS512',
      rawToken({ alg: 'HS512' }, { ...alice, iat: now(), exp: now() + 60 }),
      'unsupported token algorithm',
    ],
    ['no exp', rawToken({ alg: 'HS256' }, { ...alice, iat: now() }), 'token exp claim is missing'],
    [
      'not yet valid',
      rawToken({ alg: 'HS256' }, { ...alice, iat: now(), nbf: now() + 600, exp: now() + 900 }),
      'token not yet valid',
    ],
    [
      'no subject',
      rawToken({ alg: 'HS256' }, { role: 'customer', iat: now(), exp: now() + 60 }),
      'token has no subject',
    ],
    ['service role', signJwt({ sub: 'order', role: 'service' }, SECRET), 'token has no valid role'],
    ['garbage', 'not.a.jwt', 'malformed token'],
    ['empty', '', 'malformed token'],
  ])('refuses a %s token', async (_what, token, reason) => {
    await expect(verifyJwt(token, SECRET)).rejects.toThrow(reason);
  });
});
