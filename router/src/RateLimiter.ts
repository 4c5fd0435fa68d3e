import { HeaderMap } from '@apollo/server';
import type { Caller } from '@baemin/platform';
import { GraphQLError } from 'graphql';

/** A token bucket per caller: a steady rate plus a burst allowance. */
export interface RateLimit {
  /** Operations per second a caller may sustain. Default 200 (ROUTER_RATE_LIMIT_PER_SECOND); 0 turns limiting off. */
  perSecond: number;
  /** Operations a caller may send at once before the rate applies. Default 1000 (ROUTER_RATE_LIMIT_BURST): the suite's 1,000 subscribe/unsubscribe cycles of one customer fit. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle (full) ones are dropped; a full bucket is the same as no bucket. */
const SWEEP_ABOVE = 10_000;

/**
 * Counts operations per caller key, in memory, for one router process. HTTP operations and every
 * operation over a WebSocket (queries, mutations, subscriptions) take from the same bucket, so a
 * client cannot get around the limit by switching transport or opening another socket.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one operation from `key`'s bucket: null when allowed, else the seconds until one is. */
  take(key: string): number | null {
    const { perSecond, burst } = this.limit;
    if (perSecond <= 0) return null;
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.#buckets.set(key, bucket);
      if (this.#buckets.size > SWEEP_ABOVE) this.#sweep(now);
      return null;
    }
    this.#buckets.set(key, bucket);
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Throws RATE_LIMITED (HTTP 429 with Retry-After) when `key` is over its limit. */
  check(key: string): void {
    const retryAfterSeconds = this.take(key);
    if (retryAfterSeconds !== null) throw rateLimitedError(retryAfterSeconds);
  }

  #sweep(now: number): void {
    const { perSecond, burst } = this.limit;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.#buckets.delete(key);
    }
  }
}

/** The caller a limit applies to: the token's subject when there is one, else the client address. */
export function rateLimitKey(caller: Caller | null, address: string | undefined): string {
  return caller ? `sub:${caller.role}:${caller.id}` : `ip:${address ?? 'unknown'}`;
}

export function rateLimitedError(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many operations; retry in ${retryAfterSeconds} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}
