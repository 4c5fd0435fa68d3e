import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO,
  dashboard,
  driveToDelivered,
  expectCode,
  ORDER_FIELDS,
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
import { storeLayouts, TestSystem, waitFor } from '../harness/TestSystem.js';
import { waitForConsumersCaughtUp, waitForSystemSettled } from '../harness/topics.js';
import { transports } from '../harness/transports.js';

// Every transport with SQLite stores; the PostgreSQL layouts (mixed: order and payment; all) on
// one transport each, Kafka when there is a broker (how a scaled-out deployment runs).
const variants = transports().flatMap((transport, i, all) =>
  storeLayouts()
    .filter((layout) => layout.name === 'sqlite' || i === all.length - 1)
    .map((layout) => ({
      ...transport,
      name: `${transport.name} with ${layout.name} stores`,
      stores: layout.stores,
    })),
);

describe.each(variants)('order lifecycle through the router on $name', (transport) => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await TestSystem.start({ kafkaBrokers: transport.kafkaBrokers, stores: transport.stores });
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('happy path: placed, accepted, cooked, ready, picked up, delivered; one query joins all five contexts', async () => {
    const order = await placeOrder(sys, 'alice', [
      { menuItemId: DEMO.item, quantity: 2 },
      { menuItemId: DEMO.item2, quantity: 1 },
    ]);
    expect(order.status).toBe('PLACED');
    expect(order.version).toBe(1);
    // The total is the server's, from the menu: quantity × the menu's price.
    const expectedTotal = order.items.reduce((sum, i) => sum + i.quantity * i.menuItem.price, 0);
    expect(order.total).toBe(expectedTotal);
    expect(order.items.map((i) => i.menuItem.name)).toEqual(order.items.map((i) => i.name));

    await driveToDelivered(sys, 'alice', order.id);

    const data = await sys.ok<{
      order: {
        status: string;
        version: number;
        store: { name: string };
        items: { menuItem: { name: string } }[];
        payment: { status: string; amount: number };
        delivery: { status: string; riderId: string };
        dashboard: { status: string; deliveredAt: string | null };
      };
    }>(
      `query($id: ID!) { order(id: $id) { status version store { name } items { menuItem { name } }
        payment { status amount } delivery { status riderId } dashboard { status deliveredAt } } }`,
      { id: order.id },
      sys.token('customer', 'alice'),
    );
    expect(data.order.status).toBe('DELIVERED');
    expect(data.order.version).toBe(6);
    expect(data.order.store.name.length).toBeGreaterThan(0);
    expect(data.order.payment).toEqual({ status: 'CAPTURED', amount: expectedTotal });
    expect(data.order.delivery).toEqual({ status: 'DELIVERED', riderId: 'rider-1' });

    const dash = await waitForDashboard(sys, 'alice', order.id, (d) => d.status === 'DELIVERED', 'delivered');
    for (const step of ['placedAt', 'acceptedAt', 'cookingAt', 'readyAt', 'pickedUpAt', 'deliveredAt']) {
      expect(dash[step], step).toBeTruthy();
    }
    expect(dash.version).toBe(6);
    expect(dash.riderId).toBe('rider-1');
    expect(dash.paymentStatus).toBe('CAPTURED');
    expect(dash.canceledAt).toBeNull();
    // Steps happened in order.
    const times = ['placedAt', 'acceptedAt', 'cookingAt', 'readyAt', 'pickedUpAt', 'deliveredAt'].map((k) =>
      Date.parse(dash[k] as string),
    );
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('reject: the store rejects, the order is REJECTED and the payment refunded', async () => {
    const order = await placeOrder(sys, 'alice');
    await waitForTicket(sys, order.id);
    const res = await sys.ok<{ rejectOrder: { status: string; reason: string } }>(
      `mutation($id: ID!) { rejectOrder(orderId: $id, reason: "Out of chicken") { status reason } }`,
      { id: order.id },
      sys.token('owner', DEMO.owner),
    );
    expect(res.rejectOrder).toEqual({ status: 'REJECTED', reason: 'Out of chicken' });
    await waitForOrderStatus(sys, 'alice', order.id, 'REJECTED');
    await waitForRefund(sys, 'alice', order.id);
    const dash = await waitForDashboard(
      sys,
      'alice',
      order.id,
      (d) => d.status === 'REJECTED' && d.paymentStatus === 'REFUNDED',
      'rejected+refunded',
    );
    expect(dash.rejectedAt).toBeTruthy();
    expect(dash.refundedAt).toBeTruthy();
    // A rejected order cannot be accepted or cancelled any more.
    expectCode(await attempt(sys, 'acceptOrder', order.id, 'owner', DEMO.owner), 'INVALID_TRANSITION');
    expectCode(await attempt(sys, 'cancelOrder', order.id, 'customer', 'alice'), 'INVALID_TRANSITION');
  });

  it('cancel before cooking: ticket canceled, order CANCELED, payment refunded exactly once', async () => {
    const order = await placeOrder(sys, 'carol');
    await waitForTicket(sys, order.id);
    await ownerDoes(sys, 'acceptOrder', order.id);
    await waitForOrderStatus(sys, 'carol', order.id, 'ACCEPTED');
    const res = await sys.ok<{ cancelOrder: { status: string } }>(
      `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
      { id: order.id },
      sys.token('customer', 'carol'),
    );
    expect(res.cancelOrder.status).toBe('CANCEL_PENDING');
    await waitForOrderStatus(sys, 'carol', order.id, 'CANCELED');
    expect(await ticketStatus(sys, DEMO.owner, order.id)).toBe('CANCELED');
    await waitForRefund(sys, 'carol', order.id);
    const dash = await waitForDashboard(
      sys,
      'carol',
      order.id,
      (d) => d.status === 'CANCELED' && d.paymentStatus === 'REFUNDED',
      'canceled+refunded',
    );
    expect(dash.cancelRequestedAt).toBeTruthy();
    expect(dash.canceledAt).toBeTruthy();
    // Canceling twice, or cooking a canceled order, is refused and changes nothing.
    expectCode(await attempt(sys, 'cancelOrder', order.id, 'customer', 'carol'), 'INVALID_TRANSITION');
    expectCode(await attempt(sys, 'startCooking', order.id, 'owner', DEMO.owner), 'INVALID_TRANSITION');
    expect(await ticketStatus(sys, DEMO.owner, order.id)).toBe('CANCELED');
  });

  it('illegal transitions get INVALID_TRANSITION and change nothing', async () => {
    const order = await placeOrder(sys, 'dave');
    await waitForTicket(sys, order.id);
    // Cooking before accepting, pickup before ready.
    expectCode(await attempt(sys, 'startCooking', order.id, 'owner', DEMO.owner), 'INVALID_TRANSITION');
    expectCode(await attempt(sys, 'pickUp', order.id, 'rider', 'rider-1'), 'INVALID_TRANSITION');
    await ownerDoes(sys, 'acceptOrder', order.id);
    // Accepting twice.
    const twice = await attempt(sys, 'acceptOrder', order.id, 'owner', DEMO.owner);
    expectCode(twice, 'INVALID_TRANSITION');
    expect(twice.errors?.[0]?.extensions?.currentStatus).toBe('ACCEPTED');
    await ownerDoes(sys, 'startCooking', order.id);
    await waitForOrderStatus(sys, 'dave', order.id, 'COOKING');
    // Cancel after cooking started.
    const late = await sys.gql<{ order: { cancelable: boolean } }>(
      `query($id: ID!) { order(id: $id) { cancelable } }`,
      { id: order.id },
      sys.token('customer', 'dave'),
    );
    expect(late.data?.order.cancelable).toBe(false);
    expectCode(await attempt(sys, 'cancelOrder', order.id, 'customer', 'dave'), 'INVALID_TRANSITION');
    // Everything the refused cancel might have set off has been relayed and consumed by now.
    await waitForSystemSettled(sys);
    expect(await ticketStatus(sys, DEMO.owner, order.id)).toBe('COOKING');
    expect((await paymentStatus(sys, 'dave', order.id))?.status).toBe('CAPTURED');
  });

  it('cancel racing startCooking always ends in one consistent state everywhere', async () => {
    const runs = Number(process.env.E2E_RACE_RUNS ?? 12);
    const outcomes = { canceled: 0, cooking: 0 };
    for (let i = 0; i < runs; i++) {
      const order = await placeOrder(sys, 'erin');
      await waitForTicket(sys, order.id);
      await ownerDoes(sys, 'acceptOrder', order.id);
      await waitForOrderStatus(sys, 'erin', order.id, 'ACCEPTED');
      // Spread the timing so both orders of arrival happen over the runs.
      const skew = (i % 4) * 5;
      const [cancel, cook] = await Promise.all([
        sys.gql<{ cancelOrder: { status: string } }>(
          `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
          { id: order.id },
          sys.token('customer', 'erin'),
        ),
        new Promise((r) => setTimeout(r, skew)).then(() =>
          sys.gql<{ startCooking: { status: string } }>(
            `mutation($id: ID!) { startCooking(orderId: $id) { status } }`,
            { id: order.id },
            sys.token('owner', DEMO.owner),
          ),
        ),
      ]);
      // Wait for the saga to settle.
      const final = await waitFor(
        async () => {
          const s = (
            await sys.gql<{ order: { status: string } }>(
              `query($id: ID!) { order(id: $id) { status } }`,
              { id: order.id },
              sys.token('customer', 'erin'),
            )
          ).data?.order.status;
          return s === 'CANCELED' || s === 'COOKING' ? s : null;
        },
        { what: 'race to settle' },
      );
      const ticket = await ticketStatus(sys, DEMO.owner, order.id);
      if (final === 'CANCELED') {
        outcomes.canceled++;
        expect(ticket).toBe('CANCELED');
        expect(cancel.data?.cancelOrder.status).toBe('CANCEL_PENDING');
        expectCode(cook, 'INVALID_TRANSITION');
        await waitForRefund(sys, 'erin', order.id);
      } else {
        outcomes.cooking++;
        expect(ticket).toBe('COOKING');
        expect(cook.data?.startCooking.status).toBe('COOKING');
        // No refund on its way: the cancel's events, if any, have all been handled.
        await waitForSystemSettled(sys);
        expect((await paymentStatus(sys, 'erin', order.id))?.status).toBe('CAPTURED');
      }
      await waitForDashboard(sys, 'erin', order.id, (d) => d.status === final, `dashboard ${final}`);
    }
    console.log(
      `cancel/startCooking race on ${transport.name}: ${JSON.stringify(outcomes)} over ${runs} runs`,
    );
    expect(outcomes.canceled + outcomes.cooking).toBe(runs);
  });

  it('payment declined: no order exists and the caller gets PAYMENT_DECLINED', async () => {
    const before = await sys.ok<{ myOrders: { id: string }[] }>(
      `{ myOrders(first: 100) { id } }`,
      {},
      sys.token('customer', 'frank'),
    );
    // 99 of the dearest item is over the demo card limit (1,000,000 won).
    const res = await sys.gql(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      {
        input: {
          storeId: DEMO.store,
          items: [
            { menuItemId: DEMO.item, quantity: 99 },
            { menuItemId: DEMO.item2, quantity: 99 },
          ],
        },
      },
      sys.token('customer', 'frank'),
    );
    expectCode(res, 'PAYMENT_DECLINED');
    expect(res.data?.placeOrder ?? null).toBeNull();
    const after = await sys.ok<{ myOrders: { id: string }[] }>(
      `{ myOrders(first: 100) { id } }`,
      {},
      sys.token('customer', 'frank'),
    );
    expect(after.myOrders).toEqual(before.myOrders);
  });

  it('a retried placeOrder with its idempotency key returns the same order; another cart with that key is refused and places nothing', async () => {
    const t = sys.token('customer', 'iris');
    const place = (items: { menuItemId: string; quantity: number }[]) =>
      sys.gql<{ placeOrder: { id: string; total: number; payment: { amount: number } } }>(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id total payment { amount } } }`,
        { input: { storeId: DEMO.store, items, idempotencyKey: 'iris-cart-1' } },
        t,
      );
    const cart = [
      { menuItemId: DEMO.item, quantity: 1 },
      { menuItemId: DEMO.item2, quantity: 1 },
    ];
    const first = await place(cart);
    expect(first.errors).toBeUndefined();
    const again = await place([...cart].reverse());
    expect(again.errors).toBeUndefined();
    expect(again.data!.placeOrder).toEqual(first.data!.placeOrder);
    const other = await place([{ menuItemId: DEMO.item, quantity: 2 }]);
    expectCode(other, 'IDEMPOTENCY_KEY_REUSED');
    expect(other.errors![0]!.extensions!.orderId).toBe(first.data!.placeOrder.id);
    const mine = await sys.ok<{ myOrders: { id: string; payment: { amount: number } | null }[] }>(
      `{ myOrders(first: 100) { id payment { amount } } }`,
      {},
      t,
    );
    expect(mine.myOrders).toEqual([
      { id: first.data!.placeOrder.id, payment: first.data!.placeOrder.payment },
    ]);
  });

  it('bad input gets stable error codes, never a crash', async () => {
    const t = sys.token('customer', 'gina');
    const place = (input: unknown) =>
      sys.gql(`mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`, { input }, t);
    expectCode(await place({ storeId: DEMO.store, items: [] }), 'BAD_USER_INPUT');
    expectCode(
      await place({ storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 0 }] }),
      'BAD_USER_INPUT',
    );
    expectCode(
      await place({ storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1000 }] }),
      'BAD_USER_INPUT',
    );
    expectCode(
      await place({ storeId: 'no-such-store', items: [{ menuItemId: DEMO.item, quantity: 1 }] }),
      'NOT_FOUND',
    );
    expectCode(
      await place({ storeId: DEMO.store, items: [{ menuItemId: 'menu-3-1', quantity: 1 }] }),
      'BAD_USER_INPUT',
    );
    expectCode(
      await place({ storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: '2' }] }),
      'BAD_USER_INPUT',
    );
    expectCode(await sys.gql(`query { order(id: "nope") { id } }`, {}, t), 'NOT_FOUND');
    expectCode(await sys.gql(`query { order(id: 1 { id } }`, {}, t), 'GRAPHQL_PARSE_FAILED');
    expectCode(await sys.gql(`query { nonsense }`, {}, t), 'GRAPHQL_VALIDATION_FAILED');
    const mine = await sys.ok<{ myOrders: unknown[] }>(`{ myOrders { id } }`, {}, t);
    expect(mine.myOrders).toEqual([]);
  });

  it('idempotency: every event of an order delivered again changes nothing', async () => {
    const order = await placeOrder(sys, 'hana');
    await waitForTicket(sys, order.id);
    await ownerDoes(sys, 'acceptOrder', order.id);
    await waitForOrderStatus(sys, 'hana', order.id, 'ACCEPTED');
    const dashBefore = await waitForDashboard(
      sys,
      'hana',
      order.id,
      (d) => d.status === 'ACCEPTED',
      'accepted',
    );
    const replayed = await redeliverOrderEvents(sys, order.id);
    expect(replayed.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'OrderPlaced',
        'OrderAccepted',
        'TicketCreated',
        'TicketAccepted',
        'PaymentCaptured',
      ]),
    );
    // Every consumer has handled the copies (offsets past them); nothing moved.
    await waitForConsumersCaughtUp(sys);
    const after = await sys.ok<{ order: { status: string; version: number } }>(
      `query($id: ID!) { order(id: $id) { status version } }`,
      { id: order.id },
      sys.token('customer', 'hana'),
    );
    expect(after.order).toEqual({ status: 'ACCEPTED', version: 2 });
    expect(await ticketStatus(sys, DEMO.owner, order.id)).toBe('ACCEPTED');
    const tickets = await sys.ok<{ myTickets: { orderId: string }[] }>(
      `{ myTickets { orderId } }`,
      {},
      sys.token('owner', DEMO.owner),
    );
    expect(tickets.myTickets.filter((t) => t.orderId === order.id)).toHaveLength(1);
    expect(await dashboard(sys, 'hana', order.id)).toEqual(dashBefore);
    // A replayed cancel after a real one refunds once.
    await sys.ok(
      `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
      { id: order.id },
      sys.token('customer', 'hana'),
    );
    await waitForOrderStatus(sys, 'hana', order.id, 'CANCELED');
    await waitForRefund(sys, 'hana', order.id);
    const again = await redeliverOrderEvents(sys, order.id);
    expect(again.filter((e) => e.type === 'PaymentRefunded')).toHaveLength(1);
    await waitForConsumersCaughtUp(sys);
    const final = await sys.ok<{ order: { status: string; version: number } }>(
      `query($id: ID!) { order(id: $id) { status version } }`,
      { id: order.id },
      sys.token('customer', 'hana'),
    );
    expect(final.order.status).toBe('CANCELED');
    // The log now holds copies of every event; still only one refund ever happened.
    const refunds = (await redeliverOrderEvents(sys, order.id, false)).filter(
      (e) => e.type === 'PaymentRefunded',
    );
    expect(new Set(refunds.map((e) => e.envelope.id)).size).toBe(1);
    expect((await paymentStatus(sys, 'hana', order.id))?.status).toBe('REFUNDED');
  });

  it('one query reads an order with fields from every context', async () => {
    const order = await placeOrder(sys, 'ivy');
    await waitForDashboard(sys, 'ivy', order.id, (d) => d.status === 'PLACED', 'placed');
    const data = await sys.ok<{
      myOrders: {
        id: string;
        items: { menuItem: { name: string } }[];
        payment: { status: string };
        dashboard: { storeName: string };
      }[];
    }>(
      `{ myOrders { id ${ORDER_FIELDS.split('\n')[0]} items { menuItem { name } } payment { status } dashboard { storeName } } }`,
      {},
      sys.token('customer', 'ivy'),
    );
    expect(data.myOrders).toHaveLength(1);
    expect(data.myOrders[0]!.payment.status).toBe('CAPTURED');
    expect(data.myOrders[0]!.dashboard.storeName.length).toBeGreaterThan(0);
  });
});

/**
 * Reads every event of one order from the bus, exactly as it is stored, and (unless told not to)
 * publishes the same envelopes again: the at-least-once redelivery every consumer must absorb.
 */
async function redeliverOrderEvents(sys: TestSystem, orderId: string, republish = true) {
  const { createEventBus, ALL_TOPICS } = await import('../../packages/platform/src/index.js');
  const env = sys.env('order');
  const bus = await createEventBus(
    {
      name: 'order',
      kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',') : null,
      eventLogPath: `${sys.dataDir}/eventlog.db`,
    },
    env,
  );
  const seen: {
    topic: string;
    key: string;
    envelope: import('../../packages/platform/src/index.js').EventEnvelope;
    type: string;
  }[] = [];
  try {
    const handle = await bus.subscribe({
      group: `e2e-reader-${Math.random().toString(36).slice(2)}`,
      topics: ALL_TOPICS,
      handler: async (r) => {
        if (r.envelope.correlationId === orderId)
          seen.push({ topic: r.topic, key: r.key ?? orderId, envelope: r.envelope, type: r.envelope.type });
      },
    });
    // Read until quiet: the reader group starts from the beginning of every topic.
    let count = -1;
    await waitFor(
      async () => {
        const stable = count === seen.length && count > 0;
        count = seen.length;
        await new Promise((r) => setTimeout(r, 500));
        return stable;
      },
      { what: 'reading the order events', timeoutMs: 30_000 },
    );
    await handle.stop();
    if (republish) await bus.publish(seen.map(({ topic, key, envelope }) => ({ topic, key, envelope })));
    return seen;
  } finally {
    await bus.close();
  }
}
