/**
 * Telemetry overhead benchmark: what the instrumentation hooks cost per call, in-process, with
 * tracing off (the default) and on (spans batched to a local OTLP receiver), against the same
 * work without the hook. Prints ns per call and the difference; the work itself is trivial on
 * purpose, so the difference is the hook's own cost (a real subgraph fetch takes ~1 ms).
 *
 *   npx tsx bench/telemetry.ts --iterations 50000
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { instrumentFetch } from '../packages/platform/src/telemetry/instrumentFetch.js';
import { instrumentRequest } from '../packages/platform/src/telemetry/instrumentRequest.js';
import { withLogContext } from '../packages/platform/src/telemetry/logContext.js';
import { metrics, subgraphFetchObserver } from '../packages/platform/src/telemetry/metrics.js';
import { startTracing, stopTracing } from '../packages/platform/src/telemetry/tracing.js';
import { OtlpReceiver } from '../test/harness/OtlpReceiver.js';

const { values: args } = parseArgs({ options: { iterations: { type: 'string', default: '50000' } } });
const N = Number(args.iterations);

async function once(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  return ((performance.now() - t0) * 1e6) / N;
}

/** Without and with the hook, alternated over 5 rounds; the fastest round of each (least disturbed by other load). */
async function pair(base: () => unknown, hooked: () => unknown): Promise<[number, number]> {
  for (let i = 0; i < 20_000; i++) {
    await base();
    await hooked();
  }
  let b = Number.POSITIVE_INFINITY;
  let h = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    b = Math.min(b, await once(base));
    h = Math.min(h, await once(hooked));
  }
  return [b, h];
}

const response = { status: 200 };
const rawFetch = async (_url: string, _init?: unknown) => response;
const fakeReq = () =>
  ({ method: 'POST', headers: {} as Record<string, string> }) as unknown as IncomingMessage;
const fakeRes = { once: () => fakeRes, statusCode: 200 } as unknown as ServerResponse;
const handler = async () => 1;

async function measure(label: string) {
  const wrapped = instrumentFetch('bench', rawFetch, subgraphFetchObserver('bench'));
  const bare = instrumentFetch('bench', rawFetch);
  const rows: [string, number, number][] = [
    [
      'subgraph fetch hook (instrumentFetch + histogram)',
      ...(await pair(
        () => rawFetch('x', { headers: {} }),
        () => wrapped('x', { method: 'POST', headers: {} }),
      )),
    ],
    [
      'subgraph fetch hook without the histogram',
      ...(await pair(
        () => rawFetch('x', { headers: {} }),
        () => bare('x', { method: 'POST', headers: {} }),
      )),
    ],
    [
      'incoming request hook (instrumentRequest)',
      ...(await pair(
        () => handler(),
        () => instrumentRequest(fakeReq(), fakeRes, '/graphql', handler),
      )),
    ],
    [
      'log context per event (withLogContext)',
      ...(await pair(
        () => handler(),
        () => withLogContext({ orderId: 'o-1' }, handler),
      )),
    ],
    [
      'histogram observe (per transaction / event)',
      ...(await pair(
        () => undefined,
        () => metrics.dbTransactionDuration.observe({ kind: 'transaction' }, 0.001),
      )),
    ],
  ];
  console.log(`\n${label}`);
  for (const [name, base, hooked] of rows) {
    console.log(
      `  ${name.padEnd(52)} without ${base.toFixed(0).padStart(6)} ns  with ${hooked.toFixed(0).padStart(6)} ns  hook ${(hooked - base).toFixed(0).padStart(6)} ns`,
    );
  }
}

console.log(`telemetry hooks, ${N} calls each (ns per call; a subgraph fetch itself is ~1,000,000 ns)`);
await measure('tracing OFF (default)');
const receiver = await OtlpReceiver.start();
await startTracing('bench', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
await measure('tracing ON (every call a span, exported over OTLP/HTTP to a local receiver)');
await stopTracing();
await receiver.close();
