import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import {
  DEMO,
  driveToDelivered,
  ownerDoes,
  riderDoes,
  waitForDeliveryAvailable,
  waitForTicket,
} from '../harness/flows.js';
import { type RollOver, TestSystem, waitFor } from '../harness/TestSystem.js';

/**
 * Zero-downtime rollouts on real processes: the router, then the order subgraph, are replaced one
 * at a time the way a Kubernetes rolling update with maxUnavailable 0 does it (ServiceProxy in
 * front of each, like a Service): the replacement starts beside the old process on its own port,
 * takes the new connections once ready, then the old one gets SIGTERM, fails /ready at once and
 * drains (SHUTDOWN_DRAIN_MS) before it closes. All the while, clients send queries, placeOrder
 * mutations and lifecycle mutations, and watch orders over graphql-ws (resuming with
 * afterChangeId when a router goes away). Nothing may fail, no order may be lost or placed twice,
 * and every subscription must see every change of its order exactly once.
 *
 * The two order processes share the SQLite files during the handover (as two pods on one node
 * with the same ReadWriteOnce volume would): SQLite's WAL locking serialises the writers, the
 * embedded log's group lease lets one consumer run at a time (the old one releases it when it
 * closes; on Kafka the group rebalances), and an event relayed twice by the two outbox relays is
 * dropped by the consumers' inbox. Runs on the embedded log, and on Kafka when a broker is there.
 */

const DRAIN_MS = 1500;
const LIFECYCLE = ['PLACED', 'ACCEPTED', 'COOKING', 'READY', 'PICKED_UP', 'DELIVERED'];
const WATCH = `subscription Watch($id: ID!, $after: Int) {
  orderStatusChanged(orderId: $id, afterChangeId: $after) { orderId status sequence changeId }
}`;

interface Change {
  status: string;
  sequence: number;
  changeId: number;
}

/**
 * A client watching one order that reconnects through the same router address (the Service)
 * whenever its connection ends, resuming after the last change it got: what a real app does.
 */
class ResumingWatcher {
  readonly changes: Change[] = [];
  /** Errors other than the router's own "shutting down, reconnect". */
  readonly unexpected: string[] = [];
  resumes = 0;
  private client: Client | null = null;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly orderId: string,
  ) {
    this.subscribe();
  }

  get last(): Change | undefined {
    return this.changes.at(-1);
  }

  private subscribe(): void {
    if (this.stopped) return;
    void this.client?.dispose();
    const client = createClient({
      url: this.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      retryAttempts: 0,
      lazy: true,
    });
    this.client = client;
    let again = false;
    const resume = () => {
      // A delivered order's subscription ends there (the dashboard completes it).
      if (again || this.stopped || this.last?.status === 'DELIVERED') return;
      again = true;
      this.resumes++;
      setTimeout(() => this.subscribe(), 50);
    };
    client.subscribe<{ orderStatusChanged: Change }>(
      { query: WATCH, variables: { id: this.orderId, after: this.last?.changeId ?? null } },
      {
        next: (r) => {
          for (const e of r.errors ?? []) {
            if (e.extensions?.code !== 'SUBSCRIPTION_SHUTTING_DOWN') this.unexpected.push(JSON.stringify(e));
          }
          if (r.data?.orderStatusChanged) this.changes.push(r.data.orderStatusChanged);
        },
        // The router closed the socket or ended the subscription: reconnect and resume.
        error: resume,
        complete: resume,
      },
    );
  }

  stop(): void {
    this.stopped = true;
    void this.client?.dispose();
  }
}

/** The embedded log always; Kafka too when the global setup provides a broker (not with E2E_KAFKA=0). */
const brokers = inject('kafkaBrokers');
const BUSES = [{ bus: 'embedded log', kafkaBrokers: undefined as string | undefined }];
if (brokers) BUSES.push({ bus: 'Kafka', kafkaBrokers: brokers });

describe.each(BUSES)(
  'rolling replacement of the router and the order subgraph under load ($bus)',
  ({ kafkaBrokers }) => {
    let sys: TestSystem;
    const failures: string[] = [];
    const counts = { queries: 0, placeOrders: 0, lifecycleOrders: 0 };
    const placed = new Map<string, { id: string; total: number }[]>();
    const allPlaced: { id: string; customer: string }[] = [];
    const watchers: ResumingWatcher[] = [];
    let stopLoad = false;

    /** One request through the router's Service address; every error or non-200 is a failure. */
    async function request<T>(
      label: string,
      query: string,
      variables: Record<string, unknown>,
      token: string,
    ) {
      try {
        const res = await sys.gql<T>(query, variables, token);
        if (res.status !== 200 || res.errors?.length) {
          failures.push(`${label}: HTTP ${res.status} ${JSON.stringify(res.errors)}`);
          return undefined;
        }
        return res.data ?? undefined;
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message} ${String((err as Error).cause ?? '')}`);
        return undefined;
      }
    }

    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    async function queryLoop(customer: string) {
      const token = sys.token('customer', customer);
      while (!stopLoad) {
        await request('stores query', '{ stores { id name menu { id price } } }', {}, token);
        counts.queries++;
        const some = allPlaced[counts.queries % Math.max(1, allPlaced.length)];
        if (some) {
          await request(
            'order query',
            'query($id: ID!) { order(id: $id) { id status total payment { status } } }',
            { id: some.id },
            sys.token('customer', some.customer),
          );
          counts.queries++;
        }
        await pause(20);
      }
    }

    /** placeOrder after placeOrder, 50 per customer (myOrders lists up to 100). */
    async function placeLoop(base: string) {
      for (let n = 0; !stopLoad; n++) {
        const customer = `${base}-${Math.floor(n / 50)}`;
        const mine = placed.get(customer) ?? [];
        placed.set(customer, mine);
        const data = await request<{ placeOrder: { id: string; total: number } }>(
          'placeOrder',
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id total } }',
          {
            input: {
              storeId: DEMO.store,
              items: [{ menuItemId: DEMO.item, quantity: 1 + (n % 3) }],
              idempotencyKey: `${customer}-${n}`,
            },
          },
          sys.token('customer', customer),
        );
        if (data) {
          mine.push(data.placeOrder);
          allPlaced.push({ id: data.placeOrder.id, customer });
        }
        counts.placeOrders++;
        await pause(20);
      }
    }

    /** Places an order, watches it, drives it to DELIVERED; again until the load stops. */
    async function lifecycleLoop(customer: string) {
      while (!stopLoad) {
        const data = await request<{ placeOrder: { id: string } }>(
          'placeOrder (watched)',
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item2, quantity: 1 }] } },
          sys.token('customer', customer),
        );
        if (!data) continue;
        const watcher = new ResumingWatcher(
          sys.routerUrl,
          sys.token('customer', customer),
          data.placeOrder.id,
        );
        watchers.push(watcher);
        try {
          // Its first message is the current state: drive the order only once it is there (PLACED).
          await waitFor(() => watcher.changes.length > 0, {
            what: `the first message for ${data.placeOrder.id}`,
          });
          await driveToDelivered(sys, customer, data.placeOrder.id);
        } catch (err) {
          failures.push(`lifecycle of ${data.placeOrder.id}: ${(err as Error).message}`);
        }
        counts.lifecycleOrders++;
      }
    }

    /**
     * Orders watched from the start and moved one step at each phase of the rollouts: while the old
     * router drains (1), after it (2), while the old order process drains (3), after it (4). Their
     * subscriptions live through both handovers, with changes in the middle of each.
     */
    let phase = 0;
    const parked: { id: string; watcher: ResumingWatcher }[] = [];
    const PARKED_CUSTOMER = 'rollout-parked';
    async function parkedLane() {
      const step = async (k: number, id: string) => {
        if (k === 1) {
          await waitForTicket(sys, id);
          await ownerDoes(sys, 'acceptOrder', id);
        } else if (k === 2) await ownerDoes(sys, 'startCooking', id);
        else if (k === 3) await ownerDoes(sys, 'markReady', id);
        else {
          await waitForDeliveryAvailable(sys, id);
          await riderDoes(sys, 'pickUp', id);
          await riderDoes(sys, 'completeDelivery', id);
        }
      };
      for (const k of [1, 2, 3, 4]) {
        await waitFor(() => phase >= k, { timeoutMs: 120_000, intervalMs: 10, what: `rollout phase ${k}` });
        await Promise.all(
          parked.map(({ id }) =>
            step(k, id).catch((err: unknown) =>
              failures.push(`parked ${id} step ${k}: ${(err as Error).message}`),
            ),
          ),
        );
      }
    }

    /** Runs a rollover and checks, from outside, that the old process failed /ready before it exited. */
    async function rollOver(name: 'router' | 'order') {
      const before = { ...counts };
      const result: RollOver = await sys.rollOver(name, {
        onSignal: async (port) => {
          phase++;
          // Draining: the old process still answers, but not ready (so a load balancer drops it).
          const body = await waitFor(
            async () => {
              const res = await fetch(`http://127.0.0.1:${port}/ready`);
              return res.status === 503 ? ((await res.json()) as { failed: string[] }) : undefined;
            },
            { timeoutMs: DRAIN_MS, intervalMs: 20, what: `the old ${name} to fail /ready` },
          );
          return body.failed.includes('shutting-down');
        },
      });
      phase++;
      // Let the load run a moment on the replacement alone.
      await waitFor(() => counts.placeOrders >= before.placeOrders + 10 + 5, {
        timeoutMs: 60_000,
        what: 'load on the replacement',
      });
      return {
        ...result,
        during: {
          queries: counts.queries - before.queries,
          placeOrders: counts.placeOrders - before.placeOrders,
        },
      };
    }

    beforeAll(async () => {
      sys = await TestSystem.start({
        ...(kafkaBrokers ? { kafkaBrokers } : {}),
        proxied: ['router', 'order'],
        env: { SHUTDOWN_DRAIN_MS: String(DRAIN_MS) },
      });
    });

    afterAll(async () => {
      stopLoad = true;
      for (const w of watchers) w.stop();
      await sys?.close();
    });

    it('no request fails, no order is lost or placed twice, every subscription resumes without a gap', async () => {
      for (let i = 0; i < 3; i++) {
        const data = await sys.ok<{ placeOrder: { id: string } }>(
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
          sys.token('customer', PARKED_CUSTOMER),
        );
        const watcher = new ResumingWatcher(
          sys.routerUrl,
          sys.token('customer', PARKED_CUSTOMER),
          data.placeOrder.id,
        );
        await waitFor(() => watcher.changes.length > 0, { what: 'the first message of a parked order' });
        watchers.push(watcher);
        parked.push({ id: data.placeOrder.id, watcher });
      }
      const load = Promise.all([
        parkedLane(),
        queryLoop('rollout-reader'),
        queryLoop('rollout-reader-2'),
        placeLoop('rollout-buyer-a'),
        placeLoop('rollout-buyer-b'),
        lifecycleLoop('rollout-watcher-a'),
        lifecycleLoop('rollout-watcher-b'),
      ]);
      await waitFor(() => counts.placeOrders >= 10 && watchers.length >= 2, {
        timeoutMs: 60_000,
        what: 'the load to run',
      });

      const router = await rollOver('router');
      const order = await rollOver('order');
      await waitFor(() => counts.lifecycleOrders >= 4, {
        timeoutMs: 90_000,
        what: 'orders driven to delivery',
      });
      stopLoad = true;
      await load;

      console.log(
        `rollouts: router stopped in ${router.stopMs} ms (${router.during.queries} queries, ${router.during.placeOrders} placeOrders meanwhile), ` +
          `order stopped in ${order.stopMs} ms (${order.during.queries} queries, ${order.during.placeOrders} placeOrders); ` +
          `totals: ${counts.queries} queries, ${counts.placeOrders} placeOrders, ${watchers.length} watched orders, ` +
          `${watchers.reduce((n, w) => n + w.resumes, 0)} subscription resumes`,
      );

      expect(failures).toEqual([]);
      for (const r of [router, order]) {
        expect(r.exitCode, 'the old process shut down cleanly').toBe(0);
        expect(r.readyFailedBeforeExit).toBe(true);
        expect(r.during.placeOrders).toBeGreaterThan(0);
      }

      // Every placeOrder that succeeded exists exactly once, charged once; nothing else exists.
      for (const [customer, mine] of placed) {
        const data = await sys.ok<{
          myOrders: { id: string; total: number; payment: { status: string; amount: number } }[];
        }>(
          '{ myOrders(first: 100) { id total payment { status amount } } }',
          {},
          sys.token('customer', customer),
        );
        expect(data.myOrders.map((o) => o.id).sort()).toEqual(mine.map((o) => o.id).sort());
        for (const o of data.myOrders) {
          expect(o.payment).toEqual({ status: 'CAPTURED', amount: o.total });
        }
      }

      // Every watched order: every status once, in order, sequences without a hole, no change twice.
      for (const w of watchers) {
        await waitFor(() => w.last?.status === 'DELIVERED', {
          timeoutMs: 30_000,
          what: `the subscription of ${w.orderId} to see DELIVERED (got ${JSON.stringify(w.changes)}, ${w.resumes} resumes, ${w.unexpected})`,
        });
        w.stop();
        expect(w.unexpected, w.orderId).toEqual([]);
        const statuses = w.changes.map((c) => c.status).filter((s, i, all) => s !== all[i - 1]);
        expect(statuses, w.orderId).toEqual(LIFECYCLE);
        const ids = w.changes.map((c) => c.changeId);
        expect(ids, `${w.orderId}: change ids strictly increasing`).toEqual(
          [...new Set(ids)].sort((a, b) => a - b),
        );
        const seq = w.changes.map((c) => c.sequence);
        // The first message is the state when the subscription began (PLACED, checked above); from
        // there, every change is one message: no sequence number is skipped.
        for (let i = 1; i < seq.length; i++)
          expect(seq[i]! - seq[i - 1]!, `${w.orderId}: ${seq}`).toBeOneOf([0, 1]);
      }
      expect(
        watchers.some((w) => w.resumes > 0),
        'some subscription lived through the router handover',
      ).toBe(true);
    });
  },
);
