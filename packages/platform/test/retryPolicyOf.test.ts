import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, retryPolicyOf } from '../src/bus/deliverWithRetry.js';

describe('retryPolicyOf', () => {
  it('gives the documented defaults for a subscription that sets nothing', () => {
    expect(retryPolicyOf({}, {})).toEqual({
      maxAttempts: 3,
      baseDelayMs: 100,
      maxDelayMs: 5000,
      unknownEntityRetryMs: 60_000,
    });
    expect(retryPolicyOf({}, {})).toEqual(defaultRetryPolicy);
  });

  it('takes what the subscription sets, over EVENT_UNKNOWN_ENTITY_RETRY_MS', () => {
    const env = { EVENT_UNKNOWN_ENTITY_RETRY_MS: '1000' };
    expect(retryPolicyOf({ maxAttempts: 1, maxRetryDelayMs: 50, unknownEntityRetryMs: 200 }, env)).toEqual({
      maxAttempts: 1,
      baseDelayMs: 100,
      maxDelayMs: 50,
      unknownEntityRetryMs: 200,
    });
    expect(retryPolicyOf({ maxAttempts: undefined }, env)).toMatchObject({
      maxAttempts: 3,
      unknownEntityRetryMs: 1000,
    });
  });

  it('ignores an EVENT_UNKNOWN_ENTITY_RETRY_MS that is no duration', () => {
    for (const value of ['', 'soon', '-5'])
      expect(retryPolicyOf({}, { EVENT_UNKNOWN_ENTITY_RETRY_MS: value }).unknownEntityRetryMs).toBe(60_000);
  });
});
