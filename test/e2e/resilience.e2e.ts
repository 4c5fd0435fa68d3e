import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO,
  driveToDelivered,
  expectCode,
  ORDER_OWN_FIELDS,
  ownerDoes,
  paymentStatus,
  placeOrder,
  ticketStatus,
  waitForDashboard,
  waitForOrderStatus,
  waitForTicket,
  attempt,
  waitForRefund,
} from '../harness/flows.js';
import { consumerKilledBetweenHandleAndCommit } from '../harness/consumerCrash.js';
import { signCallerHeaders } from '../../packages/platform/src/index.js';
import { SUBGRAPH_NAMES, TestSystem, waitFor } from '../harness/TestSystem.js';
import { transports } from '../harness/transports.js';

describe.each(transports())('failure handling on $name', (transport) => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await TestSystem.start({
      kafkaBrokers: transport.kafkaBrokers,
      // Unconfirmed captures are checked after 1.5 s (5 min in production) so the orphan test is quick.
      env: { PAYMENT_ORPHAN_AFTER_MS: '1500', PAYMENT_SWEEP_INTERVAL_MS: '300' },
    });
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('orders are accepted while the store context is down; it creates every ticket when it returns', async () => {
    await sys.stopService('store');
    const orders = [];
    try {
      // Only fields the order context owns: the store's own fields are unavailable right now.
      for (let i = 0; i < 5; i++)
        orders.push(await placeOrder(sys, 'kim', undefined, undefined, ORDER_OWN_FIELDS));
      expect(orders.every((o) => o.status === 'PLACED')).toBe(true);
      // The dashboard (another context) still follows while the store is away.
      await waitForDashboard(
        sys,
        'kim',
        orders[4]!.id,
        (d) => d.status === 'PLACED',
        'placed while store down',
      );
    } finally {
      await sys.startService('store');
    }
    for (const o of orders) await waitForTicket(sys, o.id);
    const tickets = await sys.ok<{ myTickets: { orderId: string; status: string }[] }>(
      `{ myTickets { orderId status } }`,
      {},
      sys.token('owner', DEMO.owner),
    );
    for (const o of orders)
      expect(tickets.myTickets.filter((t) => t.orderId === o.id)).toEqual([
        { orderId: o.id, status: 'AWAITING_ACCEPTANCE' },
      ]);
    // And the saga goes on for them.
    await driveToDelivered(sys, 'kim', orders[0]!.id);
  });

  it('payment down: placeOrder fails fast with PAYMENT_UNAVAILABLE and a retry hint, and no order exists', async () => {
    const before = await sys.ok<{ myOrders: { id: string }[] }>(
      `{ myOrders(first: 100) { id } }`,
      {},
      sys.token('customer', 'lee'),
    );
    await sys.stopService('payment');
    try {
      const res = await sys.gql(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
        { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
        sys.token('customer', 'lee'),
      );
      expectCode(res, 'PAYMENT_UNAVAILABLE');
      expect(typeof res.errors?.[0]?.extensions?.retryAfterSeconds).toBe('number');
      const after = await sys.ok<{ myOrders: { id: string }[] }>(
        `{ myOrders(first: 100) { id } }`,
        {},
        sys.token('customer', 'lee'),
      );
      expect(after.myOrders).toEqual(before.myOrders);
    } finally {
      await sys.startService('payment');
    }
    // After the breaker's reset window, orders go through again.
    const order = await waitFor(() => placeOrder(sys, 'lee').catch(() => null), {
      timeoutMs: 30_000,
      intervalMs: 500,
      what: 'payment back',
    });
    expect(order.status).toBe('PLACED');
  });

  it('authorization: callers see and change only what is theirs', async () => {
    const order = await placeOrder(sys, 'alice');
    await waitForTicket(sys, order.id);
    const q = `query($id: ID!) { order(id: $id) { id status } }`;
    // Another customer can neither read nor cancel it.
    expectCode(await sys.gql(q, { id: order.id }, sys.token('customer', 'bob')), 'FORBIDDEN');
    expectCode(await attempt(sys, 'cancelOrder', order.id, 'customer', 'bob'), 'FORBIDDEN');
    // Another store's owner cannot act on its ticket; a customer cannot act as an owner.
    expectCode(await attempt(sys, 'acceptOrder', order.id, 'owner', DEMO.otherOwner), 'FORBIDDEN');
    expectCode(await attempt(sys, 'acceptOrder', order.id, 'customer', 'alice'), 'FORBIDDEN');
    expect(await ticketStatus(sys, DEMO.owner, order.id)).toBe('AWAITING_ACCEPTANCE');
    // No token: placing an order needs one; a bad token is refused at the router.
    expectCode(
      await sys.gql(
        `mutation { placeOrder(input: { storeId: "store-1", items: [{ menuItemId: "menu-1-1", quantity: 1 }] }) { id } }`,
      ),
      'UNAUTHENTICATED',
    );
    const forged = await sys.gql(
      `{ myOrders { id } }`,
      {},
      `${sys.token('customer', 'alice').slice(0, -4)}AAAA`,
    );
    expect(forged.status).toBe(401);
    expectCode(forged, 'UNAUTHENTICATED');
    // Subgraphs refuse identity that did not come from the router.
    const direct = await fetch(`${sys.url('order')}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-baemin-caller': Buffer.from(
          JSON.stringify({ id: 'alice', role: 'customer', ts: Date.now() }),
        ).toString('base64url'),
        'x-baemin-caller-signature': 'forged',
      },
      body: JSON.stringify({ query: `{ myOrders { id } }` }),
    });
    expect(direct.status).toBe(401);
    // Riders: only the rider who picked it up completes it.
    await ownerDoes(sys, 'acceptOrder', order.id);
    await ownerDoes(sys, 'startCooking', order.id);
    await ownerDoes(sys, 'markReady', order.id);
    await waitFor(async () => (await attempt(sys, 'pickUp', order.id, 'rider', 'rider-1')).data, {
      what: 'pickup',
    });
    expectCode(await attempt(sys, 'completeDelivery', order.id, 'rider', 'rider-2'), 'FORBIDDEN');
    expectCode(await sys.gql(q, { id: order.id }, sys.token('rider', 'rider-2')), 'FORBIDDEN');
    // The dashboard is private too.
    const dash = await sys.gql<{ dashboard: unknown }>(
      `query($id: ID!) { dashboard(orderId: $id) { status } }`,
      { id: order.id },
      sys.token('customer', 'bob'),
    );
    expect(dash.data?.dashboard ?? null).toBeNull();
  });

  it('a crash of every process mid-saga loses nothing', async () => {
    const placed = [];
    for (let i = 0; i < 4; i++) placed.push(await placeOrder(sys, 'min'));
    for (const o of placed) await waitForTicket(sys, o.id);
    await ownerDoes(sys, 'acceptOrder', placed[0]!.id);
    await ownerDoes(sys, 'acceptOrder', placed[1]!.id);
    await ownerDoes(sys, 'startCooking', placed[1]!.id);
    const canceled = placed[2]!;
    await sys.ok(
      `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
      { id: canceled.id },
      sys.token('customer', 'min'),
    );
    // Kill everything at once, mid-flight (no clean shutdown), and bring it all back.
    await Promise.all([...SUBGRAPH_NAMES, 'router' as const].map((n) => sys.stopService(n, 'SIGKILL')));
    await Promise.all(SUBGRAPH_NAMES.map((n) => sys.startService(n, { waitReady: false })));
    await sys.startService('router', { waitReady: false });
    for (const n of [...SUBGRAPH_NAMES, 'router' as const]) await sys.waitReady(n);

    await waitForOrderStatus(sys, 'min', placed[0]!.id, 'ACCEPTED');
    await waitForOrderStatus(sys, 'min', placed[1]!.id, 'COOKING');
    await waitForOrderStatus(sys, 'min', canceled.id, 'CANCELED');
    await waitForRefund(sys, 'min', canceled.id);
    await waitForOrderStatus(sys, 'min', placed[3]!.id, 'PLACED');
    // Every order goes on to the end after the restart.
    await driveToDelivered(sys, 'min', placed[3]!.id);
    const tickets = await sys.ok<{ myTickets: { orderId: string }[] }>(
      `{ myTickets { orderId } }`,
      {},
      sys.token('owner', DEMO.owner),
    );
    for (const o of placed) expect(tickets.myTickets.filter((t) => t.orderId === o.id)).toHaveLength(1);
    for (const o of placed) {
      const order = await sys.ok<{ order: { status: string } }>(
        `query($id: ID!) { order(id: $id) { status } }`,
        { id: o.id },
        sys.token('customer', 'min'),
      );
      await waitForDashboard(
        sys,
        'min',
        o.id,
        (d) => d.status === order.order.status,
        `dashboard mirrors ${order.order.status}`,
      );
    }
  });

  // On Kafka the same scenario runs in test/e2e/kafka.e2e.ts (with a plain kafkajs reader).
  it.runIf(transport.name === 'embedded')(
    'a consumer SIGKILLed after committing its effect, before the offset commit: the redelivery changes nothing',
    async () => {
      await consumerKilledBetweenHandleAndCommit(sys);
    },
  );

  it('a capture whose order was never written (order died in between) is refunded; real orders are not', async () => {
    const real = await placeOrder(sys, 'ghost');
    // What placeOrder does first, without the order ever being written: a charge and nothing else.
    const orphanId = `orphan-${Date.now()}`;
    const res = await fetch(`${sys.url('payment')}/internal/payments/capture`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signCallerHeaders({ id: 'order', role: 'service' }, sys.env('payment').INTERNAL_SECRET!),
      },
      body: JSON.stringify({
        orderId: orphanId,
        customerId: 'ghost',
        storeId: DEMO.store,
        ownerId: DEMO.owner,
        amount: 9000,
      }),
    });
    expect(res.status).toBe(200);
    await waitForRefund(sys, 'ghost', orphanId, 30_000);
    // The real order's payment is older than the orphan threshold by now, and stays captured.
    expect((await paymentStatus(sys, 'ghost', real.id))?.status).toBe('CAPTURED');
  });
});
