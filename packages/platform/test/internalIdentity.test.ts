import { describe, expect, it } from 'vitest';
import {
  CALLER_HEADER,
  CALLER_SIGNATURE_HEADER,
  signCallerHeaders,
  UntrustedCallerError,
  verifyCallerHeaders,
} from '../src/auth/internalIdentity.js';

const secret = 'test-secret';
const alice = { id: 'alice', role: 'customer' as const };

describe('signed caller headers', () => {
  it('hands out one signature per caller for a second, then signs again', () => {
    const t0 = 1_800_000_000_000;
    const first = signCallerHeaders(alice, secret, t0);
    expect(signCallerHeaders(alice, secret, t0 + 999)).toEqual(first);
    const later = signCallerHeaders(alice, secret, t0 + 1000);
    expect(later[CALLER_HEADER]).not.toBe(first[CALLER_HEADER]);
    // Another caller, an anonymous caller and another secret never get alice's header.
    expect(signCallerHeaders({ id: 'bob', role: 'customer' }, secret, t0 + 1000)).not.toEqual(later);
    expect(verifyCallerHeaders(signCallerHeaders(null, secret, t0 + 1000), secret, t0 + 1000)).toBeNull();
    expect(() =>
      verifyCallerHeaders(signCallerHeaders(alice, 'other-secret', t0 + 1000), secret, t0 + 1000),
    ).toThrow(UntrustedCallerError);
    // A time before the remembered one (a test signing an old header) is signed for that time.
    const old = signCallerHeaders(alice, secret, t0 - 10 * 60_000);
    expect(() => verifyCallerHeaders(old, secret, t0)).toThrow('caller header expired');
  });

  it('verifies a repeated header without weakening the checks', () => {
    const now = 1_800_000_100_000;
    const headers = signCallerHeaders(alice, secret, now);
    expect(verifyCallerHeaders(headers, secret, now)).toEqual(alice);
    expect(verifyCallerHeaders(headers, secret, now + 1)).toEqual(alice);
    // Same value, forged signature: still refused after the value's digest was remembered.
    const forged = {
      ...headers,
      [CALLER_SIGNATURE_HEADER]: `${headers[CALLER_SIGNATURE_HEADER]!.slice(0, -2)}AA`,
    };
    expect(() => verifyCallerHeaders(forged, secret, now)).toThrow('bad caller signature');
    // Same header past the replay window: expired, whatever was remembered.
    expect(() => verifyCallerHeaders(headers, secret, now + 6 * 60_000)).toThrow('caller header expired');
    // The remembered digest belongs to its secret only.
    expect(() => verifyCallerHeaders(headers, 'other-secret', now)).toThrow('bad caller signature');
  });
});
