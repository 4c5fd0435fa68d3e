import { type WaitForOptions, waitFor } from './waitFor.js';

interface HealthBody {
  consumers?: { group: string; lag: number | null }[];
  outbox?: { pending: number; parked: number } | null;
}

/**
 * Waits until the subgraph at `url` has provably passed every record published so far: each of
 * its consumer groups has committed every record on its topics (lag 0; an offset is committed
 * only after the handler and its transaction finished) and then its outbox relay has published
 * every row it may have written (parked rows aside). Read from the service's own `/health`, the
 * same facts an operator sees. Use it instead of sleeping before asserting that nothing more
 * happened ("exactly one event", "still undefined"): the answer no longer depends on the
 * machine's speed. Exact on the embedded log; on Kafka the lag is as of the consumer's last fetch.
 */
export async function waitSettled(url: string, options: WaitForOptions = {}): Promise<void> {
  let last = '';
  await waitFor(
    async () => {
      const body = (await (await fetch(`${url}/health`)).json()) as HealthBody;
      const lagging = (body.consumers ?? []).filter((c) => c.lag !== 0);
      const unpublished = body.outbox ? body.outbox.pending - body.outbox.parked : 0;
      last = `${lagging.map((c) => `${c.group} lag ${c.lag}`).join(', ') || 'consumers done'}; ${unpublished} outbox rows unpublished`;
      return lagging.length === 0 && unpublished === 0;
    },
    { what: `${url} to settle`, ...options },
  ).catch((err: Error) => {
    throw new Error(`${err.message} (${last})`);
  });
}
