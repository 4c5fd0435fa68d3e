import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  driveToDelivered,
  kitchenReady,
  ownerDoes,
  placeOrder,
  waitForDeliveryAvailable,
  waitForOrderStatus,
  waitForTicket,
} from '../harness/flows.js';
import { instrumentedClient, liveClient, subscribe } from '../harness/LiveClient.js';
import { TestSystem, waitFor } from '../harness/TestSystem.js';

type Code = { extensions?: { code?: string } };
const codeOf = (r: { errors?: readonly Code[] } | undefined) => r?.errors?.[0]?.extensions?.code;

const FEED = `subscription($after: Int) {
  deliveryAvailable(afterChangeId: $after) {
    orderId status customerId total paymentStatus riderId items { name quantity }
  }
}`;
interface Feed {
  deliveryAvailable: {
    orderId: string;
    status: string;
    customerId: string;
    total: number;
    paymentStatus: string | null;
    riderId: string | null;
  };
}

describe('live subscriptions: authorization of events and replays (rider leak)', () => {
  let sys: TestSystem;
  const clients: Client[] = [];
  const client = (token?: string) => {
    const c = liveClient(sys.routerUrl, token);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    sys = await TestSystem.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await sys?.close();
  });

  /**
   * Waits until the router holds exactly `n` client subscriptions: this test's, once the previous
   * test's (disposed, but maybe still on their way out) are gone.
   */
  const watchersExactly = (n: number) =>
    waitFor(async () => (await sys.routerSubscriptions()).watchers === n, {
      what: `${n} subscriptions registered`,
    });

  /** What a rider's queries show of an order: null when the order query refuses it. */
  const riderQuery = async (rider: string, orderId: string) =>
    (
      await sys.gql<{ order: { id: string; customerId: string; total: number } | null }>(
        `query($id: ID!) { order(id: $id) { id customerId total } }`,
        { id: orderId },
        sys.token('rider', rider),
      )
    ).data?.order ?? null;

  it('deliveryAvailable(afterChangeId: 0) replays only orders a rider query shows now, without payment status', async () => {
    // A past READY order, delivered by rider-1 since; and one still waiting for a rider.
    const past = await placeOrder(sys, 'leak-a');
    await driveToDelivered(sys, 'leak-a', past.id, 'rider-1');
    const waiting = await placeOrder(sys, 'leak-b');
    await kitchenReady(sys, waiting.id);
    await waitForDeliveryAvailable(sys, waiting.id, 'rider-2');

    const feed = subscribe<Feed>(client(sys.token('rider', 'rider-2')), FEED, { after: 0 });
    // The replay runs in change order: the waiting order's READY change comes after the past one's.
    await waitFor(() => feed.results.some((r) => r.data?.deliveryAvailable.orderId === waiting.id), {
      what: 'the waiting order replayed',
    });
    const seen = feed.results.map((r) => r.data?.deliveryAvailable);
    expect(feed.results.every((r) => !r.errors)).toBe(true);
    expect(seen.map((d) => d?.orderId)).not.toContain(past.id);
    // Everything replayed is what rider-2's order query shows now; the payment is not theirs to see.
    for (const d of seen) {
      expect(await riderQuery('rider-2', d!.orderId)).toMatchObject({
        customerId: d!.customerId,
        total: d!.total,
      });
      expect(d!.paymentStatus).toBeNull();
    }
    expect(await riderQuery('rider-2', past.id)).toBeNull();

    // One order's stream: rider-2 may not replay the delivered order's history (its READY snapshot
    // included); rider-1, who delivered it, may.
    const WATCH = `subscription($id: ID!) { orderStatusChanged(orderId: $id, afterChangeId: 0) { orderId status customerId paymentStatus } }`;
    const other = subscribe<{ orderStatusChanged: { status: string } }>(
      client(sys.token('rider', 'rider-2')),
      WATCH,
      { id: past.id },
    );
    const end = await other.done;
    expect(end.completed).toBe(true);
    expect(other.results.filter((r) => r.data)).toEqual([]);
    expect(codeOf(other.results.at(-1))).toBe('FORBIDDEN');
    const own = subscribe<{ orderStatusChanged: { status: string; paymentStatus: string | null } }>(
      client(sys.token('rider', 'rider-1')),
      WATCH,
      { id: past.id },
    );
    await waitFor(() => own.results.some((r) => r.data?.orderStatusChanged.status === 'DELIVERED'), {
      what: 'rider-1 replays the order they delivered',
    });
    expect(own.results.every((r) => !r.errors && r.data?.orderStatusChanged.paymentStatus === null)).toBe(
      true,
    );
    // The customer still gets the payment status on the same kind of stream.
    const customer = subscribe<{ orderStatusChanged: { status: string; paymentStatus: string | null } }>(
      client(sys.token('customer', 'leak-a')),
      WATCH,
      { id: past.id },
    );
    await waitFor(() => customer.results.some((r) => r.data?.orderStatusChanged.status === 'DELIVERED'), {
      what: 'customer replay',
    });
    expect(customer.results.at(-1)?.data?.orderStatusChanged.paymentStatus).toBe('CAPTURED');
  });

  it('live deliveryAvailable events: every rider sees a new READY order; nobody sees it again once picked up', async () => {
    const r1 = subscribe<Feed>(client(sys.token('rider', 'rider-1')), FEED);
    const r2 = subscribe<Feed>(client(sys.token('rider', 'rider-2')), FEED);
    await watchersExactly(2);
    const order = await placeOrder(sys, 'live-c');
    await kitchenReady(sys, order.id);
    for (const s of [r1, r2])
      await waitFor(() => s.results.some((r) => r.data?.deliveryAvailable.orderId === order.id), {
        what: 'READY order on the feed',
      });
    for (const s of [r1, r2]) {
      const d = s.results.find((r) => r.data?.deliveryAvailable.orderId === order.id)!.data!
        .deliveryAvailable;
      expect(d).toMatchObject({ status: 'READY', customerId: 'live-c', paymentStatus: null, riderId: null });
    }
    await waitForOrderStatus(sys, 'live-c', order.id, 'READY');
    expect(
      (
        await sys.ok<{ pickUp: { status: string } }>(
          `mutation($id: ID!) { pickUp(orderId: $id) { status } }`,
          { id: order.id },
          sys.token('rider', 'rider-1'),
        )
      ).pickUp.status,
    ).toBe('PICKED_UP');
    await waitForOrderStatus(sys, 'live-c', order.id, 'PICKED_UP');
    // A later subscriber with a replay from before the READY change does not get it any more.
    const late = subscribe<Feed>(client(sys.token('rider', 'rider-2')), FEED, { after: 0 });
    const marker = await placeOrder(sys, 'live-d');
    await kitchenReady(sys, marker.id);
    await waitFor(() => late.results.some((r) => r.data?.deliveryAvailable.orderId === marker.id), {
      what: 'marker order on the late feed',
    });
    expect(late.results.map((r) => r.data?.deliveryAvailable.orderId)).not.toContain(order.id);
  });

  it('deliveryOffersChanged tells every rider, live and in a replay, that a job another rider took is gone, and nothing else', async () => {
    const OFFERS = `subscription($after: Int) { deliveryOffersChanged(afterChangeId: $after) { orderId available changeId } }`;
    type Offer = { orderId: string; available: boolean; changeId: number };
    type Offers = { deliveryOffersChanged: Offer };
    const offersOf = (s: { results: { data?: Offers | null }[] }, id: string) =>
      s.results.map((r) => r.data?.deliveryOffersChanged).filter((o): o is Offer => o?.orderId === id);
    const taker = subscribe<Offers>(client(sys.token('rider', 'offer-rider-1')), OFFERS);
    const other = subscribe<Offers>(client(sys.token('rider', 'offer-rider-2')), OFFERS);
    const customer = subscribe<Offers>(client(sys.token('customer', 'offer-c')), OFFERS);
    const refused = await customer.done;
    const errors = (Array.isArray(refused.error) ? refused.error : customer.results.at(-1)?.errors) as
      | Code[]
      | undefined;
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await watchersExactly(2);
    const order = await placeOrder(sys, 'offer-c');
    await kitchenReady(sys, order.id);
    for (const s of [taker, other])
      await waitFor(() => offersOf(s, order.id).some((o) => o.available), {
        what: 'the offer on both boards',
      });
    await waitForDeliveryAvailable(sys, order.id);
    await sys.ok(
      `mutation($id: ID!) { pickUp(orderId: $id) { status } }`,
      { id: order.id },
      sys.token('rider', 'offer-rider-1'),
    );
    for (const s of [taker, other])
      await waitFor(() => offersOf(s, order.id).at(-1)?.available === false, {
        what: 'the offer gone on both boards',
      });
    // Only the order's id and whether it is free: the rider who took it and the customer stay unsaid.
    const gone = other.results.find((r) => r.data?.deliveryOffersChanged.available === false)!;
    expect(Object.keys(gone.data!.deliveryOffersChanged).sort()).toEqual([
      'available',
      'changeId',
      'orderId',
    ]);
    expect(JSON.stringify(gone)).not.toContain('offer-rider-1');
    expect(JSON.stringify(gone)).not.toContain('offer-c');
    // A rider resuming from before the order was ready never hears it offered, only gone.
    const replay = subscribe<Offers>(client(sys.token('rider', 'offer-rider-3')), OFFERS, { after: 0 });
    await waitFor(() => offersOf(replay, order.id).length > 0, { what: 'the order in a replay' });
    expect(offersOf(replay, order.id).every((o) => !o.available)).toBe(true);
  });

  it('a feed that needs no other subgraph is completed once per event, however many riders watch it', async () => {
    type Offers = { deliveryOffersChanged: { orderId: string; available: boolean } };
    const OFFERS = `subscription { deliveryOffersChanged { orderId available } }`;
    const stats = async () =>
      (await sys.routerSubscriptions()) as {
        watchers: number;
        groups: number;
        eventsReceived: number;
        eventsCompleted: number;
      };
    const riders = ['share-1', 'share-2', 'share-3'].map((r) =>
      subscribe<Offers>(client(sys.token('rider', r)), OFFERS),
    );
    // Exactly these three: the previous test's watchers may still be on their way out.
    await waitFor(
      async () => {
        const now = await stats();
        return now.watchers === 3 && now.groups === 3;
      },
      { what: 'the three riders, and only they, subscribed' },
    );
    const before = await stats();
    const order = await placeOrder(sys, 'share-c');
    await kitchenReady(sys, order.id);
    for (const s of riders)
      await waitFor(
        () =>
          s.results.some(
            (r) =>
              r.data?.deliveryOffersChanged.orderId === order.id && r.data.deliveryOffersChanged.available,
          ),
        { what: 'the offer on every board' },
      );
    const after = await stats();
    const received = after.eventsReceived - before.eventsReceived;
    // One completion per event, shared by the three riders' groups (three per event otherwise).
    expect(received).toBeGreaterThan(0);
    expect(after.eventsCompleted - before.eventsCompleted).toBeLessThanOrEqual(received);
  });
});

describe('a quiet upstream that drops twice', () => {
  const GIVE_UP_MS = 8000;
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start({ env: { ROUTER_SUBSCRIPTION_GIVE_UP_MS: String(GIVE_UP_MS) } });
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('keeps its subscription: a successful resubscribe resets the give-up clock, not only an event', async () => {
    const order = await placeOrder(sys, 'quiet');
    await waitForTicket(sys, order.id);
    const c = liveClient(sys.routerUrl, sys.token('customer', 'quiet'));
    const dashboardSubs = async () =>
      ((await (await fetch(`${sys.url('dashboard')}/internal/live`)).json()) as { subscriptions: number })
        .subscriptions;
    try {
      const sub = subscribe<{ orderStatusChanged: { status: string } }>(
        c,
        `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status } }`,
        { id: order.id },
      );
      await waitFor(() => sub.results.length > 0, { what: 'current state' });
      const firstDrop = Date.now();
      await sys.restartService('dashboard');
      await waitFor(async () => (await dashboardSubs()) === 1, {
        what: 'router resubscribed',
        timeoutMs: 30_000,
      });
      // No event since: let the first drop fall further behind than the give-up time.
      await waitFor(() => Date.now() - firstDrop > GIVE_UP_MS + 1000, { timeoutMs: GIVE_UP_MS + 5000 });
      await sys.restartService('dashboard');
      await waitFor(async () => (await dashboardSubs()) === 1, {
        what: 'router resubscribed again',
        timeoutMs: 30_000,
      });
      expect(sub.results.filter((r) => r.errors)).toEqual([]);
      await ownerDoes(sys, 'acceptOrder', order.id);
      await waitFor(() => sub.results.some((r) => r.data?.orderStatusChanged.status === 'ACCEPTED'), {
        what: 'ACCEPTED after two drops',
      });
      expect(sub.results.filter((r) => r.errors)).toEqual([]);
    } finally {
      await c.dispose();
    }
  });
});

interface RouterStats {
  watchers: number;
  upstreams: number;
  replayUpstreams: number;
  upstreamDeadPeers: number;
  clientConnections: number;
  clientDrops: { slowClients: number; expiredTokens: number };
}

describe('subscription limits, slow clients, token expiry', () => {
  let sys: TestSystem;
  const clients: Client[] = [];
  const client = (token?: string) => {
    const c = liveClient(sys.routerUrl, token);
    clients.push(c);
    return c;
  };
  const stats = () => sys.routerSubscriptions<RouterStats>();
  /** The subscribe error's code and extensions, once the router refused it. */
  const refusal = async (sub: { done: Promise<{ error?: unknown }> }) => {
    let end: { error?: unknown } | null = null;
    void sub.done.then((e) => {
      end = e;
    });
    await waitFor(() => end !== null, { what: 'the subscription refused', timeoutMs: 15_000 });
    return (
      (end as { error?: unknown } | null)?.error as { extensions?: Record<string, unknown> }[] | undefined
    )?.[0]?.extensions;
  };
  beforeAll(async () => {
    sys = await TestSystem.start({
      env: {
        ROUTER_MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
        ROUTER_MAX_SUBSCRIPTIONS_PER_CALLER: '5',
        ROUTER_MAX_REPLAYS_PER_CALLER: '2',
        ROUTER_MAX_REPLAY_UPSTREAMS: '3',
      },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await waitFor(async () => (await stats()).watchers === 0, { what: 'subscriptions released' });
  });
  afterAll(async () => {
    await sys?.close();
  });

  const MINE = `subscription($after: Int) { myOrdersChanged(afterChangeId: $after) { orderId status } }`;

  it('refuses subscriptions past the per-socket and per-caller limits with SUBSCRIPTION_LIMIT_EXCEEDED', async () => {
    const token = sys.token('customer', 'limited');
    const first = client(token);
    const subs = [0, 1, 2].map(() => subscribe(first, MINE));
    await waitFor(async () => (await stats()).watchers === 3, { what: 'three subscriptions' });
    expect(await refusal(subscribe(first, MINE))).toMatchObject({
      code: 'SUBSCRIPTION_LIMIT_EXCEEDED',
      scope: 'socket',
      limit: 3,
    });
    // A freed slot can be used again.
    subs[0]!.unsubscribe();
    await waitFor(async () => (await stats()).watchers === 2, { what: 'one released' });
    subscribe(first, MINE);
    await waitFor(async () => (await stats()).watchers === 3, { what: 'slot reused' });
    // The same caller on a second socket: 5 in all, then refused.
    const second = client(token);
    subscribe(second, MINE);
    subscribe(second, MINE);
    await waitFor(async () => (await stats()).watchers === 5, { what: 'five subscriptions' });
    expect(await refusal(subscribe(second, MINE))).toMatchObject({
      code: 'SUBSCRIPTION_LIMIT_EXCEEDED',
      scope: 'caller',
      limit: 5,
    });
    // Another caller is not affected.
    subscribe(client(sys.token('customer', 'unlimited')), MINE);
    await waitFor(async () => (await stats()).watchers === 6, { what: 'another caller subscribes' });
  });

  it('bounds upstream subscriptions created from client-chosen afterChangeId values', async () => {
    const b = client(sys.token('customer', 'replayer-b'));
    subscribe(b, MINE, { after: 1 });
    subscribe(b, MINE, { after: 2 });
    await waitFor(async () => (await stats()).replayUpstreams === 2, { what: 'two replay upstreams' });
    expect(await refusal(subscribe(b, MINE, { after: 3 }))).toMatchObject({
      code: 'SUBSCRIPTION_LIMIT_EXCEEDED',
      scope: 'replays',
      limit: 2,
    });
    subscribe(client(sys.token('customer', 'replayer-c')), MINE, { after: 4 });
    await waitFor(async () => (await stats()).replayUpstreams === 3, { what: 'three replay upstreams' });
    const d = client(sys.token('customer', 'replayer-d'));
    expect(await refusal(subscribe(d, MINE, { after: 5 }))).toMatchObject({
      code: 'SUBSCRIPTION_LIMIT_EXCEEDED',
      scope: 'replayUpstreams',
      limit: 3,
    });
    // A position that already has an upstream shares it; no new one is needed.
    subscribe(d, MINE, { after: 4 });
    await waitFor(async () => (await stats()).watchers === 4, { what: 'shared replay upstream' });
    expect((await stats()).replayUpstreams).toBe(3);
  });

  it('checks authentication before validating or planning a subscription', async () => {
    const anon = client();
    // Invalid too, but the caller is the first thing checked.
    expect(await refusal(subscribe(anon, `subscription { noSuchField }`))).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    expect(await refusal(subscribe(anon, MINE))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('ends the WebSocket session with close 4001 when its token expires (exp plus the 30 s leeway, as over HTTP)', async () => {
    // Expired 27 s ago: still accepted over HTTP for 3 s, and so is the session.
    const c = instrumentedClient(sys.routerUrl, sys.token('customer', 'short-lived', -27));
    clients.push(c.client);
    const sub = subscribe(c.client, MINE);
    await waitFor(async () => (await stats()).watchers === 1, { what: 'subscribed' });
    await waitFor(() => c.closes.length > 0, { what: 'session closed at exp', timeoutMs: 15_000 });
    expect(c.closes[0]).toBe(4001);
    expect((await sub.done).completed).toBe(false);
    expect((await stats()).clientDrops.expiredTokens).toBeGreaterThanOrEqual(1);
  });
});

describe('a slow client', () => {
  /** Heavy subscriptions on the slow socket: enough bytes per change to fill the kernel's socket buffers soon. */
  const HEAVY_SUBSCRIPTIONS = 15;
  let sys: TestSystem;
  const clients: Client[] = [];
  const client = (token?: string) => {
    const c = liveClient(sys.routerUrl, token);
    clients.push(c);
    return c;
  };
  const stats = () => sys.routerSubscriptions<RouterStats>();
  const MINE = `subscription { myOrdersChanged { orderId status } }`;
  beforeAll(async () => {
    sys = await TestSystem.start({ env: { ROUTER_MAX_QUEUED_BYTES_PER_SOCKET: '65536' } });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await sys?.close();
  });

  it('drops a client that stops reading (close 4002) while a fast client on the same order keeps receiving', {
    timeout: 300_000,
  }, async () => {
    const customer = 'slow-and-fast';
    const token = sys.token('customer', customer);
    const watched = await placeOrder(sys, customer);
    const lines = [1, 2, 3, 4, 5].map((n) => ({ menuItemId: `menu-1-${n}`, quantity: 1 }));
    // Heavy results: every line, many times over (aliases), on every change of the customer's orders.
    const heavy = `subscription { myOrdersChanged { orderId status ${Array.from(
      { length: 25 },
      (_, i) => `l${i}: items { menuItemId name quantity unitPrice }`,
    ).join(' ')} } }`;
    const WATCH = `subscription($id: ID!) { orderStatusChanged(orderId: $id) { orderId status sequence } }`;
    const slow = instrumentedClient(sys.routerUrl, token);
    clients.push(slow.client);
    const slowWatch = subscribe<{ orderStatusChanged: { status: string } }>(slow.client, WATCH, {
      id: watched.id,
    });
    for (let i = 0; i < HEAVY_SUBSCRIPTIONS; i++) subscribe(slow.client, heavy);
    const fast = client(token);
    const fastWatch = subscribe<{ orderStatusChanged: { status: string } }>(fast, WATCH, { id: watched.id });
    const fastFeed = subscribe<{ myOrdersChanged: { orderId: string } }>(fast, MINE);
    await waitFor(async () => (await stats()).watchers === HEAVY_SUBSCRIPTIONS + 3, {
      what: 'subscriptions registered',
    });
    await waitFor(() => slowWatch.results.length > 0 && fastWatch.results.length > 0, {
      what: 'current state',
    });
    slow.pause();
    const placed: string[] = [];
    const dropsBefore = (await stats()).clientDrops.slowClients;
    // Changes until the router gives up on the slow client (its socket buffers fill first).
    await waitFor(
      async () => {
        placed.push((await placeOrder(sys, customer, lines)).id);
        return (await stats()).clientDrops.slowClients > dropsBefore || placed.length >= 400;
      },
      { what: 'the slow client dropped', timeoutMs: 200_000, intervalMs: 0 },
    );
    expect((await stats()).clientDrops.slowClients).toBe(dropsBefore + 1);
    // The fast client got every new order while the slow one was stuck.
    await waitFor(
      () => placed.every((id) => fastFeed.results.some((r) => r.data?.myOrdersChanged.orderId === id)),
      {
        what: 'fast client received every order',
      },
    );
    // ...and keeps receiving on the order both watched.
    await waitForTicket(sys, watched.id);
    await ownerDoes(sys, 'acceptOrder', watched.id);
    await waitFor(() => fastWatch.results.some((r) => r.data?.orderStatusChanged.status === 'ACCEPTED'), {
      what: 'fast client sees ACCEPTED',
    });
    // The slow client's connection is gone (its subscriptions are no longer counted).
    await waitFor(async () => (await stats()).watchers === 2, { what: 'slow client released' });
    slow.resume();
    await waitFor(() => slow.closes.length > 0, { what: 'slow client sees its socket closed' });
    console.log(
      `slow client dropped after ${placed.length} orders (~${placed.length * 2} changes); close codes seen by it: ${slow.closes.join(', ')}`,
    );
  });
});

describe('a frozen dashboard (SIGSTOP): dead peer detected by the pong timeout', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await TestSystem.start({
      env: {
        ROUTER_UPSTREAM_KEEPALIVE_MS: '1000',
        ROUTER_UPSTREAM_PONG_TIMEOUT_MS: '1500',
        ROUTER_SUBSCRIPTION_GIVE_UP_MS: '6000',
      },
    });
  });
  afterAll(async () => {
    if (sys?.isRunning('dashboard')) sys.signal('dashboard', 'SIGCONT');
    await sys?.close();
  });
  const stats = () => sys.routerSubscriptions<RouterStats>();

  it('a frozen subgraph holds only the events that need it: other groups of the same upstream keep receiving', async () => {
    const order = await placeOrder(sys, 'two-groups');
    await waitForTicket(sys, order.id);
    const c = liveClient(sys.routerUrl, sys.token('customer', 'two-groups'));
    type Ev = { orderStatusChanged: { status: string } };
    try {
      // Same upstream subscription (same dashboard fields), two groups: one needs payment, one does not.
      const needsPayment = subscribe<Ev>(
        c,
        `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status order { payment { status } } } }`,
        { id: order.id },
      );
      const orderOnly = subscribe<Ev>(
        c,
        `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status order { total } } }`,
        { id: order.id },
      );
      await waitFor(() => needsPayment.results.length > 0 && orderOnly.results.length > 0, {
        what: 'current state',
      });
      expect((await stats()).upstreams).toBe(1);
      const statuses = (sub: { results: { data?: Ev | null }[] }) =>
        sub.results.map((r) => r.data?.orderStatusChanged.status);
      sys.signal('payment', 'SIGSTOP');
      try {
        await ownerDoes(sys, 'acceptOrder', order.id);
        await ownerDoes(sys, 'startCooking', order.id);
        await waitFor(() => statuses(orderOnly).includes('COOKING'), { what: 'COOKING without payment' });
        // The group that needs payment is still waiting on its first new event.
        expect(statuses(needsPayment)).not.toContain('ACCEPTED');
      } finally {
        sys.signal('payment', 'SIGCONT');
      }
      await waitFor(() => statuses(needsPayment).includes('COOKING'), {
        what: 'payment group catches up',
        timeoutMs: 60_000,
      });
      expect(statuses(needsPayment).filter((st) => st !== 'PLACED')).toEqual(['ACCEPTED', 'COOKING']);
    } finally {
      await c.dispose();
    }
  });

  it('cuts the connection and resumes after a short freeze; gives up with SUBSCRIPTION_UPSTREAM_UNAVAILABLE after a long one', async () => {
    const order = await placeOrder(sys, 'frozen');
    await waitForTicket(sys, order.id);
    const c = liveClient(sys.routerUrl, sys.token('customer', 'frozen'));
    try {
      const sub = subscribe<{ orderStatusChanged: { status: string } }>(
        c,
        `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status } }`,
        { id: order.id },
      );
      await waitFor(() => sub.results.length > 0, { what: 'current state' });
      sys.signal('dashboard', 'SIGSTOP');
      try {
        await waitFor(async () => (await stats()).upstreamDeadPeers >= 1, {
          what: 'dead peer detected',
          timeoutMs: 15_000,
        });
      } finally {
        sys.signal('dashboard', 'SIGCONT');
      }
      await ownerDoes(sys, 'acceptOrder', order.id);
      await waitFor(() => sub.results.some((r) => r.data?.orderStatusChanged.status === 'ACCEPTED'), {
        what: 'ACCEPTED after the freeze',
      });
      expect(sub.results.filter((r) => r.errors)).toEqual([]);

      const frozenAt = Date.now();
      sys.signal('dashboard', 'SIGSTOP');
      let end: Awaited<typeof sub.done> | null = null;
      void sub.done.then((e) => {
        end = e;
      });
      try {
        await waitFor(() => end !== null, { what: 'the subscription given up', timeoutMs: 40_000 });
      } finally {
        sys.signal('dashboard', 'SIGCONT');
      }
      expect(end!.completed).toBe(true);
      expect(sub.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_UPSTREAM_UNAVAILABLE');
      console.log(
        `frozen upstream given up after ${Date.now() - frozenAt} ms (give-up 6000 ms, pong timeout 1500 ms)`,
      );
    } finally {
      await c.dispose();
    }
  });
});
