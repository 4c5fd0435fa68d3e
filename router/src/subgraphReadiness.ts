import type { ReadinessCheck } from '@baemin/platform';

/**
 * One readiness check per subgraph (so /ready names the failing ones), all probed in parallel:
 * the HTTP shell runs checks one after another, so the first check starts every probe and the
 * others await the same round. A round is reused for 200 ms so concurrent /ready calls share it.
 */
export function subgraphReadiness(baseUrls: Record<string, string>, timeoutMs: number): ReadinessCheck[] {
  let round: { at: number; results: Promise<Record<string, boolean>> } | null = null;
  const probeAll = () => {
    if (round && Date.now() - round.at < 200) return round.results;
    const results = Promise.all(
      Object.entries(baseUrls).map(
        async ([name, base]) => [name, await probe(`${base}/health`, timeoutMs)] as const,
      ),
    ).then((pairs) => Object.fromEntries(pairs));
    round = { at: Date.now(), results };
    return results;
  };
  return Object.keys(baseUrls).map((name) => ({
    name,
    check: async () => (await probeAll())[name] === true,
  }));
}

async function probe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
