import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  driveToDelivered,
  ownerDoes,
  placeOrder,
  waitForDeliveryAvailable,
  waitForOrderStatus,
  waitForTicket,
} from '../harness/flows.js';
import { liveClient, subscribe } from '../harness/LiveClient.js';
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
    await waitForTicket(sys, waiting.id);
    await ownerDoes(sys, 'acceptOrder', waiting.id);
    await ownerDoes(sys, 'startCooking', waiting.id);
    await ownerDoes(sys, 'markReady', waiting.id);
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
    await waitFor(
      async () =>
        ((await (await fetch(`${sys.url('router')}/internal/subscriptions`)).json()) as { watchers: number })
          .watchers >= 2,
      { what: 'subscriptions registered' },
    );
    const order = await placeOrder(sys, 'live-c');
    await waitForTicket(sys, order.id);
    await ownerDoes(sys, 'acceptOrder', order.id);
    await ownerDoes(sys, 'startCooking', order.id);
    await ownerDoes(sys, 'markReady', order.id);
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
    await waitForTicket(sys, marker.id);
    await ownerDoes(sys, 'acceptOrder', marker.id);
    await ownerDoes(sys, 'startCooking', marker.id);
    await ownerDoes(sys, 'markReady', marker.id);
    await waitFor(() => late.results.some((r) => r.data?.deliveryAvailable.orderId === marker.id), {
      what: 'marker order on the late feed',
    });
    expect(late.results.map((r) => r.data?.deliveryAvailable.orderId)).not.toContain(order.id);
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
