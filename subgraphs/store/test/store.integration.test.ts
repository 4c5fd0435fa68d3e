import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  OrderEvents,
  type OrderPlacedPayload,
  type OrderStatusPayload,
  type StoreUpsertedPayload,
  Topics,
} from '@baemin/platform';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores, tickets } from '../src/db/schema.js';
import { SEED_STORES, seedStores } from '../src/seed.js';
import { start } from '../src/server.js';
import {
  alice,
  codeOf,
  createEnvelope,
  EmbeddedEventBus,
  eventsOn,
  gql,
  owner1,
  owner2,
  republish,
  SECRET,
  tempDir,
  waitFor,
  waitSettled,
} from '@baemin/platform/testing';

let tmp: ReturnType<typeof tempDir>;
let store: Awaited<ReturnType<typeof start>>;
let bus: EmbeddedEventBus;
const boot = () =>
  start({
    port: 0,
    dataDir: tmp.dir,
    eventLogPath: join(tmp.dir, 'eventlog.db'),
    internalSecret: SECRET,
  });

beforeAll(async () => {
  tmp = tempDir('store-it-');
  store = await boot();
  // The service never seeds itself; `npm run seed` runs this same function.
  await seedStores(store.database, store.outbox!);
  bus = new EmbeddedEventBus({ path: join(tmp.dir, 'eventlog.db') });
});

afterAll(async () => {
  await store?.close();
  await bus?.close();
  tmp?.cleanup();
});

const storeUpserts = (storeId?: string) =>
  eventsOn(bus, Topics.store, storeId).filter((e) => e.type === 'StoreUpserted');

function orderPlaced(storeIdx = 0, orderId = randomUUID()) {
  const s = SEED_STORES[storeIdx]!;
  const item = s.menu[0]!;
  const payload: OrderPlacedPayload = {
    orderId,
    customerId: 'alice',
    storeId: s.id,
    ownerId: s.ownerId,
    status: 'PLACED',
    previousStatus: null,
    version: 1,
    at: new Date().toISOString(),
    storeName: s.name,
    items: [{ menuItemId: item.id, name: item.name, quantity: 2, unitPrice: item.price }],
    total: item.price * 2,
    paymentId: 'pay-1',
  };
  return createEnvelope('order', { type: OrderEvents.OrderPlaced, correlationId: orderId, payload });
}

function orderEvent(
  type: string,
  placed: ReturnType<typeof orderPlaced>,
  status: OrderStatusPayload['status'],
) {
  const p = placed.payload;
  const payload: OrderStatusPayload = {
    orderId: p.orderId,
    customerId: p.customerId,
    storeId: p.storeId,
    ownerId: p.ownerId,
    status,
    previousStatus: 'PLACED',
    version: 2,
    at: new Date().toISOString(),
  };
  return createEnvelope('order', { type, correlationId: p.orderId, payload });
}

const ticketEvents = (orderId: string) => eventsOn(bus, Topics.store, orderId).map((e) => e.type);

async function placeTicket(storeIdx = 0) {
  const env = orderPlaced(storeIdx);
  await republish(bus, Topics.order, env);
  await waitFor(() => ticketEvents(env.payload.orderId).includes('TicketCreated'), {
    timeoutMs: 4000,
    what: 'TicketCreated',
  });
  return env;
}

const TICKET = 'orderId status reason createdAt updatedAt order { id } store { id ownerId }';

describe('seeding', () => {
  it('creates the demo stores with their menus', async () => {
    type StoreOut = {
      id: string;
      ownerId: string;
      menu: { id: string; price: number; store: { id: string } }[];
    };
    const r = await gql<{ stores: StoreOut[] }>(
      store.url,
      '{ stores { id name ownerId open category menu { id name price available store { id } } } }',
    );
    expect(r.errors).toBeUndefined();
    const got = r.data!.stores;
    expect(got.map((s) => s.id).sort()).toEqual(SEED_STORES.map((s) => s.id).sort());
    expect(got.filter((s) => s.ownerId === 'owner-1')).toHaveLength(2);
    expect(got.filter((s) => s.ownerId === 'owner-2')).toHaveLength(2);
    for (const s of got) {
      const seed = SEED_STORES.find((x) => x.id === s.id)!;
      expect(s.menu.map((m) => m.id)).toEqual(seed.menu.map((m) => m.id));
      expect(s.menu.length).toBeGreaterThanOrEqual(4);
      expect(s.menu.length).toBeLessThanOrEqual(6);
      for (const m of s.menu) {
        expect(m.price).toBeGreaterThanOrEqual(3000);
        expect(m.price).toBeLessThanOrEqual(30000);
        expect(m.store.id).toBe(s.id);
      }
    }
  });

  it('publishes one StoreUpserted snapshot per seeded store', async () => {
    await waitFor(() => storeUpserts().length >= SEED_STORES.length, { timeoutMs: 4000, what: 'snapshots' });
    for (const seed of SEED_STORES) {
      const events = storeUpserts(seed.id);
      expect(events).toHaveLength(1);
      const p = events[0]!.payload as StoreUpsertedPayload;
      expect(p).toMatchObject({
        storeId: seed.id,
        name: seed.name,
        ownerId: seed.ownerId,
        open: true,
        version: 1,
      });
      expect(p.menu).toEqual(
        seed.menu.map((m) => ({
          menuItemId: m.id,
          name: m.name,
          price: m.price,
          available: m.available,
          category: m.category,
          options: [],
        })),
      );
      expect(p).toMatchObject({ openingHours: [], timeZone: 'Asia/Seoul', minimumOrder: 0, deliveryFee: 0 });
    }
  });

  it('is idempotent: seeding again inserts and publishes nothing', async () => {
    await waitFor(() => storeUpserts().length >= SEED_STORES.length, { timeoutMs: 4000, what: 'snapshots' });
    const before = storeUpserts().length;
    expect(await seedStores(store.database, store.outbox!)).toEqual([]);
    const [pending] = await store.database.selectRaw<{ n: number | string }>(
      sql`SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL`,
    );
    expect(Number(pending!.n)).toBe(0);
    expect(storeUpserts().length).toBe(before);
  });

  it('re-emits nothing on restart and keeps owners’ changes', async () => {
    const changed = await gql(
      store.url,
      'mutation { setStoreOpen(storeId: "store-4", open: false) { id open } }',
      {},
      owner2,
    );
    expect(changed.data?.setStoreOpen).toEqual({ id: 'store-4', open: false });
    await waitFor(() => storeUpserts('store-4').length === 2, {
      timeoutMs: 4000,
      what: 'store-4 v2 snapshot',
    });
    const before = storeUpserts().length;
    await store.close();
    store = await boot();
    // Whatever the start wrote to the outbox is relayed by now.
    await waitSettled(store.url);
    expect(storeUpserts().length).toBe(before);
    const [row] = await store.database.reader.select().from(stores).where(eq(stores.id, 'store-4'));
    expect(row).toMatchObject({ open: false, version: 2 });
    const reopen = await gql(
      store.url,
      'mutation { setStoreOpen(storeId: "store-4", open: true) { open } }',
      {},
      owner2,
    );
    expect(reopen.data?.setStoreOpen).toEqual({ open: true });
  });
});

describe('public store queries and entities', () => {
  it('answers store, menuItem and null for unknown ids', async () => {
    const r = await gql(
      store.url,
      '{ store(id: "store-2") { name } menuItem(id: "menu-2-1") { name price store { id } } none: store(id: "nope") { id } noItem: menuItem(id: "nope") { id } }',
    );
    expect(r.data).toEqual({
      store: { name: SEED_STORES[1]!.name },
      menuItem: {
        name: SEED_STORES[1]!.menu[0]!.name,
        price: SEED_STORES[1]!.menu[0]!.price,
        store: { id: 'store-2' },
      },
      none: null,
      noItem: null,
    });
  });

  it('resolves Store and MenuItem references for the router', async () => {
    const r = await gql(
      store.url,
      `query($reps: [_Any!]!) { _entities(representations: $reps) {
        ... on Store { id name } ... on MenuItem { id price } } }`,
      {
        reps: [
          { __typename: 'Store', id: 'store-3' },
          { __typename: 'MenuItem', id: 'menu-3-2' },
          { __typename: 'Store', id: 'missing' },
        ],
      },
    );
    expect(r.data?._entities).toEqual([
      { id: 'store-3', name: SEED_STORES[2]!.name },
      { id: 'menu-3-2', price: SEED_STORES[2]!.menu[1]!.price },
      null,
    ]);
  });
});

describe('cursors', () => {
  type Page = { pageInfo: { endCursor: string | null }; nodes: { id: string }[] };
  const menuPage = (storeId: string, after: string | null) =>
    gql<{ store: { menuItems: Page } }>(
      store.url,
      'query($s: ID!, $after: String) { store(id: $s) { menuItems(first: 2, after: $after) { nodes { id } pageInfo { endCursor } } } }',
      { s: storeId, after },
    );
  const refusedOnAfter = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) =>
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });

  it('of another list are BAD_USER_INPUT on after, not read as a position in this one', async () => {
    const stores = await gql<{ storeConnection: Page }>(
      store.url,
      '{ storeConnection(first: 2) { pageInfo { endCursor } } }',
    );
    const storeCursor = stores.data!.storeConnection.pageInfo.endCursor;
    refusedOnAfter(await menuPage('store-1', storeCursor));
    refusedOnAfter(
      await gql(
        store.url,
        'query($after: String) { myTicketConnection(after: $after) { nodes { orderId } } }',
        { after: storeCursor },
        owner1,
      ),
    );
    // Another store's menu is another list too.
    const first = (await menuPage('store-1', null)).data!.store.menuItems;
    refusedOnAfter(await menuPage('store-2', first.pageInfo.endCursor));
    const second = await menuPage('store-1', first.pageInfo.endCursor);
    expect(second.errors).toBeUndefined();
    expect(second.data!.store.menuItems.nodes.map((n) => n.id)).toEqual(
      SEED_STORES[0]!.menu.slice(2, 4).map((m) => m.id),
    );
    // A bare key that fits no list of this subgraph: a ticket cursor wants two strings.
    const numbers = Buffer.from('[1,2]').toString('base64url');
    refusedOnAfter(
      await gql(store.url, `{ myTicketConnection(after: "${numbers}") { nodes { orderId } } }`, {}, owner1),
    );
  });
});

describe('owner store management', () => {
  it('setStoreOpen bumps the version and publishes a fresh snapshot', async () => {
    const before = storeUpserts('store-1').length;
    const r = await gql(
      store.url,
      'mutation { setStoreOpen(storeId: "store-1", open: false) { id open } }',
      {},
      owner1,
    );
    expect(r.data?.setStoreOpen).toEqual({ id: 'store-1', open: false });
    const events = await waitFor(() => {
      const e = storeUpserts('store-1');
      return e.length === before + 1 ? e : null;
    });
    const last = events.at(-1)!.payload as StoreUpsertedPayload;
    const prev = events.at(-2)!.payload as StoreUpsertedPayload;
    expect(last.open).toBe(false);
    expect(last.version).toBe(prev.version + 1);
    const list = await gql(store.url, '{ stores { id open } }');
    expect(list.data!.stores.at(-1)).toEqual({ id: 'store-1', open: false });
    await gql(store.url, 'mutation { setStoreOpen(storeId: "store-1", open: true) { id } }', {}, owner1);
  });

  it('setMenuItemAvailable bumps the store version and publishes the menu', async () => {
    const before = storeUpserts('store-2').length;
    const r = await gql(
      store.url,
      'mutation { setMenuItemAvailable(menuItemId: "menu-2-3", available: false) { id available store { id } } }',
      {},
      owner1,
    );
    expect(r.data?.setMenuItemAvailable).toEqual({
      id: 'menu-2-3',
      available: false,
      store: { id: 'store-2' },
    });
    const events = await waitFor(() => {
      const e = storeUpserts('store-2');
      return e.length === before + 1 ? e : null;
    });
    const snap = events.at(-1)!.payload as StoreUpsertedPayload;
    expect(snap.menu.find((m) => m.menuItemId === 'menu-2-3')?.available).toBe(false);
    expect(snap.version).toBe((events.at(-2)!.payload as StoreUpsertedPayload).version + 1);
  });

  it('refuses other owners, other roles, anonymous callers and unknown ids', async () => {
    const m = 'mutation($id: ID!) { setStoreOpen(storeId: $id, open: false) { id } }';
    expect(codeOf(await gql(store.url, m, { id: 'store-1' }, owner2))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, m, { id: 'store-1' }, alice))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, m, { id: 'store-1' }, null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(store.url, m, { id: 'store-99' }, owner1))).toBe('NOT_FOUND');
    const item = 'mutation { setMenuItemAvailable(menuItemId: "menu-1-1", available: false) { id } }';
    expect(codeOf(await gql(store.url, item, {}, owner2))).toBe('FORBIDDEN');
    const [row] = await store.database.reader.select().from(stores).where(eq(stores.id, 'store-1'));
    expect(row!.open).toBe(true);
  });

  it('myStores lists only the caller’s stores', async () => {
    const r = await gql(store.url, '{ myStores { id } }', {}, owner2);
    expect(r.data?.myStores).toEqual([{ id: 'store-3' }, { id: 'store-4' }]);
    expect(codeOf(await gql(store.url, '{ myStores { id } }', {}, alice))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, '{ myStores { id } }', {}, null))).toBe('UNAUTHENTICATED');
  });
});

describe('tickets from order events', () => {
  it('creates one ticket and one TicketCreated for a duplicated OrderPlaced', async () => {
    const env = orderPlaced(0);
    await republish(bus, Topics.order, env);
    await republish(bus, Topics.order, env);
    // a redelivery with a new event id is also harmless (idempotent on the order id)
    await republish(bus, Topics.order, { ...env, id: randomUUID() });
    await waitFor(() => ticketEvents(env.payload.orderId).includes('TicketCreated'));
    await waitSettled(store.url);
    expect(ticketEvents(env.payload.orderId)).toEqual(['TicketCreated']);
    const rows = await store.database.reader
      .select()
      .from(tickets)
      .where(eq(tickets.orderId, env.payload.orderId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'AWAITING_ACCEPTANCE', storeId: 'store-1', ownerId: 'owner-1' });
    const created = eventsOn(bus, Topics.store, env.payload.orderId)[0]!;
    expect(created.payload).toMatchObject({
      orderId: env.payload.orderId,
      storeId: 'store-1',
      ownerId: 'owner-1',
      customerId: 'alice',
      status: 'AWAITING_ACCEPTANCE',
    });
    expect(created.causationId).toBe(env.id);
  });

  it('cancels an awaiting ticket on OrderCancelRequested', async () => {
    const env = await placeTicket(0);
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCancelRequested, env, 'CANCEL_PENDING'));
    await waitFor(() => ticketEvents(env.payload.orderId).includes('TicketCanceled'));
    const r = await gql(
      store.url,
      `query($id: ID!) { ticket(orderId: $id) { status } }`,
      { id: env.payload.orderId },
      owner1,
    );
    expect(r.data?.ticket).toEqual({ status: 'CANCELED' });
  });

  it('cancels an accepted ticket, and refuses once cooking started', async () => {
    const a = await placeTicket(0);
    await gql(
      store.url,
      'mutation($id: ID!) { acceptOrder(orderId: $id) { status } }',
      { id: a.payload.orderId },
      owner1,
    );
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCancelRequested, a, 'CANCEL_PENDING'));
    await waitFor(() => ticketEvents(a.payload.orderId).includes('TicketCanceled'));

    const c = await placeTicket(0);
    const id = c.payload.orderId;
    await gql(store.url, 'mutation($id: ID!) { acceptOrder(orderId: $id) { status } }', { id }, owner1);
    await gql(store.url, 'mutation($id: ID!) { startCooking(orderId: $id) { status } }', { id }, owner1);
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCancelRequested, c, 'CANCEL_PENDING'));
    await waitFor(() => ticketEvents(id).includes('TicketCancelRefused'));
    expect(ticketEvents(id)).toEqual([
      'TicketCreated',
      'TicketAccepted',
      'TicketCookingStarted',
      'TicketCancelRefused',
    ]);
    const refused = eventsOn(bus, Topics.store, id).at(-1)!;
    expect(refused.payload).toMatchObject({ orderId: id, status: 'COOKING' });
    expect(typeof refused.payload.reason).toBe('string');
    const r = await gql(
      store.url,
      `query($id: ID!) { ticket(orderId: $id) { status reason } }`,
      { id },
      owner1,
    );
    expect(r.data?.ticket).toMatchObject({ status: 'COOKING', reason: refused.payload.reason });
  });

  it('records a canceled tombstone when the cancel arrives before any ticket', async () => {
    const env = orderPlaced(2);
    const id = env.payload.orderId;
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCancelRequested, env, 'CANCEL_PENDING'));
    await waitFor(() => ticketEvents(id).includes('TicketCanceled'));
    // the late OrderPlaced then creates nothing
    await republish(bus, Topics.order, env);
    await waitSettled(store.url);
    expect(ticketEvents(id)).toEqual(['TicketCanceled']);
    const [row] = await store.database.reader.select().from(tickets).where(eq(tickets.orderId, id));
    expect(row).toMatchObject({ status: 'CANCELED', ownerId: 'owner-2' });
  });

  it('an order canceled without a cancel request (payment refunded, saga timeout) cancels a ticket not yet ready', async () => {
    const cooking = await placeTicket(0);
    const id = cooking.payload.orderId;
    await gql(store.url, 'mutation($id: ID!) { acceptOrder(orderId: $id) { status } }', { id }, owner1);
    await gql(store.url, 'mutation($id: ID!) { startCooking(orderId: $id) { status } }', { id }, owner1);
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCanceled, cooking, 'CANCELED'));
    await waitFor(() => ticketEvents(id).includes('TicketCanceled'));
    const [row] = await store.database.reader.select().from(tickets).where(eq(tickets.orderId, id));
    expect(row!.status).toBe('CANCELED');

    // Never ticketed: a tombstone, so a late OrderPlaced opens nothing.
    const unseen = orderPlaced(0);
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCanceled, unseen, 'CANCELED'));
    await waitFor(async () => {
      const [t] = await store.database.reader
        .select()
        .from(tickets)
        .where(eq(tickets.orderId, unseen.payload.orderId));
      return t?.status === 'CANCELED';
    });
    await republish(bus, Topics.order, unseen);
    // A ready one is left (it has a delivery): only logged.
    const ready = await placeTicket(0);
    const rid = ready.payload.orderId;
    for (const m of ['acceptOrder', 'startCooking', 'markReady'])
      await gql(store.url, `mutation($id: ID!) { ${m}(orderId: $id) { status } }`, { id: rid }, owner1);
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderCanceled, ready, 'CANCELED'));
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderPickedUp, ready, 'PICKED_UP'));
    await waitFor(() => ticketEvents(rid).includes('TicketPickedUp'));
    expect(ticketEvents(unseen.payload.orderId)).toEqual([]);
    expect(ticketEvents(rid)).not.toContain('TicketCanceled');
  });

  it('moves a READY ticket to PICKED_UP on OrderPickedUp and ignores it otherwise', async () => {
    const env = await placeTicket(1);
    const id = env.payload.orderId;
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderPickedUp, env, 'PICKED_UP'));
    await waitSettled(store.url);
    expect(ticketEvents(id)).toEqual(['TicketCreated']);
    for (const m of ['acceptOrder', 'startCooking', 'markReady']) {
      const r = await gql(store.url, `mutation($id: ID!) { ${m}(orderId: $id) { status } }`, { id }, owner1);
      expect(r.errors).toBeUndefined();
    }
    await republish(bus, Topics.order, orderEvent(OrderEvents.OrderPickedUp, env, 'PICKED_UP'));
    await waitFor(() => ticketEvents(id).includes('TicketPickedUp'));
    const r = await gql(store.url, `query($id: ID!) { ticket(orderId: $id) { status } }`, { id }, owner1);
    expect(r.data?.ticket).toEqual({ status: 'PICKED_UP' });
  });
});

describe('owner ticket mutations', () => {
  it('runs the kitchen workflow and publishes each step', async () => {
    const env = await placeTicket(0);
    const id = env.payload.orderId;
    const accepted = await gql(
      store.url,
      `mutation($id: ID!) { acceptOrder(orderId: $id) { ${TICKET} } }`,
      { id },
      owner1,
    );
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.acceptOrder).toMatchObject({
      orderId: id,
      status: 'ACCEPTED',
      order: { id },
      store: { id: 'store-1', ownerId: 'owner-1' },
    });
    const cooking = await gql(
      store.url,
      `mutation($id: ID!) { startCooking(orderId: $id) { status } }`,
      { id },
      owner1,
    );
    expect(cooking.data?.startCooking).toEqual({ status: 'COOKING' });
    const ready = await gql(
      store.url,
      `mutation($id: ID!) { markReady(orderId: $id) { status } }`,
      { id },
      owner1,
    );
    expect(ready.data?.markReady).toEqual({ status: 'READY' });
    await waitFor(() => ticketEvents(id).length === 4);
    expect(ticketEvents(id)).toEqual([
      'TicketCreated',
      'TicketAccepted',
      'TicketCookingStarted',
      'TicketReady',
    ]);
    const last = eventsOn(bus, Topics.store, id).at(-1)!;
    expect(last.payload).toMatchObject({
      orderId: id,
      status: 'READY',
      ownerId: 'owner-1',
      customerId: 'alice',
    });
  });

  it('refuses illegal transitions with INVALID_TRANSITION and changes nothing', async () => {
    const env = await placeTicket(0);
    const id = env.payload.orderId;
    for (const m of ['startCooking', 'markReady']) {
      const r = await gql(store.url, `mutation($id: ID!) { ${m}(orderId: $id) { status } }`, { id }, owner1);
      expect(codeOf(r)).toBe('INVALID_TRANSITION');
      expect(r.errors![0]!.extensions!.currentStatus).toBe('AWAITING_ACCEPTANCE');
    }
    await gql(store.url, `mutation($id: ID!) { acceptOrder(orderId: $id) { status } }`, { id }, owner1);
    const again = await gql(
      store.url,
      `mutation($id: ID!) { acceptOrder(orderId: $id) { status } }`,
      { id },
      owner1,
    );
    expect(codeOf(again)).toBe('INVALID_TRANSITION');
    const reject = await gql(
      store.url,
      `mutation($id: ID!) { rejectOrder(orderId: $id, reason: "too busy") { status } }`,
      { id },
      owner1,
    );
    expect(codeOf(reject)).toBe('INVALID_TRANSITION');
    await waitSettled(store.url);
    expect(ticketEvents(id)).toEqual(['TicketCreated', 'TicketAccepted']);
    const [row] = await store.database.reader.select().from(tickets).where(eq(tickets.orderId, id));
    expect(row!.status).toBe('ACCEPTED');
  });

  it('rejects with a reason, validating it', async () => {
    const env = await placeTicket(0);
    const id = env.payload.orderId;
    const m = `mutation($id: ID!, $reason: String!) { rejectOrder(orderId: $id, reason: $reason) { status reason } }`;
    expect(codeOf(await gql(store.url, m, { id, reason: '   ' }, owner1))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(store.url, m, { id, reason: 'x'.repeat(501) }, owner1))).toBe('BAD_USER_INPUT');
    const ok = await gql(store.url, m, { id, reason: '  Out of chicken  ' }, owner1);
    expect(ok.data?.rejectOrder).toEqual({ status: 'REJECTED', reason: 'Out of chicken' });
    await waitFor(() => ticketEvents(id).includes('TicketRejected'));
    expect(eventsOn(bus, Topics.store, id).at(-1)!.payload).toMatchObject({
      status: 'REJECTED',
      reason: 'Out of chicken',
    });
  });

  it('lets only the store’s owner see and move its tickets', async () => {
    const env = await placeTicket(0);
    const id = env.payload.orderId;
    const q = `query($id: ID!) { ticket(orderId: $id) { orderId } }`;
    expect(codeOf(await gql(store.url, q, { id }, owner2))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, q, { id }, alice))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, q, { id }, null))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(store.url, q, { id: 'no-such-order' }, owner1))).toBe('NOT_FOUND');
    const accept = `mutation($id: ID!) { acceptOrder(orderId: $id) { status } }`;
    expect(codeOf(await gql(store.url, accept, { id }, owner2))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, accept, { id }, alice))).toBe('FORBIDDEN');
    expect(codeOf(await gql(store.url, accept, { id: 'no-such-order' }, owner1))).toBe('NOT_FOUND');
    const [row] = await store.database.reader.select().from(tickets).where(eq(tickets.orderId, id));
    expect(row!.status).toBe('AWAITING_ACCEPTANCE');
  });

  it('myTickets lists the caller’s tickets newest first, filtered by status', async () => {
    const other = await placeTicket(2);
    const a = await placeTicket(0);
    const b = await placeTicket(1);
    type TicketOut = { orderId: string; status: string; store: { ownerId: string } };
    const all = await gql<{ myTickets: TicketOut[] }>(
      store.url,
      '{ myTickets { orderId status store { ownerId } } }',
      {},
      owner1,
    );
    const ids = all.data!.myTickets.map((t) => t.orderId);
    expect(ids.indexOf(b.payload.orderId)).toBeLessThan(ids.indexOf(a.payload.orderId));
    expect(ids).not.toContain(other.payload.orderId);
    expect(all.data!.myTickets.every((t) => t.store.ownerId === 'owner-1')).toBe(true);
    const awaiting = await gql<{ myTickets: TicketOut[] }>(
      store.url,
      '{ myTickets(status: AWAITING_ACCEPTANCE) { orderId status } }',
      {},
      owner1,
    );
    expect(awaiting.data!.myTickets.every((t) => t.status === 'AWAITING_ACCEPTANCE')).toBe(true);
    expect(awaiting.data!.myTickets.map((t) => t.orderId)).toContain(a.payload.orderId);
    const mine2 = await gql<{ myTickets: TicketOut[] }>(store.url, '{ myTickets { orderId } }', {}, owner2);
    expect(mine2.data!.myTickets.map((t) => t.orderId)).toContain(other.payload.orderId);
  });
});
