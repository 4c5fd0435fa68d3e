/**
 * How long {@link waitFor} waits by default: TEST_WAIT_TIMEOUT_MS (the e2e project sets 30 s in
 * vitest.config.ts: six real processes on a shared machine), else 10 s (in-process unit tests,
 * which must fail with this message well inside their 30 s test timeout).
 */
export const DEFAULT_WAIT_TIMEOUT_MS = Number(process.env.TEST_WAIT_TIMEOUT_MS) || 10_000;

export interface WaitForOptions {
  /** Default {@link DEFAULT_WAIT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Pause between two probes (default 20 ms). */
  intervalMs?: number;
  /** Named in the timeout error: what the test was waiting for. */
  what?: string;
}

/**
 * The one way tests wait: polls `probe` until it returns a truthy value and returns that value.
 * A probe that throws counts as "not yet" (a service still starting refuses connections); when
 * the time is up the error names `what` and the probe's last error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, intervalMs = 20, what = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const cause = lastError ? `: ${(lastError as Error)?.message ?? String(lastError)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
