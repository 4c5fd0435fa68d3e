import { ConfigError } from './config.js';

/**
 * Every test hook's environment variable, with when it counts as switched on. Tests are their only
 * users; a production start refuses any of them on.
 */
const HOOK_VARIABLES = {
  /** Router: `/internal/subscriptions/drop-upstream` (cuts every upstream subscription connection). */
  ROUTER_TEST_HOOKS: (value: string) => value === '1',
  /** Payment: capture fails (`error`) or stalls (`slow`) from the start (FaultInjector). */
  PAYMENT_FAULT_MODE: (value: string) => value !== 'none',
  /**
   * Any consumer: SIGKILL right after committing a newly handled event of this type, before the
   * offset commit (EventConsumer): the crash window at-least-once delivery and the inbox absorb.
   */
  FAULT_KILL_AFTER_HANDLE: (_value: string) => true,
} satisfies Record<string, (value: string) => boolean>;

export type TestHookVariable = keyof typeof HOOK_VARIABLES;

export interface TestHooks {
  /**
   * The one switch: off with NODE_ENV=production (no hook route is mounted, no fault injector is
   * consulted, no hook variable is read), on everywhere else.
   */
  readonly enabled: boolean;
  /** The hook variable's value when that hook is on, else undefined (always undefined in production). */
  value(name: TestHookVariable): string | undefined;
}

/**
 * The only reader of test-hook settings. With NODE_ENV=production any hook variable switched on is
 * a ConfigError (one line, the process exits 1 through runService), so no deployment can arm a
 * fault by accident.
 */
export function testHooks(env: NodeJS.ProcessEnv = process.env): TestHooks {
  const enabled = env.NODE_ENV !== 'production';
  const on = (name: TestHookVariable): string | undefined => {
    const value = env[name];
    return value && HOOK_VARIABLES[name](value) ? value : undefined;
  };
  if (!enabled) {
    for (const name of Object.keys(HOOK_VARIABLES) as TestHookVariable[]) {
      if (on(name) !== undefined)
        throw new ConfigError(`${name} is a test hook and cannot be set with NODE_ENV=production`);
    }
  }
  return { enabled, value: (name) => (enabled ? on(name) : undefined) };
}
