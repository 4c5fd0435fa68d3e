/** What the router last saw of one subgraph's `/health`. */
export type SubgraphState = 'up' | 'down' | 'unknown';

/**
 * The subgraphs' reachability as the router sees it, for the router's `/health` and `/ready`
 * bodies only. It is deliberately NOT a readiness check: a router that cannot reach one subgraph
 * still serves every field the others own (those of the missing one come back null with
 * SERVICE_UNAVAILABLE), so taking every router pod out of rotation for it would turn one
 * subgraph's restart into a whole-API outage.
 *
 * `snapshot()` never waits: it returns the last probe round and starts a new one in the
 * background when that round is older than `maxAgeMs` (default 1000), so a hung subgraph cannot
 * slow the router's liveness probe. Each probe is a `GET /health` bounded by `timeoutMs`.
 */
export class SubgraphHealth {
  private states: Record<string, SubgraphState>;
  private lastRound = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly baseUrls: Record<string, string>,
    private readonly timeoutMs: number,
    private readonly maxAgeMs = 1000,
  ) {
    this.states = Object.fromEntries(Object.keys(baseUrls).map((name) => [name, 'unknown' as const]));
  }

  snapshot(): Record<string, SubgraphState> {
    if (!this.running && Date.now() - this.lastRound >= this.maxAgeMs) void this.refresh();
    return { ...this.states };
  }

  /** Probes every subgraph once, in parallel (concurrent callers share the round in progress). */
  refresh(): Promise<void> {
    this.running ??= (async () => {
      const pairs = await Promise.all(
        Object.entries(this.baseUrls).map(
          async ([name, base]) =>
            [name, (await probe(`${base}/health`, this.timeoutMs)) ? 'up' : 'down'] as const,
        ),
      );
      this.states = Object.fromEntries(pairs);
      this.lastRound = Date.now();
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
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
