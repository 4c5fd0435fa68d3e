import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO,
  driveToDelivered,
  placeOrder,
  waitForOrderStatus,
  waitForTicket,
  attempt,
} from '../harness/flows.js';
import { type LiveSubscription, liveClient, subscribe } from '../harness/LiveClient.js';
import { TestSystem, waitFor } from '../harness/TestSystem.js';

const WATCH = `subscription Watch($id: ID!) {
  orderStatusChanged(orderId: $id) {
    orderId status sequence storeName
    order { total items { quantity menuItem { name price } } payment { status amount } delivery { status riderId } }
  }
}`;

interface Watched {
  orderStatusChanged: {
    orderId: string;
    status: string;
    sequence: number;
    storeName: string;
    order: {
      total: number;
      items: { quantity: number; menuItem: { name: string; price: number } }[];
      payment: { status: string; amount: number } | null;
      delivery: { status: string; riderId: string | null } | null;
    };
  };
}

const LIFECYCLE = ['PLACED', 'ACCEPTED', 'COOKING', 'READY', 'PICKED_UP', 'DELIVERED'];

/** Distinct statuses in the order received. */
const statuses = (sub: LiveSubscription<Watched>) =>
  sub.results
    .map((r) => r.data?.orderStatusChanged.status)
    .filter((s, i, all): s is string => !!s && s !== all[i - 1]);

describe('live order status through the router (graphql-ws)', () => {
  let sys: TestSystem;
  let supergraphPath: string;
  const clients: Client[] = [];
  const client = (token?: string) => {
    const c = liveClient(sys.routerUrl, token);
    clients.push(c);
    return c;
  };
  const routerStats = () =>
    sys.routerSubscriptions<{
      watchers: number;
      upstreams: number;
      upstreamsByField: Record<string, number>;
      groups: number;
      clientConnections: number;
      resumes: number;
    }>();
  const dashboardStats = async () =>
    (await (await fetch(`${sys.url('dashboard')}/internal/live`)).json()) as {
      connections: number;
      subscriptions: number;
    };

  beforeAll(async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    supergraphPath = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
    copyFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), supergraphPath);
    sys = await TestSystem.start({ env: { ROUTER_TEST_HOOKS: '1', ROUTER_SUPERGRAPH_PATH: supergraphPath } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('a customer watches every status in order, each event completed with fields from other subgraphs', async () => {
    const order = await placeOrder(sys, 'sora');
    const sub = subscribe<Watched>(client(sys.token('customer', 'sora')), WATCH, { id: order.id });
    // The first message is the current state; the order moves on only after the client has it.
    await waitFor(() => sub.results.length > 0, { what: 'current state' });
    await driveToDelivered(sys, 'sora', order.id);
    await waitFor(() => statuses(sub).at(-1) === 'DELIVERED', { what: 'DELIVERED event' });
    expect(statuses(sub)).toEqual(LIFECYCLE);
    for (const r of sub.results) {
      expect(r.errors).toBeUndefined();
      const e = r.data!.orderStatusChanged;
      // order context (total, items), store context (menu item names), payment context.
      expect(e.order.total).toBe(order.total);
      expect(e.order.items[0]!.menuItem.name.length).toBeGreaterThan(0);
      expect(e.order.items[0]!.menuItem.price).toBe(order.items[0]!.unitPrice);
      expect(e.order.payment).toEqual({ status: 'CAPTURED', amount: order.total });
    }
    const last = sub.results.at(-1)!.data!.orderStatusChanged;
    expect(last.order.delivery).toEqual({ status: 'DELIVERED', riderId: 'rider-1' });
    // Sequences strictly increase: no repeats, nothing stale.
    const seqs = sub.results.map((r) => r.data!.orderStatusChanged.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("another customer's subscription to the order is refused", async () => {
    const order = await placeOrder(sys, 'sora');
    await waitFor(
      async () =>
        (
          await sys.gql(
            `query($id: ID!){ dashboard(orderId: $id) { status } }`,
            { id: order.id },
            sys.token('customer', 'sora'),
          )
        ).data?.dashboard,
      { what: 'dashboard row' },
    );
    const sub = subscribe<Watched>(client(sys.token('customer', 'mallory')), WATCH, { id: order.id });
    const end = await sub.done;
    expect(end.completed).toBe(true);
    expect(sub.results.some((r) => r.data?.orderStatusChanged)).toBe(false);
    expect(sub.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Anonymous and wrong-role subscriptions are refused up front.
    const anon = subscribe<Watched>(client(), WATCH, { id: order.id });
    const anonEnd = await anon.done;
    expect((anonEnd.error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const rider = subscribe(
      client(sys.token('rider', 'rider-1')),
      `subscription { ticketsChanged { orderId } }`,
    );
    expect(((await rider.done).error as { extensions?: { code?: string } }[])[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('an owner receives new tickets live, only of their own stores', async () => {
    const TICKETS = `subscription { ticketsChanged { orderId status storeName order { total } } }`;
    type Tickets = {
      ticketsChanged: { orderId: string; status: string; storeName: string; order: { total: number } };
    };
    const owner = subscribe<Tickets>(client(sys.token('owner', DEMO.owner)), TICKETS);
    // The same operation by another owner: it shares the upstream subscription, not the events.
    const other = subscribe<Tickets>(client(sys.token('owner', DEMO.otherOwner)), TICKETS);
    await waitFor(async () => (await routerStats()).watchers >= 2, { what: 'subscriptions registered' });
    const order = await placeOrder(sys, 'yuna');
    await waitFor(() => owner.results.some((r) => r.data?.ticketsChanged.orderId === order.id), {
      what: 'owner sees the new order',
    });
    const first = owner.results.find((r) => r.data?.ticketsChanged.orderId === order.id)!.data!
      .ticketsChanged;
    expect(first.status).toBe('PLACED');
    expect(first.order.total).toBe(order.total);
    await waitForTicket(sys, order.id);
    await sys.ok(
      `mutation($id: ID!) { acceptOrder(orderId: $id) { status } }`,
      { id: order.id },
      sys.token('owner', DEMO.owner),
    );
    await waitFor(
      () =>
        owner.results.some(
          (r) => r.data?.ticketsChanged.orderId === order.id && r.data.ticketsChanged.status === 'ACCEPTED',
        ),
      { what: 'owner sees ACCEPTED' },
    );
    expect(other.results.filter((r) => r.data?.ticketsChanged.orderId === order.id)).toEqual([]);
    // Identical subscriptions share one upstream: two owners with the same operation, one upstream.
    expect((await routerStats()).upstreamsByField.ticketsChanged).toBe(1);
  });

  it('identical subscriptions share one upstream subscription; 1,000 subscribe/unsubscribe cycles leak nothing', async () => {
    const order = await placeOrder(sys, 'hyun');
    const c = client(sys.token('customer', 'hyun'));
    const many = Array.from({ length: 50 }, () => subscribe<Watched>(c, WATCH, { id: order.id }));
    await waitFor(() => many.every((s) => s.results.length > 0), { what: 'current state to every watcher' });
    const stats = await routerStats();
    expect(stats.watchers).toBe(50);
    expect(stats.upstreams).toBe(1);
    expect(stats.groups).toBe(1);
    expect((await dashboardStats()).subscriptions).toBe(1);
    for (const s of many) s.unsubscribe();

    for (let i = 0; i < 1000; i++) {
      const s = subscribe<Watched>(c, WATCH, { id: order.id });
      if (i % 10 === 0) await waitFor(() => s.results.length > 0, { what: 'event' });
      s.unsubscribe();
    }
    await waitFor(async () => (await routerStats()).watchers === 0 && (await routerStats()).upstreams === 0, {
      what: 'router cleaned up',
    });
    await waitFor(async () => (await dashboardStats()).subscriptions === 0, { what: 'dashboard cleaned up' });
  });

  it('dropped upstream connections and a dashboard restart lose nothing: every watcher ends with every status', async () => {
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await placeOrder(sys, `w${i}`));
    const subs = orders.flatMap((o, i) =>
      Array.from({ length: 5 }, () =>
        subscribe<Watched>(client(sys.token('customer', `w${i}`)), WATCH, { id: o.id }),
      ),
    );
    await waitFor(() => subs.every((s) => s.results.length > 0), { what: 'current states' });
    const drop = () => fetch(`${sys.url('router')}/internal/subscriptions/drop-upstream`, { method: 'POST' });
    await Promise.all(
      orders.map(async (o, i) => {
        await waitForTicket(sys, o.id);
        await sys.ok(
          `mutation($id: ID!) { acceptOrder(orderId: $id) { status } }`,
          { id: o.id },
          sys.token('owner', DEMO.owner),
        );
        if (i === 0) await drop();
        await sys.ok(
          `mutation($id: ID!) { startCooking(orderId: $id) { status } }`,
          { id: o.id },
          sys.token('owner', DEMO.owner),
        );
      }),
    );
    // A dashboard crash while orders move on: the router resumes from its last position.
    await sys.stopService('dashboard', 'SIGKILL');
    for (const o of orders)
      await sys.ok(
        `mutation($id: ID!) { markReady(orderId: $id) { status } }`,
        { id: o.id },
        sys.token('owner', DEMO.owner),
      );
    await sys.startService('dashboard');
    await drop();
    for (const [i, o] of orders.entries()) {
      await waitForOrderStatus(sys, `w${i}`, o.id, 'READY');
      await waitFor(async () => (await attempt(sys, 'pickUp', o.id, 'rider', 'rider-1')).data, {
        what: 'pickup',
      });
      await sys.ok(
        `mutation($id: ID!) { completeDelivery(orderId: $id) { status } }`,
        { id: o.id },
        sys.token('rider', 'rider-1'),
      );
    }
    await waitFor(() => subs.every((s) => statuses(s).at(-1) === 'DELIVERED'), {
      what: 'every watcher sees DELIVERED',
      timeoutMs: 60_000,
    });
    for (const s of subs) {
      const seen = statuses(s);
      // Every status, or at least the current state: in order, never going back.
      expect(seen.at(-1)).toBe('DELIVERED');
      const positions = seen.map((st) => LIFECYCLE.indexOf(st));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      const seqs = s.results.map((r) => r.data!.orderStatusChanged.sequence);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const complete = subs.filter((s) => statuses(s).join() === LIFECYCLE.join()).length;
    console.log(
      `after drops and a dashboard restart: ${complete}/${subs.length} watchers saw every status; resumes: ${(await routerStats()).resumes}`,
    );
    // The change feed replays what was missed, so every watcher gets every status.
    expect(complete).toBe(subs.length);
  });

  it('a supergraph change ends active subscriptions with SUBSCRIPTION_SCHEMA_RELOAD', async () => {
    const order = await placeOrder(sys, 'rei');
    const sub = subscribe<Watched>(client(sys.token('customer', 'rei')), WATCH, { id: order.id });
    await waitFor(() => sub.results.length > 0, { what: 'current state' });
    writeFileSync(supergraphPath, `${readFileSync(supergraphPath, 'utf8')}\n# reloaded ${Date.now()}\n`);
    const end = await sub.done;
    expect(end.completed).toBe(true);
    expect(sub.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_SCHEMA_RELOAD');
    // Queries keep working on the new supergraph, and new subscriptions work.
    const again = subscribe<Watched>(client(sys.token('customer', 'rei')), WATCH, { id: order.id });
    await waitFor(() => again.results.length > 0, { what: 'resubscribed' });
    expect(again.results[0]!.data!.orderStatusChanged.status).toBe('PLACED');
  });
});

describe('a subgraph that stays down', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start({ env: { ROUTER_SUBSCRIPTION_GIVE_UP_MS: '3000' } });
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('ends its subscriptions with SUBSCRIPTION_UPSTREAM_UNAVAILABLE instead of leaving clients hanging', async () => {
    const order = await placeOrder(sys, 'nari');
    const c = liveClient(sys.routerUrl, sys.token('customer', 'nari'));
    try {
      const sub = subscribe<Watched>(c, WATCH, { id: order.id });
      await waitFor(() => sub.results.length > 0, { what: 'current state' });
      await sys.stopService('dashboard', 'SIGKILL');
      const end = await sub.done;
      expect(end.completed).toBe(true);
      expect(sub.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_UPSTREAM_UNAVAILABLE');
      const stats = (await sys.routerSubscriptions()) as {
        upstreams: number;
        watchers: number;
      };
      expect(stats).toMatchObject({ upstreams: 0, watchers: 0 });
    } finally {
      await c.dispose();
    }
  });
});
