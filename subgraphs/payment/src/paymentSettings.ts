import { ConfigError, envInt, testHooks } from '@baemin/platform';

/** How `POST /internal/payments/capture` misbehaves on purpose (see {@link FaultInjector}). */
export type FaultMode = 'none' | 'error' | 'slow';

const FAULT_MODES: readonly FaultMode[] = ['none', 'error', 'slow'];

export const isFaultMode = (value: unknown): value is FaultMode =>
  typeof value === 'string' && (FAULT_MODES as readonly string[]).includes(value);

export interface PaymentSettings {
  /** PAYMENT_LIMIT_WON: captures over this amount are declined (the "card limit"). Default 1,000,000. */
  limitWon: number;
  /** PAYMENT_FAULT_MODE: `none` (default), `error` (capture answers 503) or `slow`. */
  faultMode: FaultMode;
  /** PAYMENT_FAULT_DELAY_MS: how long `slow` mode waits before answering. Default 5000. */
  faultDelayMs: number;
  /**
   * PAYMENT_ORPHAN_AFTER_MS: a capture still unconfirmed by the order context after this long is
   * checked with it and refunded if the order does not exist. Default 300000 (5 min).
   */
  orphanAfterMs: number;
  /** PAYMENT_SWEEP_INTERVAL_MS: how often the orphan sweeper runs. Default 60000. */
  sweepIntervalMs: number;
  /**
   * Test hooks (platform `testHooks`: `/internal/fault`, PAYMENT_FAULT_MODE): on unless
   * NODE_ENV=production, where the route does not exist and a fault mode other than `none` refuses
   * to start.
   */
  testHooks: boolean;
}

const DEFAULT_PAYMENT_LIMIT_WON = 1_000_000;
const DEFAULT_FAULT_DELAY_MS = 5000;

export function loadPaymentSettings(env: NodeJS.ProcessEnv = process.env): PaymentSettings {
  const hooks = testHooks(env);
  const mode = hooks.value('PAYMENT_FAULT_MODE') ?? 'none';
  if (!isFaultMode(mode)) {
    throw new ConfigError(`PAYMENT_FAULT_MODE must be one of ${FAULT_MODES.join(', ')}, got "${mode}"`);
  }
  return {
    limitWon: envInt(env, 'PAYMENT_LIMIT_WON', DEFAULT_PAYMENT_LIMIT_WON),
    faultMode: mode,
    faultDelayMs: envInt(env, 'PAYMENT_FAULT_DELAY_MS', DEFAULT_FAULT_DELAY_MS),
    orphanAfterMs: envInt(env, 'PAYMENT_ORPHAN_AFTER_MS', 300_000),
    sweepIntervalMs: envInt(env, 'PAYMENT_SWEEP_INTERVAL_MS', 60_000),
    testHooks: hooks.enabled,
  };
}
