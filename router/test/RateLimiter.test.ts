import { describe, expect, it } from 'vitest';
import { RateLimiter, rateLimitedError, rateLimitKey } from '../src/RateLimiter.js';

describe('RateLimiter', () => {
  it('allows the burst, then refuses with the seconds until the next operation is allowed', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([null, null, null]);
    expect(limiter.take('a')).toBe(1);
    // Another caller has its own bucket.
    expect(limiter.take('b')).toBeNull();
    now = 500; // half a second refills one operation at 2/s
    expect(limiter.take('a')).toBeNull();
    expect(limiter.take('a')).toBe(1);
  });

  it('rounds retryAfterSeconds up for slow rates, and 0 per second turns limiting off', () => {
    let now = 0;
    const slow = new RateLimiter({ perSecond: 0.1, burst: 1 }, () => now);
    expect(slow.take('a')).toBeNull();
    expect(slow.take('a')).toBe(10);
    now = 4000;
    expect(slow.take('a')).toBe(6);
    const off = new RateLimiter({ perSecond: 0, burst: 0 });
    for (let i = 0; i < 1000; i++) expect(off.take('a')).toBeNull();
  });

  it('keys by token subject when there is one, else by address', () => {
    expect(rateLimitKey({ id: 'alice', role: 'customer' }, '10.0.0.1')).toBe('sub:customer:alice');
    expect(rateLimitKey(null, '10.0.0.1')).toBe('ip:10.0.0.1');
  });

  it('throws RATE_LIMITED with retryAfterSeconds, HTTP 429 and Retry-After', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    limiter.check('a');
    expect(() => limiter.check('a')).toThrow(/Too many operations/);
    const ext = rateLimitedError(3).extensions as {
      code: string;
      retryAfterSeconds: number;
      http: { status: number; headers: Map<string, string> };
    };
    expect(ext.code).toBe('RATE_LIMITED');
    expect(ext.retryAfterSeconds).toBe(3);
    expect(ext.http.status).toBe(429);
    expect(ext.http.headers.get('retry-after')).toBe('3');
  });
});
