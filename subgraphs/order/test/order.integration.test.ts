import {
  type Caller,
  cursorList,
  encodeCursor,
  createEnvelope,
  DeliveryEvents,
  loadServiceConfig,
  PaymentEvents,
  type OrderPlacedPayload,
  type StoreUpsertedPayload,
  StoreEvents,
  Topics,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../src/server.js';
import { catalogMenuItems, catalogStores, orderItems, orders, sagaNudges } from '../src/db/schema.js';
import { PAYMENT_REFUNDED_REASON } from '../src/orderStateMachine.js';
import { SAGA_TIMEOUT_REASON } from '../src/SagaTimeouts.js';
import { SNAPSHOTS, snapshotEnvelope } from './fixtures.js';
import {
  alice,
  bob,
  codeOf,
  eventsOn,
  gql,
  owner1,
  owner2,
  readyStatus,
  republish,
  rider1,
  rider2,
  SECRET,
  tempDir,
  testStoreEngine,
  waitFor,
  waitSettled,
} from '@baemin/platform/testing';
import { deliveryEvent, type Harness, startHarness, ticketEvent } from './orderHarness.js';

const ORDER = `id customerId status version total cancelable statusReason placedAt updatedAt
  store { id } items { menuItem { id } name quantity unitPrice lineTotal }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER} } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(orderId: $id) { id status version cancelable } }`;
const GET = `query($id: ID!) { order(id: $id) { id status version statusReason } }`;

let h: Harness;
// An event for an unknown order is retried this long before the DLQ (default 60 s).
process.env.EVENT_UNKNOWN_ENTITY_RETRY_MS = '1000';

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function place(caller: Caller = alice, input: Record<string, unknown> = {}) {
  const r = await gql(
    h.order.url,
    PLACE,
    { input: { storeId: 'store-1', items: [{ menuItemId: 'menu-1-1', quantity: 1 }], ...input } },
    caller,
  );
  return r;
}

async function placed(caller: Caller = alice) {
  const r = await place(caller);
  expect(r.errors).toBeUndefined();
  const [row] = await h.order.database.reader
    .select()
    .from(orders)
    .where(eq(orders.id, r.data!.placeOrder.id));
  return row!;
}

const orderTypes = (id: string) => eventsOn(h.bus, Topics.order, id).map((e) => e.type);

async function statusOf(id: string) {
  const [row] = await h.order.database.reader.select().from(orders).where(eq(orders.id, id));
  return row!;
}

const orderCount = async () => (await h.order.database.reader.select({ id: orders.id }).from(orders)).length;

describe('catalogue replica and readiness', () => {
  it('is ready with no store at all (a new platform), and prices a store once its snapshot arrives', async () => {
    const fresh = await startHarness({}, false);
    try {
      // No stores is a legitimate state (stores come from owners; demo data only from `npm run seed`).
      await waitFor(async () => (await readyStatus(fresh.order.url)) === 200, {
        timeoutMs: 4000,
        what: 'ready',
      });
      const [none] = await fresh.order.database.reader.select().from(catalogStores);
      expect(none).toBeUndefined();
      await republish(fresh.bus, Topics.store, snapshotEnvelope(SNAPSHOTS[0]!));
      await waitFor(
        async () =>
          (await fresh.order.database.reader.select().from(catalogStores)).some(
            (s) => s.id === SNAPSHOTS[0]!.storeId,
          ),
        { timeoutMs: 4000, what: 'replicated store' },
      );
    } finally {
      await fresh.close();
    }
  });

  it('applies newer snapshots (replacing the menu) and ignores older ones', async () => {
    const v2: StoreUpsertedPayload = {
      ...SNAPSHOTS[1]!,
      version: 2,
      name: 'Jongno Bibimbap 2',
      menu: [
        { menuItemId: 'menu-3-1', name: 'Dolsot Bibimbap', price: 12000, available: true },
        { menuItemId: 'menu-3-7', name: 'Yukhoe Bibimbap', price: 15000, available: true },
      ],
    };
    await republish(h.bus, Topics.store, snapshotEnvelope(v2));
    await republish(h.bus, Topics.store, snapshotEnvelope({ ...SNAPSHOTS[1]!, version: 1, name: 'stale' }));
    await republish(h.bus, Topics.store, snapshotEnvelope({ ...v2, name: 'same version, ignored' }));
    const db = h.order.database.reader;
    await waitFor(async () => {
      const [s] = await db.select().from(catalogStores).where(eq(catalogStores.id, 'store-3'));
      return s?.version === 2;
    });
    // The stale and same-version copies come after v2 on the same partition: consumed too.
    await waitSettled(h.order.url);
    const [s] = await db.select().from(catalogStores).where(eq(catalogStores.id, 'store-3'));
    expect(s).toMatchObject({ name: 'Jongno Bibimbap 2', version: 2 });
    const menu = await db.select().from(catalogMenuItems).where(eq(catalogMenuItems.storeId, 'store-3'));
    expect(menu.map((m) => [m.id, m.price]).sort()).toEqual([
      ['menu-3-1', 12000],
      ['menu-3-7', 15000],
    ]);
  });
});

describe('placeOrder', () => {
  it('runs on the store engine the test project names (the unit-postgres project: PostgreSQL)', () => {
    expect(h.order.database.dialect).toBe(testStoreEngine());
  });

  it('prices server-side, merges lines, captures payment, then stores the order and OrderPlaced', async () => {
    const captures = h.stub.captures.length;
    const r = await place(alice, {
      items: [
        { menuItemId: 'menu-1-1', quantity: 2 },
        { menuItemId: 'menu-1-5', quantity: 1 },
        { menuItemId: 'menu-1-1', quantity: 1 },
      ],
    });
    expect(r.errors).toBeUndefined();
    const o = r.data!.placeOrder;
    expect(o).toMatchObject({
      customerId: 'alice',
      status: 'PLACED',
      version: 1,
      total: 3 * 19000 + 5000,
      cancelable: true,
      statusReason: null,
      store: { id: 'store-1' },
      items: [
        {
          menuItem: { id: 'menu-1-1' },
          name: 'Yangnyeom Chicken',
          quantity: 3,
          unitPrice: 19000,
          lineTotal: 57000,
        },
        { menuItem: { id: 'menu-1-5' }, name: 'Cheese Balls', quantity: 1, unitPrice: 5000, lineTotal: 5000 },
      ],
    });
    expect(h.stub.captures).toHaveLength(captures + 1);
    const call = h.stub.captures.at(-1)!;
    expect(call.caller).toEqual({ id: 'order', role: 'service' });
    expect(call.body).toEqual({
      orderId: o.id,
      customerId: 'alice',
      storeId: 'store-1',
      ownerId: 'owner-1',
      amount: 62000,
    });

    const row = await statusOf(o.id);
    expect(row).toMatchObject({
      paymentId: `pay-${o.id}`,
      progress: 'PLACED',
      ownerId: 'owner-1',
      storeName: 'Gangnam Chicken House',
    });
    await waitFor(() => orderTypes(o.id).includes('OrderPlaced'));
    const ev = eventsOn(h.bus, Topics.order, o.id)[0]!;
    expect(ev.payload as OrderPlacedPayload).toMatchObject({
      orderId: o.id,
      customerId: 'alice',
      storeId: 'store-1',
      ownerId: 'owner-1',
      status: 'PLACED',
      previousStatus: null,
      version: 1,
      storeName: 'Gangnam Chicken House',
      total: 62000,
      paymentId: `pay-${o.id}`,
      items: [
        { menuItemId: 'menu-1-1', name: 'Yangnyeom Chicken', quantity: 3, unitPrice: 19000 },
        { menuItemId: 'menu-1-5', name: 'Cheese Balls', quantity: 1, unitPrice: 5000 },
      ],
    });
  });

  it('returns the same order for a repeated idempotency key without charging again', async () => {
    const captures = h.stub.captures.length;
    const a = await place(alice, {
      idempotencyKey: 'retry-1',
      items: [
        { menuItemId: 'menu-1-1', quantity: 1 },
        { menuItemId: 'menu-1-2', quantity: 2 },
      ],
    });
    // The same cart: its lines in another order, one of them split in two.
    const b = await place(alice, {
      idempotencyKey: 'retry-1',
      items: [
        { menuItemId: 'menu-1-2', quantity: 1 },
        { menuItemId: 'menu-1-1', quantity: 1 },
        { menuItemId: 'menu-1-2', quantity: 1 },
      ],
    });
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data!.placeOrder.id).toBe(a.data!.placeOrder.id);
    expect(b.data!.placeOrder.total).toBe(a.data!.placeOrder.total);
    expect(h.stub.captures).toHaveLength(captures + 1);
    // the key is per customer
    const c = await place(bob, { idempotencyKey: 'retry-1' });
    expect(c.data!.placeOrder.id).not.toBe(a.data!.placeOrder.id);
  });

  it('refuses a repeated idempotency key with another cart, naming the order it placed, before charging', async () => {
    const two = [
      { menuItemId: 'menu-1-1', quantity: 1 },
      { menuItemId: 'menu-1-2', quantity: 2 },
    ];
    const first = await place(alice, { idempotencyKey: 'reused-1', items: two });
    expect(first.errors).toBeUndefined();
    const orderId = first.data!.placeOrder.id;
    const captures = h.stub.captures.length;
    const before = await orderCount();
    const others: Record<string, unknown>[] = [
      { items: [two[0], { menuItemId: 'menu-1-2', quantity: 3 }] },
      { items: [two[0]] },
      { items: [...two, { menuItemId: 'menu-1-3', quantity: 1 }] },
      { storeId: 'store-3', items: [{ menuItemId: 'menu-3-1', quantity: 1 }] },
    ];
    for (const other of others) {
      const r = await place(alice, { idempotencyKey: 'reused-1', ...other });
      expect(r.data).toBeNull();
      expect(r.errors![0]!.extensions).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: 'idempotencyKey',
        orderId,
      });
    }
    expect(h.stub.captures).toHaveLength(captures);
    expect(await orderCount()).toBe(before);
  });

  it('two requests racing with one key: one order, and the other capture refunded', async () => {
    // Both pass the check for the key before either writes: each capture takes 300 ms.
    h.stub.mode = 'slow';
    h.stub.slowMs = 300;
    try {
      const captures = h.stub.captures.length;
      const refunds = h.stub.refunds.length;
      const same = await Promise.all([
        place(alice, { idempotencyKey: 'race-same' }),
        place(alice, { idempotencyKey: 'race-same' }),
      ]);
      expect(same.map((r) => r.errors)).toEqual([undefined, undefined]);
      expect(same[1].data!.placeOrder.id).toBe(same[0].data!.placeOrder.id);

      const other = await Promise.all([
        place(alice, { idempotencyKey: 'race-other' }),
        place(alice, { idempotencyKey: 'race-other', items: [{ menuItemId: 'menu-1-2', quantity: 2 }] }),
      ]);
      const won = other.filter((r) => r.errors === undefined);
      const lost = other.filter((r) => r.errors !== undefined);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = won[0]!.data!.placeOrder.id as string;
      expect(lost[0]!.errors![0]!.extensions).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        orderId: winner,
      });

      // Four captures, two orders: each loser's capture (an id no order has) is refunded.
      const captured = h.stub.captures.slice(captures).map((c) => c.body.orderId as string);
      expect(captured).toHaveLength(4);
      const kept = [same[0].data!.placeOrder.id as string, winner];
      const orphans = captured.filter((id) => !kept.includes(id));
      expect(orphans).toHaveLength(2);
      await waitFor(() => h.stub.refunds.length >= refunds + 2);
      expect(
        h.stub.refunds
          .slice(refunds)
          .map((c) => c.body.orderId)
          .sort(),
      ).toEqual([...orphans].sort());
      const rows = await h.order.database.reader.select({ id: orders.id }).from(orders);
      expect(rows.filter((r) => orphans.includes(r.id))).toEqual([]);
    } finally {
      h.stub.mode = 'capture';
    }
  });

  it('stores nothing when payment declines', async () => {
    const before = await orderCount();
    h.stub.mode = 'decline';
    try {
      const r = await place(alice, { idempotencyKey: 'declined-1' });
      expect(codeOf(r)).toBe('PAYMENT_DECLINED');
      expect(r.data).toBeNull();
    } finally {
      h.stub.mode = 'capture';
    }
    expect(await orderCount()).toBe(before);
    // a retry with the same key after the decline is a fresh attempt
    const again = await place(alice, { idempotencyKey: 'declined-1' });
    expect(again.errors).toBeUndefined();
  });

  it('validates input with BAD_USER_INPUT before calling payment', async () => {
    const captures = h.stub.captures.length;
    const bad = async (input: Record<string, unknown>) => codeOf(await place(alice, input));
    expect(await bad({ items: [] })).toBe('BAD_USER_INPUT');
    expect(
      await bad({ items: Array.from({ length: 51 }, (_, i) => ({ menuItemId: `menu-${i}`, quantity: 1 })) }),
    ).toBe('BAD_USER_INPUT');
    expect(await bad({ items: [{ menuItemId: 'menu-1-1', quantity: 0 }] })).toBe('BAD_USER_INPUT');
    expect(await bad({ items: [{ menuItemId: 'menu-1-1', quantity: 100 }] })).toBe('BAD_USER_INPUT');
    expect(await bad({ items: [{ menuItemId: 'menu-1-1', quantity: -3 }] })).toBe('BAD_USER_INPUT');
    expect(
      await bad({
        items: [
          { menuItemId: 'menu-1-1', quantity: 60 },
          { menuItemId: 'menu-1-1', quantity: 40 },
        ],
      }),
    ).toBe('BAD_USER_INPUT');
    expect(await bad({ idempotencyKey: 'k'.repeat(101) })).toBe('BAD_USER_INPUT');
    expect(await bad({ idempotencyKey: '' })).toBe('BAD_USER_INPUT');
    expect(await bad({ storeId: '  ' })).toBe('BAD_USER_INPUT');
    // an item of another store
    const other = await place(alice, { items: [{ menuItemId: 'menu-3-1', quantity: 1 }] });
    expect(codeOf(other)).toBe('BAD_USER_INPUT');
    expect(other.errors![0]!.extensions!.menuItemId).toBe('menu-3-1');
    expect(await bad({ items: [{ menuItemId: 'no-such-item', quantity: 1 }] })).toBe('BAD_USER_INPUT');
    expect(h.stub.captures).toHaveLength(captures);
  });

  it('refuses an order that would cost nothing, or more than payment takes, before calling payment', async () => {
    const eater: Caller = { id: 'free-eater', role: 'customer' };
    const store = (storeId: string, deliveryFee: number): StoreUpsertedPayload => ({
      storeId,
      name: `Free Sides ${storeId}`,
      ownerId: 'owner-1',
      open: true,
      version: 1,
      menu: [
        { menuItemId: `${storeId}-kimchi`, name: 'Kimchi', price: 0, available: true },
        { menuItemId: `${storeId}-tteok`, name: 'Tteokbokki', price: 4_000, available: true },
        { menuItemId: `${storeId}-feast`, name: 'Hanu Feast', price: 10_000_000, available: true },
      ],
      minimumOrder: 0,
      deliveryFee,
    });
    for (const s of [store('store-free', 0), store('store-free-fee', 3_000)])
      await republish(h.bus, Topics.store, snapshotEnvelope(s));
    await waitFor(
      async () =>
        (await h.order.database.reader.select({ id: catalogStores.id }).from(catalogStores)).filter((s) =>
          s.id.startsWith('store-free'),
        ).length === 2,
      { what: 'the free-sides stores in the replica' },
    );
    const order = (storeId: string, items: [string, number][]) =>
      gql<{ placeOrder: { total: number } }>(
        h.order.url,
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { total } }',
        {
          input: {
            storeId,
            items: items.map(([dish, quantity]) => ({ menuItemId: `${storeId}-${dish}`, quantity })),
          },
        },
        eater,
      );
    const captures = h.stub.captures.length;
    const before = await orderCount();

    const free = await order('store-free', [['kimchi', 3]]);
    expect(free.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items', total: 0 });
    expect(free.errors?.[0]?.message).toMatch(/total must be more than 0 won/);
    const huge = await order('store-free', [['feast', 11]]);
    expect(huge.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYMENT_DECLINED',
      total: 110_000_000,
      maxAmountWon: 100_000_000,
    });
    expect(h.stub.captures).toHaveLength(captures);
    expect(await orderCount()).toBe(before);

    // Free side dishes are fine in an order that costs something: with a paid dish, or a fee.
    expect(
      (
        await order('store-free', [
          ['kimchi', 2],
          ['tteok', 1],
        ])
      ).data?.placeOrder.total,
    ).toBe(4_000);
    expect((await order('store-free-fee', [['kimchi', 1]])).data?.placeOrder.total).toBe(3_000);
    expect(h.stub.captures.slice(captures).map((c) => c.body.amount)).toEqual([4_000, 3_000]);
  });

  it('refuses unknown and closed stores and sold-out items', async () => {
    const captures = h.stub.captures.length;
    expect(codeOf(await place(alice, { storeId: 'store-404' }))).toBe('NOT_FOUND');
    expect(
      codeOf(
        await place(alice, { storeId: 'store-closed', items: [{ menuItemId: 'menu-c-1', quantity: 1 }] }),
      ),
    ).toBe('STORE_CLOSED');
    const soldOut = await place(alice, { items: [{ menuItemId: 'menu-1-9', quantity: 1 }] });
    expect(codeOf(soldOut)).toBe('MENU_ITEM_UNAVAILABLE');
    expect(soldOut.errors![0]!.extensions!.menuItemId).toBe('menu-1-9');
    expect(h.stub.captures).toHaveLength(captures);
  });

  it('judges opening hours by its injectable clock on the store’s time zone; applies minimum order and fee', async () => {
    // Friday 18:30 in Seoul.
    let now = new Date('2026-12-04T09:30:00Z');
    const timed = await startHarness({}, false, () => now);
    try {
      const snapshot: StoreUpsertedPayload = {
        storeId: 'store-hours',
        name: 'Dinner Only',
        ownerId: 'owner-1',
        open: true,
        version: 1,
        menu: [{ menuItemId: 'menu-h-1', name: 'Galbi', price: 20_000, available: true }],
        openingHours: [{ day: 'FRI', opens: '17:00', closes: '22:00' }],
        timeZone: 'Asia/Seoul',
        minimumOrder: 30_000,
        deliveryFee: 3_000,
      };
      await republish(timed.bus, Topics.store, snapshotEnvelope(snapshot));
      await waitFor(
        async () => (await timed.order.database.reader.select().from(catalogStores)).length === 1,
        { timeoutMs: 4000, what: 'replicated store' },
      );
      const order = (quantity: number) =>
        gql(
          timed.order.url,
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { total deliveryFee } }',
          { input: { storeId: 'store-hours', items: [{ menuItemId: 'menu-h-1', quantity }] } },
          alice,
        );
      const small = await order(1);
      expect(small.errors?.[0]?.extensions).toMatchObject({
        code: 'MINIMUM_ORDER_NOT_MET',
        minimumOrder: 30_000,
        subtotal: 20_000,
      });
      expect((await order(2)).data?.placeOrder).toEqual({ total: 43_000, deliveryFee: 3_000 });
      // Friday 23:00 in Seoul (14:00 UTC): outside the hours, though the owner left it open.
      now = new Date('2026-12-04T14:00:00Z');
      const late = await order(2);
      expect(late.errors?.[0]?.extensions).toMatchObject({
        code: 'STORE_CLOSED',
        reason: 'OUTSIDE_OPENING_HOURS',
      });
      expect(timed.stub.captures).toHaveLength(1);
    } finally {
      await timed.close();
    }
  });

  it('is for customers only', async () => {
    expect(codeOf(await place(owner1))).toBe('FORBIDDEN');
    expect(codeOf(await place(rider1))).toBe('FORBIDDEN');
    expect(codeOf(await gql(h.order.url, PLACE, { input: { storeId: 'store-1', items: [] } }, null))).toBe(
      'UNAUTHENTICATED',
    );
  });
});

describe('queries and visibility', () => {
  it('shows an order to its customer, its store’s owner, and riders only when READY or theirs', async () => {
    const o = await placed(alice);
    const see = async (c: Caller | null) => gql(h.order.url, GET, { id: o.id }, c);
    expect((await see(alice)).data?.order).toMatchObject({ id: o.id, status: 'PLACED' });
    expect((await see(owner1)).data?.order).toMatchObject({ id: o.id });
    expect(codeOf(await see(bob))).toBe('FORBIDDEN');
    expect(codeOf(await see(owner2))).toBe('FORBIDDEN');
    expect(codeOf(await see(rider1))).toBe('FORBIDDEN');
    expect(codeOf(await see(null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(h.order.url, GET, { id: 'nope' }, alice))).toBe('NOT_FOUND');

    for (const [type, status] of [
      [StoreEvents.TicketAccepted, 'ACCEPTED'],
      [StoreEvents.TicketCookingStarted, 'COOKING'],
      [StoreEvents.TicketReady, 'READY'],
    ] as const) {
      await republish(h.bus, Topics.store, ticketEvent(type, o, status));
    }
    await waitFor(async () => (await statusOf(o.id)).status === 'READY');
    expect((await see(rider1)).data?.order).toMatchObject({ status: 'READY' });
    expect((await see(rider2)).data?.order).toMatchObject({ status: 'READY' });
    await republish(h.bus, Topics.delivery, deliveryEvent(DeliveryEvents.DeliveryPickedUp, o, 'rider-1'));
    await waitFor(async () => (await statusOf(o.id)).status === 'PICKED_UP');
    expect((await see(rider1)).data?.order).toMatchObject({ status: 'PICKED_UP' });
    expect(codeOf(await see(rider2))).toBe('FORBIDDEN');
    expect((await statusOf(o.id)).riderId).toBe('rider-1');
  });

  it('resolves Order references with the same rules (null when not visible)', async () => {
    const o = await placed(alice);
    const q = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id total } } }`;
    const reps = [
      { __typename: 'Order', id: o.id },
      { __typename: 'Order', id: 'missing' },
    ];
    expect((await gql(h.order.url, q, { reps }, owner1)).data?._entities).toEqual([
      { id: o.id, total: o.total },
      null,
    ]);
    expect((await gql(h.order.url, q, { reps }, alice)).data?._entities).toEqual([
      { id: o.id, total: o.total },
      null,
    ]);
    expect((await gql(h.order.url, q, { reps }, owner2)).data?._entities).toEqual([null, null]);
    expect((await gql(h.order.url, q, { reps }, rider1)).data?._entities).toEqual([null, null]);
    expect((await gql(h.order.url, q, { reps }, null)).data?._entities).toEqual([null, null]);
  });

  it('myOrders lists the caller’s orders newest first and validates first', async () => {
    const a = await placed(bob);
    const b = await placed(bob);
    const r = await gql(h.order.url, '{ myOrders(first: 2) { id customerId } }', {}, bob);
    expect(r.data?.myOrders).toEqual([
      { id: b.id, customerId: 'bob' },
      { id: a.id, customerId: 'bob' },
    ]);
    const all = await gql<{ myOrders: { customerId: string }[] }>(
      h.order.url,
      '{ myOrders { customerId } }',
      {},
      alice,
    );
    expect(all.data!.myOrders.every((o) => o.customerId === 'alice')).toBe(true);
    expect(codeOf(await gql(h.order.url, '{ myOrders(first: 0) { id } }', {}, bob))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(h.order.url, '{ myOrders(first: 101) { id } }', {}, bob))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(h.order.url, '{ myOrders { id } }', {}, owner1))).toBe('FORBIDDEN');
    expect(codeOf(await gql(h.order.url, '{ myOrders { id } }', {}, null))).toBe('UNAUTHENTICATED');
  });

  it('myOrderConnection pages with its own cursors and refuses those of other lists on after', async () => {
    const PAGE = `query($after: String) { myOrderConnection(first: 1, after: $after) {
      nodes { id } pageInfo { hasNextPage endCursor } } }`;
    type Page = { myOrderConnection: { nodes: { id: string }[]; pageInfo: { endCursor: string } } };
    const first = await gql<Page>(h.order.url, PAGE, { after: null }, bob);
    const next = await gql<Page>(
      h.order.url,
      PAGE,
      { after: first.data!.myOrderConnection.pageInfo.endCursor },
      bob,
    );
    expect(next.errors).toBeUndefined();
    expect(next.data!.myOrderConnection.nodes).toHaveLength(1);
    expect(next.data!.myOrderConnection.nodes[0]!.id).not.toBe(first.data!.myOrderConnection.nodes[0]!.id);
    for (const foreign of [
      encodeCursor(cursorList('storeConnection', 'number', 'string'), [1, 'store-2']),
      encodeCursor(cursorList('myTicketConnection', 'string', 'string'), ['2026-12-05T10:00:00.000Z', 'o-1']),
      Buffer.from('[1,"store-2"]').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      const r = await gql(h.order.url, PAGE, { after: foreign }, bob);
      expect(r.errors?.[0]?.extensions, foreign).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });
});

describe('status progression from store and delivery events', () => {
  it('follows the happy path and fills in skipped steps in order', async () => {
    const o = await placed(alice);
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, o, 'ACCEPTED'));
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketCookingStarted, o, 'COOKING'));
    await waitFor(async () => (await statusOf(o.id)).status === 'COOKING');
    // delivery completes before the store's TicketReady and the pick-up arrive
    await republish(h.bus, Topics.delivery, deliveryEvent(DeliveryEvents.DeliveryCompleted, o, 'rider-2'));
    await waitFor(async () => (await statusOf(o.id)).status === 'DELIVERED');
    // the late ones are stale
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketReady, o, 'READY'));
    await republish(h.bus, Topics.delivery, deliveryEvent(DeliveryEvents.DeliveryPickedUp, o, 'rider-2'));
    await waitSettled(h.order.url);
    const events = eventsOn(h.bus, Topics.order, o.id);
    expect(
      events.map((e) => [e.type, e.payload.status, e.payload.previousStatus, e.payload.version]),
    ).toEqual([
      ['OrderPlaced', 'PLACED', null, 1],
      ['OrderAccepted', 'ACCEPTED', 'PLACED', 2],
      ['OrderCookingStarted', 'COOKING', 'ACCEPTED', 3],
      ['OrderReady', 'READY', 'COOKING', 4],
      ['OrderPickedUp', 'PICKED_UP', 'READY', 5],
      ['OrderDelivered', 'DELIVERED', 'PICKED_UP', 6],
    ]);
    expect(events.at(-1)!.payload).toMatchObject({
      riderId: 'rider-2',
      customerId: 'alice',
      ownerId: 'owner-1',
    });
    const r = await gql(h.order.url, GET, { id: o.id }, alice);
    expect(r.data?.order).toMatchObject({ status: 'DELIVERED', version: 6 });
  });

  it('rejects with the store’s reason', async () => {
    const o = await placed(alice);
    await republish(
      h.bus,
      Topics.store,
      ticketEvent(StoreEvents.TicketRejected, o, 'REJECTED', 'Out of chicken'),
    );
    await waitFor(async () => (await statusOf(o.id)).status === 'REJECTED');
    const r = await gql(h.order.url, GET, { id: o.id }, alice);
    expect(r.data?.order).toEqual({
      id: o.id,
      status: 'REJECTED',
      version: 2,
      statusReason: 'Out of chicken',
    });
    await waitFor(() => orderTypes(o.id).includes('OrderRejected'));
    expect(eventsOn(h.bus, Topics.order, o.id).at(-1)!.payload).toMatchObject({
      reason: 'Out of chicken',
      version: 2,
    });
  });

  it('retries an event for an unknown order for a while, then dead-letters it visibly (never drops it)', async () => {
    const ghost = { id: 'ghost-order', storeId: 'store-1', ownerId: 'owner-1', customerId: 'alice' };
    const ghostEvent = ticketEvent(StoreEvents.TicketAccepted, ghost, 'ACCEPTED');
    await republish(h.bus, Topics.store, ghostEvent);
    const o = await placed(alice);
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, o, 'ACCEPTED'));
    // EVENT_UNKNOWN_ENTITY_RETRY_MS is 1 s in this file.
    await waitFor(async () => (await statusOf(o.id)).status === 'ACCEPTED', { timeoutMs: 15_000 });
    const letters = await waitFor(
      () => {
        const found = h.bus.read(`${Topics.store}.dlq`).filter((r) => r.envelope.id === ghostEvent.id);
        return found.length ? found : undefined;
      },
      { timeoutMs: 15_000, what: 'the ghost event dead-lettered' },
    );
    expect(letters[0]!.headers['dlq-group']).toBe('order');
    expect(letters[0]!.headers['dlq-error']).toMatch(/unknown order ghost-order/);
    expect(eventsOn(h.bus, Topics.order, 'ghost-order')).toEqual([]);
  });
});

describe('replicas', () => {
  it('refuses a second order service on another database file sharing the event log', async () => {
    const other = tempDir('order-replica-');
    try {
      await expect(
        start({
          port: 0,
          dataDir: other.dir,
          eventLogPath: h.eventLogPath,
          internalSecret: SECRET,
          urls: { ...loadServiceConfig('order').urls, payment: h.stub.url },
        }),
      ).rejects.toThrow(/belongs to another database/);
      // The first replica still works.
      const o = await placed(alice);
      await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, o, 'ACCEPTED'));
      await waitFor(async () => (await statusOf(o.id)).status === 'ACCEPTED');
    } finally {
      other.cleanup();
    }
  });
});

describe('cancelOrder', () => {
  it('moves to CANCEL_PENDING, then CANCELED when the store confirms', async () => {
    const o = await placed(alice);
    const r = await gql(h.order.url, CANCEL, { id: o.id }, alice);
    expect(r.data?.cancelOrder).toEqual({
      id: o.id,
      status: 'CANCEL_PENDING',
      version: 2,
      cancelable: false,
    });
    await waitFor(() => orderTypes(o.id).includes('OrderCancelRequested'));
    expect(eventsOn(h.bus, Topics.order, o.id)[1]!.payload).toMatchObject({
      status: 'CANCEL_PENDING',
      previousStatus: 'PLACED',
      version: 2,
      storeId: 'store-1',
      ownerId: 'owner-1',
    });
    const again = await gql(h.order.url, CANCEL, { id: o.id }, alice);
    expect(codeOf(again)).toBe('INVALID_TRANSITION');
    expect(again.errors![0]!.extensions!.currentStatus).toBe('CANCEL_PENDING');
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketCanceled, o, 'CANCELED'));
    await waitFor(async () => (await statusOf(o.id)).status === 'CANCELED');
    await waitFor(() => orderTypes(o.id).includes('OrderCanceled'));
    expect(eventsOn(h.bus, Topics.order, o.id).at(-1)!.payload).toMatchObject({
      status: 'CANCELED',
      version: 3,
    });
  });

  it('returns to the course when the store refuses', async () => {
    const o = await placed(alice);
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, o, 'ACCEPTED'));
    await waitFor(async () => (await statusOf(o.id)).status === 'ACCEPTED');
    await gql(h.order.url, CANCEL, { id: o.id }, alice);
    await republish(
      h.bus,
      Topics.store,
      ticketEvent(StoreEvents.TicketCancelRefused, o, 'ACCEPTED', 'Sorry, no'),
    );
    await waitFor(async () => (await statusOf(o.id)).status === 'ACCEPTED');
    const r = await gql(h.order.url, GET, { id: o.id }, alice);
    expect(r.data?.order).toMatchObject({ status: 'ACCEPTED', version: 4, statusReason: 'Sorry, no' });
    await waitFor(() => orderTypes(o.id).includes('OrderCancelDenied'));
  });

  it('cooking wins the race: COOKING ends CANCEL_PENDING and the late refusal is ignored', async () => {
    const o = await placed(alice);
    await gql(h.order.url, CANCEL, { id: o.id }, alice);
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, o, 'ACCEPTED'));
    await waitFor(async () => (await statusOf(o.id)).progress === 'ACCEPTED');
    expect((await statusOf(o.id)).status).toBe('CANCEL_PENDING');
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketCookingStarted, o, 'COOKING'));
    await republish(
      h.bus,
      Topics.store,
      ticketEvent(StoreEvents.TicketCancelRefused, o, 'COOKING', 'cooking'),
    );
    await waitFor(async () => (await statusOf(o.id)).status === 'COOKING');
    // The refusal after the cooking event is consumed, and what both wrote is relayed.
    await waitSettled(h.order.url);
    // The acceptance recorded silently while pending is announced before cooking (issue 16, item 8).
    expect(await statusOf(o.id)).toMatchObject({ status: 'COOKING', version: 4, announcedProgress: null });
    expect(orderTypes(o.id)).toEqual([
      'OrderPlaced',
      'OrderCancelRequested',
      'OrderAccepted',
      'OrderCookingStarted',
    ]);
    expect(codeOf(await gql(h.order.url, CANCEL, { id: o.id }, alice))).toBe('INVALID_TRANSITION');
  });

  it('a refunded payment cancels a live order (PaymentRefunded / PaymentVoided); ended orders stay', async () => {
    const live = await placed(alice);
    const voided = await placed(alice);
    const ended = await placed(alice);
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketRejected, ended, 'REJECTED', 'busy'));
    await waitFor(async () => (await statusOf(ended.id)).status === 'REJECTED');
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, live, 'ACCEPTED'));
    await waitFor(async () => (await statusOf(live.id)).status === 'ACCEPTED');
    const paymentEvent = (type: string, o: { id: string; customerId: string }) =>
      createEnvelope('payment', {
        type,
        correlationId: o.id,
        payload: {
          paymentId: `p-${o.id}`,
          orderId: o.id,
          customerId: o.customerId,
          amount: 1,
          status: 'REFUNDED',
          at: new Date().toISOString(),
        },
      });
    await republish(h.bus, Topics.payment, paymentEvent(PaymentEvents.PaymentRefunded, live));
    await republish(h.bus, Topics.payment, paymentEvent(PaymentEvents.PaymentVoided, voided));
    await republish(h.bus, Topics.payment, paymentEvent(PaymentEvents.PaymentRefunded, ended));
    await republish(
      h.bus,
      Topics.payment,
      paymentEvent(PaymentEvents.PaymentRefunded, { id: 'never-placed', customerId: 'x' }),
    );
    await waitFor(async () => (await statusOf(live.id)).status === 'CANCELED');
    await waitFor(async () => (await statusOf(voided.id)).status === 'CANCELED');
    expect(await statusOf(live.id)).toMatchObject({ version: 3, statusReason: PAYMENT_REFUNDED_REASON });
    // The row commits before the relay publishes its event (after the commit's fsync).
    await waitFor(() => orderTypes(voided.id).includes('OrderCanceled'));
    expect(orderTypes(voided.id)).toEqual(['OrderPlaced', 'OrderCanceled']);
    expect(await statusOf(ended.id)).toMatchObject({ status: 'REJECTED', version: 2 });
  });

  it('is only for the customer who placed the order', async () => {
    const o = await placed(alice);
    expect(codeOf(await gql(h.order.url, CANCEL, { id: o.id }, bob))).toBe('FORBIDDEN');
    expect(codeOf(await gql(h.order.url, CANCEL, { id: o.id }, owner1))).toBe('FORBIDDEN');
    expect(codeOf(await gql(h.order.url, CANCEL, { id: o.id }, null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(h.order.url, CANCEL, { id: 'nope' }, alice))).toBe('NOT_FOUND');
    expect((await statusOf(o.id)).status).toBe('PLACED');
  });
});

describe('order items', () => {
  it('keeps the lines as priced at placement', async () => {
    const o = await placed(alice);
    const items = await h.order.database.reader.select().from(orderItems).where(eq(orderItems.orderId, o.id));
    expect(items).toEqual([
      {
        orderId: o.id,
        lineNo: 1,
        menuItemId: 'menu-1-1',
        name: 'Yangnyeom Chicken',
        quantity: 1,
        unitPrice: 19000,
      },
    ]);
  });
});

describe('saga timeouts', () => {
  it('report, re-publish once per period, then compensate once; safe to run again and again', async () => {
    const stuck = await placed(alice);
    const answered = await placed(alice);
    await republish(h.bus, Topics.store, ticketEvent(StoreEvents.TicketAccepted, answered, 'ACCEPTED'));
    await waitFor(async () => (await statusOf(answered.id)).status === 'ACCEPTED');
    const t = h.order.sagaTimeouts;
    const minute = 60_000;
    const placedAt = Date.parse(stuck.placedAt);
    const nudges = () =>
      h.order.database.reader.select().from(sagaNudges).where(eq(sagaNudges.orderId, stuck.id));
    const placedCopies = () => orderTypes(stuck.id).filter((x) => x === 'OrderPlaced').length;

    // Before the timeout (10 min): nothing.
    await t.check(placedAt + 5 * minute);
    expect(await nudges()).toEqual([]);
    // After it: reported and re-published, once however often the check runs within the period.
    const report = await t.check(placedAt + 11 * minute);
    expect(report.stuckPlaced).toBeGreaterThanOrEqual(1);
    expect(report.republished).toBeGreaterThanOrEqual(1);
    await t.check(placedAt + 12 * minute);
    expect(await nudges()).toMatchObject([{ attempts: 1 }]);
    await waitFor(() => placedCopies() === 2);
    const [original, copy] = eventsOn(h.bus, Topics.order, stuck.id);
    expect(copy!.id).not.toBe(original!.id);
    expect(copy!.payload).toEqual(original!.payload);
    // The next period: once more.
    await t.check(placedAt + 22 * minute);
    expect(await nudges()).toMatchObject([{ attempts: 2 }]);
    // After the second deadline (30 min): canceled with the reason, once.
    await t.check(placedAt + 31 * minute);
    await t.check(placedAt + 32 * minute);
    expect(await statusOf(stuck.id)).toMatchObject({
      status: 'CANCELED',
      statusReason: SAGA_TIMEOUT_REASON,
      version: 2,
    });
    await waitFor(() => orderTypes(stuck.id).includes('OrderCanceled'));
    expect(orderTypes(stuck.id)).toEqual(['OrderPlaced', 'OrderPlaced', 'OrderPlaced', 'OrderCanceled']);
    // The answered order was never touched.
    await waitFor(() => orderTypes(answered.id).includes('OrderAccepted'));
    expect(orderTypes(answered.id)).toEqual(['OrderPlaced', 'OrderAccepted']);
    // /health shows the report.
    const health = (await (await fetch(`${h.order.url}/health`)).json()) as {
      sagaTimeouts: { republished: number; compensated: number; lastCheckAt: string };
    };
    expect(health.sagaTimeouts.compensated).toBeGreaterThanOrEqual(1);
    expect(health.sagaTimeouts.lastCheckAt).toBe(new Date(placedAt + 32 * minute).toISOString());
  });
});
