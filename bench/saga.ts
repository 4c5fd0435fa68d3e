/**
 * Saga throughput benchmark: orders placed through the router at a fixed offered load (open loop:
 * one placeOrder every 1000/rate ms, not waiting for the previous one), each followed until its
 * customer's `myOrdersChanged` subscription (graphql-ws through the router, fed by the dashboard
 * read model) delivers it as PLACED. Prints per rate: orders placed, orders fully propagated,
 * propagated orders/s, and p50/p99 from placeOrder returning to the subscriber receiving PLACED.
 *
 *   npx tsx bench/saga.ts [--rates 50,100,200] [--seconds 10] [--customers 20] [--kafka host:port]
 *
 * Without --kafka it runs on the embedded log; with it, on that broker (e.g. one started by
 * `KAFKA_PORT=39211 bash scripts/kafka.sh start`). The whole system and the load share this
 * machine: compare rates and transports of one run.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TestSystem } from '../test/harness/TestSystem.js';
import { processCpuMs } from './procStats.js';
import { type HttpPool, poolClient } from '../packages/platform/src/http/poolClient.js';
import { percentile } from './percentile.js';

const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,100,200' },
    seconds: { type: 'string', default: '10' },
    customers: { type: 'string', default: '20' },
    /**
     * Seconds of load at 30 orders/s on each fresh system before the measured rates, not reported:
     * the first seconds after start-up run cold code (lazy module loading, the JIT) and a cold
     * first rate measured that, not the saga (placeOrder p99 8 s at 100/s cold, 58 ms warm).
     * Default 5; 0 measures from cold.
     */
    warmup: { type: 'string', default: '5' },
    /**
     * Orders/s of that warm-up. Default 30. The first window at a much higher rate then carries
     * the system's warm-up to that rate (on Kafka at 200/s, a p99 per second of up to 70–250 ms in
     * its first 7–10 s: BENCHMARKS.md, 2026-12-06 14:55); warmed up at the measured rate, the
     * windows show the steady state.
     */
    'warmup-rate': { type: 'string', default: '30' },
    kafka: { type: 'string' },
    /**
     * With --kafka: the broker's pid (e.g. `pgrep -f kafka.Kafka`), to count its CPU per order as
     * `broker` beside the services': on this machine it shares their two cores.
     */
    'broker-pid': { type: 'string' },
    // Writes a V8 CPU profile of every service process into this folder when the system stops.
    'cpu-prof': { type: 'string' },
    /**
     * Also prints each rate's subscriber p99 per second of placing (by when the order was sent):
     * shows whether a window's tail is a start-up transient or spread over the window.
     */
    timeline: { type: 'boolean', default: false },
    /**
     * Comma-separated, each on a fresh system, one after the other in this run: `after` (the
     * defaults); `fsync-in-commit` (the defaults of 2026-12-04: each commit fsyncs inside COMMIT,
     * blocking the event loop, SQLITE_ASYNC_FSYNC=0); `previous` (the defaults of 2026-12-03: no statement cache, no prepared hot
     * queries, redoable writes fsynced: SQLITE_STATEMENT_CACHE=0 SQLITE_PREPARED_QUERIES=0
     * SQLITE_REDOABLE_SYNC=FULL; payment capture still over the keep-alive pool, which has no
     * switch); `before` (every optimisation
     * of bench/saga.ts's rows off: also SQLITE_GROUP_COMMIT=0 EVENTLOG_BATCH_COMMITS=0); `normal`
     * (SQLITE_SYNCHRONOUS=NORMAL, not a setting to run with: what all WAL fsyncs cost); `kafkajs-loop`
     * (KAFKAJS_IDLE_TIMER_FIX=0: kafkajs' timer loop on every connection left running).
     */
    variants: { type: 'string', default: 'after' },
  },
});
const RATES = args.rates.split(',').map(Number);
const SECONDS = Number(args.seconds);
const CUSTOMERS = Number(args.customers);

const VARIANT_ENV: Record<string, Record<string, string>> = {
  after: {},
  'fsync-in-commit': { SQLITE_ASYNC_FSYNC: '0' },
  previous: {
    SQLITE_ASYNC_FSYNC: '0',
    SQLITE_STATEMENT_CACHE: '0',
    SQLITE_PREPARED_QUERIES: '0',
    SQLITE_REDOABLE_SYNC: 'FULL',
  },
  before: {
    SQLITE_ASYNC_FSYNC: '0',
    SQLITE_STATEMENT_CACHE: '0',
    SQLITE_PREPARED_QUERIES: '0',
    SQLITE_REDOABLE_SYNC: 'FULL',
    SQLITE_GROUP_COMMIT: '0',
    EVENTLOG_BATCH_COMMITS: '0',
  },
  normal: { SQLITE_SYNCHRONOUS: 'NORMAL' },
  // kafkajs as released: its connections' 1 ms timer loop (packages/platform/src/bus/kafkajsIdleTimerFix.ts).
  'kafkajs-loop': { KAFKAJS_IDLE_TIMER_FIX: '0' },
};
const VARIANTS = args.variants.split(',');
for (const v of VARIANTS) if (!VARIANT_ENV[v]) throw new Error(`unknown variant ${v}`);

let sys: TestSystem | undefined;
/**
 * The load generator's HTTP client: keep-alive connections through undici's Pool (the platform's
 * poolClient), not WHATWG fetch, whose per-request objects made this process the third-largest
 * CPU user on the box it shares with the system it measures.
 */
let http: HttpPool | undefined;
const PLACE_ORDER_BODY = JSON.stringify({
  query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
  variables: { input: { storeId: 'store-1', items: [{ menuItemId: 'menu-1-1', quantity: 1 }] } },
});
let wsUrl = '';
// Interrupted: stop the six services rather than leave them running.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void (sys?.close() ?? Promise.resolve()).finally(() => process.exit(130)));

/** CPU ms (user + system) so far of each service process and of this load generator. */
function cpuMs(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(sys!.pids())) {
    try {
      out[name] = processCpuMs(pid!);
    } catch {
      // exited meanwhile: not counted
    }
  }
  if (args['broker-pid']) out.broker = processCpuMs(Number(args['broker-pid']));
  const own = process.cpuUsage();
  out.bench = (own.user + own.system) / 1000;
  return out;
}

async function run(rate: number, runIndex: number, seconds = SECONDS) {
  const placedAt = new Map<string, number>();
  // Second of the window each placed order was sent in (for --timeline).
  const sentSecond = new Map<string, number>();
  const placeMs: number[] = [];
  const seenAt = new Map<string, number>();
  const clients: Client[] = [];
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `saga-${runIndex}-${rate}-${i}`);
  // One token per customer for the whole run, as the customer app holds one for its session (a
  // token signed afresh for every order would measure the router's JWT verification instead: it
  // remembers verified tokens).
  const tokens = new Map(customers.map((c) => [c, sys!.token('customer', c)]));
  for (const customer of customers) {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${tokens.get(customer)}` },
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      let acked = false;
      client.on('connected', () => {
        // The subscription is registered once the socket is up; give it a moment to reach the dashboard.
        if (!acked) setTimeout(resolve, 200);
        acked = true;
      });
      client.subscribe(
        { query: 'subscription { myOrdersChanged { orderId status } }' },
        {
          next: (r) => {
            const d = (r.data as { myOrdersChanged?: { orderId: string; status: string } } | null)
              ?.myOrdersChanged;
            if (d?.status === 'PLACED' && !seenAt.has(d.orderId)) seenAt.set(d.orderId, performance.now());
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
  }
  const total = rate * seconds;
  const failures: string[] = [];
  const cpuBefore = cpuMs();
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const customer = customers[i % customers.length]!;
    const sent = performance.now();
    inFlight.push(
      http!
        .post(
          '/graphql',
          { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(customer)}` },
          PLACE_ORDER_BODY,
        )
        .then((reply) => {
          const res = JSON.parse(reply.body) as {
            data?: { placeOrder?: { id: string } };
            errors?: { extensions?: { code?: string } }[];
          };
          const id = res.data?.placeOrder?.id;
          const now = performance.now();
          placeMs.push(now - sent);
          if (id) {
            placedAt.set(id, now);
            sentSecond.set(id, Math.floor((sent - start) / 1000));
          } else failures.push(JSON.stringify(res.errors?.[0]?.extensions?.code ?? res.errors ?? 'no id'));
        })
        .catch((err) => {
          failures.push((err as Error).message);
        }),
    );
  }
  await Promise.all(inFlight);
  const placedDone = performance.now();
  const deadline = placedDone + 30_000;
  while ([...placedAt.keys()].some((id) => !seenAt.has(id)) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const cpuAfter = cpuMs();
  // CPU ms per order placed, per process, over placing and propagating (idle tails included).
  const cpuPerOrder = Object.fromEntries(
    Object.entries(cpuAfter).map(([name, ms]) => [
      name,
      Number(((ms - (cpuBefore[name] ?? 0)) / Math.max(1, placedAt.size)).toFixed(2)),
    ]),
  );
  const lat = [...placedAt]
    .filter(([id]) => seenAt.has(id))
    .map(([id, t]) => Math.max(0, seenAt.get(id)! - t));
  lat.sort((a, b) => a - b);
  const bySecond: number[][] = Array.from({ length: seconds }, () => []);
  for (const [id, t] of placedAt) {
    const seen = seenAt.get(id);
    if (seen !== undefined) bySecond[Math.min(seconds - 1, sentSecond.get(id)!)]!.push(Math.max(0, seen - t));
  }
  for (const l of bySecond) l.sort((a, b) => a - b);
  const p99BySecond = bySecond.map((l) => Math.round(percentile(l, 99)));
  const lastSeen = Math.max(...[...seenAt.values()], start);
  for (const c of clients) await c.dispose();
  placeMs.sort((a, b) => a - b);
  return {
    rate,
    placed: placedAt.size,
    failed: failures.length,
    failureSample: failures.slice(0, 3),
    propagated: lat.length,
    propagatedPerSecond: lat.length / ((lastSeen - start) / 1000),
    placeSeconds: (placedDone - start) / 1000,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    placeP50: percentile(placeMs, 50),
    placeP99: percentile(placeMs, 99),
    cpuPerOrder,
    ...(args.timeline ? { p99BySecond } : {}),
    load: loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  };
}

/** "9.8: router 3.1, order 2.2, dashboard 1.4": the sum, then the three largest. */
function cpuColumn(perOrder: Record<string, number>): string {
  const sorted = Object.entries(perOrder).sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((sum, [, ms]) => sum + ms, 0);
  return `${total.toFixed(1)}: ${sorted
    .slice(0, 3)
    .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
    .join(', ')}`;
}

const tables: string[] = [];
for (const variant of VARIANTS) {
  const loadBefore = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  if (args['cpu-prof']) mkdirSync(join(args['cpu-prof'], variant), { recursive: true });
  sys = await TestSystem.start({
    ...(args.kafka ? { kafkaBrokers: args.kafka } : {}),
    env: {
      LOG_LEVEL: 'error',
      ROUTER_RATE_LIMIT_PER_SECOND: '1000000',
      ROUTER_RATE_LIMIT_BURST: '1000000',
      ...VARIANT_ENV[variant],
      ...(args['cpu-prof']
        ? {
            NODE_OPTIONS: `--import=${new URL('./cpuProfile.mjs', import.meta.url).pathname}`,
            CPU_PROF_DIR: join(args['cpu-prof'], variant),
          }
        : {}),
    },
  });
  wsUrl = sys.routerUrl.replace(/^http/, 'ws');
  http = poolClient(new URL(sys.routerUrl).origin, { timeoutMs: 60_000, connections: 256 });
  if (Number(args.warmup) > 0) await run(Number(args['warmup-rate']), -1, Number(args.warmup));
  const rows = [];
  for (const [i, rate] of RATES.entries()) {
    const r = await run(rate, i);
    rows.push(r);
    console.log(JSON.stringify({ variant, ...r }));
  }
  await http.close();
  await sys.close();
  const kind = sys.kind;
  sys = undefined;
  tables.push(
    [
      `\n${kind} event log, ${variant}, ${SECONDS} s per rate after ${args.warmup} s of warm-up at ${args['warmup-rate']}/s, ${CUSTOMERS} customers each with one myOrdersChanged subscription; load average at start ${loadBefore}\n`,
      '| offered orders/s | placed | failed | propagated | propagated orders/s | placeOrder p50 / p99 ms | to subscriber p50 ms | p99 ms | load avg 1/5/15 min at end |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows.map(
        (r) =>
          `| ${r.rate} | ${r.placed} | ${r.failed} | ${r.propagated} | ${r.propagatedPerSecond.toFixed(0)} | ${r.placeP50.toFixed(0)} / ${r.placeP99.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.load} | ${cpuColumn(r.cpuPerOrder)} |`,
      ),
    ].join('\n'),
  );
}
console.log(tables.join('\n'));
process.exit(0);
