import type { ServerResponse } from 'node:http';
import { InternalRouteError } from '@baemin/platform';
import type { FaultMode } from './paymentSettings.js';

/** Longest delay `slow` mode accepts, in ms (a minute: longer only ties up sockets). */
export const MAX_FAULT_DELAY_MS = 60_000;

/**
 * Test fault injection for capture, so the order context's circuit breaker can be exercised
 * (payment overloaded or down) without killing the payment process:
 * - `none`: normal behaviour (default);
 * - `error`: capture answers 503 `PAYMENT_UNAVAILABLE` and stores nothing;
 * - `slow`: capture waits `delayMs` before doing its work and answering. If the caller gives up
 *   (closes the connection) during the wait, nothing is captured.
 *
 * A test hook (platform `testHooks`): it exists only where hooks are on, never in production. Set
 * at start from PAYMENT_FAULT_MODE / PAYMENT_FAULT_DELAY_MS, switched at runtime with
 * `POST /internal/fault {"mode": "slow", "delayMs": 3000}` (service identity required); `GET
 * /internal/fault` reads the mode and how many captures are waiting.
 */
export class FaultInjector {
  /** Captures in their `slow` wait right now (tests wait on this to pause a caller mid-capture). */
  waiting = 0;

  constructor(
    private current: FaultMode = 'none',
    private delay = 5000,
  ) {}

  get mode(): FaultMode {
    return this.current;
  }

  get delayMs(): number {
    return this.delay;
  }

  set(mode: FaultMode, delayMs: number = this.delay): void {
    this.current = mode;
    this.delay = delayMs;
  }

  snapshot(): { mode: FaultMode; delayMs: number } {
    return { mode: this.current, delayMs: this.delay };
  }

  /** `error` mode: capture answers 503 PAYMENT_UNAVAILABLE before reading anything. */
  failIfDown(): void {
    if (this.current === 'error') {
      throw new InternalRouteError(
        503,
        'PAYMENT_UNAVAILABLE',
        'Payment is unavailable (fault injection: error mode)',
      );
    }
  }

  /**
   * `slow` mode: waits `delayMs`; false when the client closed the connection meanwhile (the
   * capture must then do nothing). Other modes: true at once.
   */
  async delayCapture(res: ServerResponse): Promise<boolean> {
    if (this.current !== 'slow') return true;
    this.waiting++;
    try {
      return await waitUnlessClientLeaves(res, this.delayMs);
    } finally {
      this.waiting--;
    }
  }
}

/** Resolves true after `ms`, or false as soon as the client closes the connection. */
function waitUnlessClientLeaves(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}
