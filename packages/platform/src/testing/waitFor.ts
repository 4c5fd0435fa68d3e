/** Polls until `probe` returns a truthy value; throws after `timeoutMs` (default 10 s). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** {@link waitFor} with positional arguments. */
export const waitUntil = <T>(fn: () => T | Promise<T>, timeoutMs = 4000, what = 'condition') =>
  waitFor(fn as () => Promise<T | undefined | null | false>, { timeoutMs, what });
