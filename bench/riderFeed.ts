/**
 * The riders' feed fan-out: R riders (one WebSocket each, through the router) watch
 * `deliveryOffersChanged` while O orders, one after the other, are made ready and picked up.
 * Prints the router's CPU per order and the p50/p99 from the owner's `markReady` being sent to
 * each rider receiving the offer, with each event completed once for all riders (the default) and
 * once per rider (ROUTER_SHARED_EVENT_COMPLETION=false), each on a fresh system, alternating.
 *
 *   npx tsx bench/riderFeed.ts [--riders 300] [--orders 30] [--rounds 2] [--modes shared]
 *     [--cpu-prof <dir>]   V8 CPU profiles of every service, <dir>/<mode>/<service>-<pid>.cpuprofile
 *
 * Everything shares this machine: compare the two modes of one run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ownerDoes,
  placeOrder,
  riderDoes,
  waitForDeliveryAvailable,
  waitForTicket,
} from '../test/harness/flows.js';
import { TestSystem, waitFor } from '../test/harness/TestSystem.js';
import { processCpuMs } from './procStats.js';
import { percentile } from './percentile.js';

const { values: args } = parseArgs({
  options: {
    riders: { type: 'string', default: '300' },
    orders: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '2' },
    /** Comma-separated: shared, per-rider. Default both. */
    modes: { type: 'string', default: 'shared,per-rider' },
    'cpu-prof': { type: 'string' },
  },
});
const RIDERS = Number(args.riders);
const ORDERS = Number(args.orders);
const ROUNDS = Number(args.rounds);
const OFFERS = 'subscription { deliveryOffersChanged { orderId available } }';
const ALL_MODES: { name: string; env: Record<string, string> }[] = [
  { name: 'shared', env: {} },
  { name: 'per rider', env: { ROUTER_SHARED_EVENT_COMPLETION: 'false' } },
];
const MODES = ALL_MODES.filter((m) => args.modes.split(',').includes(m.name.replace(' ', '-')));

type Offer = { orderId: string; available: boolean };

async function measure(mode: (typeof MODES)[number]) {
  const profileDir = args['cpu-prof'] ? join(args['cpu-prof'], mode.name.replace(' ', '-')) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const sys = await TestSystem.start({
    env: {
      LOG_LEVEL: 'error',
      ROUTER_RATE_LIMIT_PER_SECOND: '1000000',
      ...mode.env,
      ...(profileDir
        ? {
            NODE_OPTIONS: `--import=${new URL('./cpuProfile.mjs', import.meta.url).pathname}`,
            CPU_PROF_DIR: profileDir,
          }
        : {}),
    },
  });
  const clients: Client[] = [];
  try {
    const wsUrl = sys.routerUrl.replace(/^http/, 'ws');
    // Per rider and order: when the offer arrived (available) and when it was withdrawn.
    const offered = Array.from({ length: RIDERS }, () => new Map<string, number>());
    const withdrawn = Array.from({ length: RIDERS }, () => new Set<string>());
    for (let i = 0; i < RIDERS; i++) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${sys.token('rider', `bench-rider-${i}`)}` },
      });
      clients.push(client);
      client.subscribe<{ deliveryOffersChanged: Offer }>(
        { query: OFFERS },
        {
          next: (r) => {
            const o = r.data?.deliveryOffersChanged;
            if (!o) return;
            if (o.available) offered[i]!.set(o.orderId, performance.now());
            else withdrawn[i]!.add(o.orderId);
          },
          error: (e) => console.error('rider feed failed', e),
          complete: () => undefined,
        },
      );
    }
    await waitFor(async () => ((await sys.routerSubscriptions()).watchers ?? 0) >= RIDERS, {
      what: `${RIDERS} riders subscribed`,
      timeoutMs: 60_000,
    });
    const routerPid = sys.pids().router!;
    const latencies: number[] = [];
    let cpuStart = 0;
    // Three orders of warm-up (not measured), then the measured ones.
    for (let n = 0; n < ORDERS + 3; n++) {
      if (n === 3) cpuStart = processCpuMs(routerPid);
      const { id } = await placeOrder(sys, `bench-c-${n % 10}`);
      await waitForTicket(sys, id);
      await ownerDoes(sys, 'acceptOrder', id);
      await ownerDoes(sys, 'startCooking', id);
      const sent = performance.now();
      await ownerDoes(sys, 'markReady', id);
      await waitFor(() => offered.every((m) => m.has(id)), {
        what: 'the offer on every board',
        timeoutMs: 60_000,
      });
      if (n >= 3) for (const m of offered) latencies.push(m.get(id)! - sent);
      await waitForDeliveryAvailable(sys, id);
      await riderDoes(sys, 'pickUp', id, 'bench-rider-0');
      await waitFor(() => withdrawn.every((s) => s.has(id)), {
        what: 'the offer gone from every board',
        timeoutMs: 60_000,
      });
    }
    const cpu = processCpuMs(routerPid) - cpuStart;
    latencies.sort((a, b) => a - b);
    const stats = (await sys.routerSubscriptions()) as {
      eventsReceived: number;
      eventsCompleted: number;
    };
    return {
      mode: mode.name,
      cpuPerOrder: cpu / ORDERS,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      received: stats.eventsReceived,
      completed: stats.eventsCompleted,
    };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await sys.close();
  }
}

const rows: Awaited<ReturnType<typeof measure>>[] = [];
for (let round = 0; round < ROUNDS; round++)
  for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
    const r = await measure(mode);
    console.log(JSON.stringify(r));
    rows.push(r);
  }
console.log(
  `\n${RIDERS} riders on deliveryOffersChanged through the router, ${ORDERS} orders made ready and picked up one after the other (after 3 of warm-up), ${ROUNDS} rounds alternating\n`,
);
console.log(
  '| completion | router CPU ms per order | markReady → rider p50 / p99 ms | events received / completed |',
);
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.mode} | ${r.cpuPerOrder.toFixed(1)} | ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} | ${r.received} / ${r.completed} |`,
  );
process.exit(0);
