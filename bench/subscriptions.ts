/**
 * Live subscription benchmark: N clients (one WebSocket each) watch orders while the orders
 * move; prints latency from the state change (the owner's mutation committed and returned) to
 * client receipt, events lost, upstream subscriptions open and memory — through the router
 * (each event completed with fields from the order and payment subgraphs) and, as the ceiling,
 * the same clients on the dashboard subgraph directly (dashboard fields only, no federation).
 *
 *   npx tsx bench/subscriptions.ts --clients 1000 --orders 100
 *   npx tsx bench/subscriptions.ts --clients 10000 --orders 100 --only router
 *
 * Everything runs on this machine (six service processes plus the clients in this process), so
 * figures are relative: compare the two targets of the same run, not runs on other machines.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { signCallerHeaders } from '@baemin/platform';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TestSystem, waitFor } from '../test/harness/TestSystem.js';
import { percentile } from './percentile.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    orders: { type: 'string', default: '100' },
    only: { type: 'string' },
    timeout: { type: 'string', default: '60' },
  },
});
const CLIENTS = Number(args.clients);
const ORDERS = Number(args.orders);
const STEP_TIMEOUT_MS = Number(args.timeout) * 1000;
const STEPS = [
  { mutation: 'acceptOrder', status: 'ACCEPTED', role: 'owner' as const },
  { mutation: 'startCooking', status: 'COOKING', role: 'owner' as const },
  { mutation: 'markReady', status: 'READY', role: 'owner' as const },
];

type Target = 'router' | 'direct';

interface Watcher {
  client: Client;
  orderIndex: number;
  received: Map<string, number>;
  initial: boolean;
}

const sys = await TestSystem.start({ env: { LOG_LEVEL: 'error' } });
const internalSecret = sys.env('dashboard').INTERNAL_SECRET!;

async function gql(query: string, variables: Record<string, unknown>, token: string) {
  const res = await sys.gql(query, variables, token);
  if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
  return res.data as Record<string, unknown>;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function placeOrders(prefix: string): Promise<{ id: string; customer: string }[]> {
  const orders: { id: string; customer: string }[] = [];
  await pool(
    Array.from({ length: ORDERS }, (_, i) => i),
    8,
    async (i) => {
      const customer = `${prefix}-${i}`;
      const data = await gql(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
        { input: { storeId: 'store-1', items: [{ menuItemId: 'menu-1-1', quantity: 1 }] } },
        sys.token('customer', customer),
      );
      orders[i] = { id: (data.placeOrder as { id: string }).id, customer };
    },
  );
  // Tickets exist before the owner acts on them.
  await waitFor(
    async () => {
      const d = await gql(
        `{ myTickets(status: AWAITING_ACCEPTANCE) { orderId } }`,
        {},
        sys.token('owner', 'owner-1'),
      );
      const ids = new Set((d.myTickets as { orderId: string }[]).map((t) => t.orderId));
      return orders.every((o) => ids.has(o.id));
    },
    { timeoutMs: 60_000, what: 'tickets' },
  );
  return orders;
}

async function run(target: Target) {
  const orders = await placeOrders(`bench-${target}`);
  const watchers: Watcher[] = [];
  const routerWs = sys.routerUrl.replace(/^http/, 'ws');
  const dashboardWs = `${sys.url('dashboard').replace(/^http/, 'ws')}/graphql`;
  const query =
    target === 'router'
      ? `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status sequence order { total payment { status } } } }`
      : `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status sequence total paymentStatus } }`;
  const connectStart = performance.now();
  await pool(
    Array.from({ length: CLIENTS }, (_, i) => i),
    200,
    async (i) => {
      const orderIndex = i % ORDERS;
      const order = orders[orderIndex]!;
      const client = createClient({
        url: target === 'router' ? routerWs : dashboardWs,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams:
          target === 'router'
            ? { authorization: `Bearer ${sys.token('customer', order.customer)}` }
            : signCallerHeaders({ id: order.customer, role: 'customer' }, internalSecret),
      });
      const w: Watcher = { client, orderIndex, received: new Map(), initial: false };
      watchers.push(w);
      await new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query, variables: { id: order.id } },
          {
            next: (r) => {
              const status = (r.data as { orderStatusChanged?: { status: string } } | null)
                ?.orderStatusChanged?.status;
              if (!status) return;
              if (!w.initial) {
                w.initial = true;
                resolve();
              }
              if (!w.received.has(status)) w.received.set(status, performance.now());
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
    },
  );
  const connectMs = performance.now() - connectStart;
  const statsUrl =
    target === 'router'
      ? `${sys.url('router')}/internal/subscriptions`
      : `${sys.url('dashboard')}/internal/live`;
  const stats = async () => (await (await fetch(statsUrl)).json()) as Record<string, number>;
  const atRest = await stats();
  let peakRss = atRest.rssBytes ?? 0;
  const sampler = setInterval(() => {
    void stats().then((s) => {
      peakRss = Math.max(peakRss, s.rssBytes ?? 0);
    });
  }, 250);

  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let lost = 0;
  for (const step of STEPS) {
    await pool(orders, 8, async (o) => {
      await gql(
        `mutation($id: ID!) { ${step.mutation}(orderId: $id) { status } }`,
        { id: o.id },
        sys.token('owner', 'owner-1'),
      );
      sent.set(`${o.id}:${step.status}`, performance.now());
    });
    await waitFor(() => watchers.every((w) => w.received.has(step.status)), {
      timeoutMs: STEP_TIMEOUT_MS,
      intervalMs: 100,
      what: `${step.status} everywhere`,
    }).catch(() => undefined);
    for (const w of watchers) {
      const t1 = w.received.get(step.status);
      const t0 = sent.get(`${orders[w.orderIndex]!.id}:${step.status}`)!;
      if (t1 === undefined) lost++;
      else latencies.push(Math.max(0, t1 - t0));
    }
  }
  clearInterval(sampler);
  const during = await stats();
  await Promise.all(watchers.map((w) => w.client.dispose()));
  await new Promise((r) => setTimeout(r, 1500));
  const after = await stats();
  latencies.sort((a, b) => a - b);
  return {
    target,
    clients: CLIENTS,
    events: CLIENTS * STEPS.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    lost,
    upstreamsOpen: target === 'router' ? (during.upstreams ?? 0) : (during.subscriptions ?? 0),
    upstreamsAfterClose: target === 'router' ? (after.upstreams ?? 0) : (after.subscriptions ?? 0),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    connectSeconds: Math.round(connectMs / 100) / 10,
  };
}

try {
  const targets: Target[] = args.only ? [args.only as Target] : ['direct', 'router'];
  const rows = [];
  for (const t of targets) rows.push(await run(t));
  console.log(
    `\n${CLIENTS} clients (one socket each), ${ORDERS} orders, ${STEPS.length} status changes per order`,
  );
  console.table(
    rows.map((r) => ({
      target:
        r.target === 'direct'
          ? 'dashboard subgraph directly (ceiling)'
          : 'router (federated, 2 extra subgraphs/event)',
      'p50 ms': Math.round(r.p50),
      'p99 ms': Math.round(r.p99),
      'max ms': Math.round(r.max),
      'events lost': `${r.lost}/${r.events}`,
      'upstream subs (router) / subs (direct)': r.upstreamsOpen,
      'after close': r.upstreamsAfterClose,
      'peak RSS MB': r.peakRssMb,
      'connect s': r.connectSeconds,
    })),
  );
  const direct = rows.find((r) => r.target === 'direct');
  const router = rows.find((r) => r.target === 'router');
  if (direct && router) console.log(`router p99 / ceiling p99 = ${(router.p99 / direct.p99).toFixed(2)}x`);
} finally {
  await sys.close();
}
