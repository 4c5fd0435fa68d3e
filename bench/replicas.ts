/**
 * Replica benchmark: orders/s fully propagated to the dashboard with 1 vs 3 replicas of each
 * write-side context (order, payment, store, delivery; one dashboard), everything on PostgreSQL +
 * Kafka, the replicas behind the harness's round-robin proxy as behind a Kubernetes Service.
 *
 * Per layout: a fresh system, `--warmup` orders, then `--orders` placeOrder calls through the
 * router, `--concurrency` in flight (closed loop). "Fully propagated" = the dashboard read model
 * (its PostgreSQL table) holds the order with its payment CAPTURED: the order was placed, its
 * payment captured, both events relayed through the outbox to Kafka and consumed by the dashboard.
 * Prints orders/s (orders / time from the first placeOrder to the last order propagated), the
 * placeOrder p50/p99 and the ratio 3 vs 1.
 *
 *   npx tsx bench/replicas.ts --kafka 127.0.0.1:9092 [--orders 300] [--concurrency 24] [--warmup 30]
 *
 * Every process shares this machine: on a 2-core box three replicas add contention, not cores;
 * read the ratio as what replication costs or buys here, not on a cluster.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEMO } from '../test/harness/flows.js';
import { STORE_LAYOUTS, TestSystem } from '../test/harness/TestSystem.js';
import { percentile } from './percentile.js';

const { values: args } = parseArgs({
  options: {
    kafka: { type: 'string' },
    orders: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '24' },
    warmup: { type: 'string', default: '30' },
  },
});
if (!args.kafka) throw new Error('--kafka host:port is required (replicas need Kafka)');
const ORDERS = Number(args.orders);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = Number(args.warmup);

async function measure(replicas: number) {
  const sys = await TestSystem.start({
    kafkaBrokers: args.kafka,
    stores: STORE_LAYOUTS.postgres,
    replicas: { order: replicas, payment: replicas, store: replicas, delivery: replicas },
    readyTimeoutMs: 180_000,
    // One server for every process (max_connections 100 by default): the same small pool in both layouts.
    env: {
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '4',
      ROUTER_RATE_LIMIT_PER_SECOND: '1000000',
      ROUTER_RATE_LIMIT_BURST: '1000000',
    },
  });
  const stop = () => void sys.close().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  const dashboard = new pg.Client({ connectionString: sys.pgDatabases.get('dashboard')!.url });
  await dashboard.connect();
  try {
    const place = async (tag: string, i: number) => {
      const customer = `bench-${tag}-${i % 20}`;
      for (let attempt = 0; ; attempt++) {
        const res = await sys.gql<{ placeOrder: { id: string } }>(
          `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
          {
            input: {
              storeId: DEMO.store,
              items: [{ menuItemId: DEMO.item, quantity: 1 }],
              idempotencyKey: `${tag}-${i}`,
            },
          },
          sys.token('customer', customer),
        );
        if (res.data?.placeOrder) return res.data.placeOrder.id;
        if (attempt >= 5) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
      }
    };
    const propagated = async (ids: string[]) =>
      Number(
        (
          await dashboard.query<{ n: string }>(
            "SELECT count(*) AS n FROM dashboards WHERE order_id = ANY($1) AND payment_status = 'CAPTURED'",
            [ids],
          )
        ).rows[0]!.n,
      );
    const run = async (tag: string, count: number) => {
      const ids: string[] = [];
      const latencies: number[] = [];
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
          for (let i = next++; i < count; i = next++) {
            const t = performance.now();
            ids.push(await place(tag, i));
            latencies.push(performance.now() - t);
          }
        }),
      );
      const placedMs = performance.now() - start;
      while ((await propagated(ids)) < count) await new Promise((r) => setTimeout(r, 50));
      const totalMs = performance.now() - start;
      latencies.sort((a, b) => a - b);
      return { placedMs, totalMs, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    };
    await run(`warm${replicas}`, WARMUP);
    const r = await run(`run${replicas}`, ORDERS);
    return { replicas, ...r, perSecond: (ORDERS * 1000) / r.totalMs };
  } finally {
    await dashboard.end();
    process.off('SIGINT', stop);
    await sys.close();
  }
}

const rows = [];
for (const replicas of [1, 3]) {
  const row = await measure(replicas);
  rows.push(row);
  console.log(
    `${replicas} replica(s) per write-side context: ${ORDERS} orders in ${(row.totalMs / 1000).toFixed(1)} s ` +
      `→ ${row.perSecond.toFixed(1)} orders/s propagated; placeOrder p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms`,
  );
}
console.log(`ratio 3 vs 1 replicas: ${(rows[1]!.perSecond / rows[0]!.perSecond).toFixed(2)}×`);
