/**
 * Every query, mutation and subscription of the supergraph × every kind of caller, on the real
 * processes through the router. Each cell states what that caller gets: the data ('ok'), an answer
 * without the other party's data ('empty'), or an error code. A denied cell must carry no data
 * for its field ('LEAK' otherwise). The root fields are read from the supergraph: a new field
 * without a row fails the test.
 */
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  driveToDelivered,
  ownerDoes,
  placeOrder,
  riderDoes,
  waitForDeliveryAvailable,
  waitForOrderStatus,
  waitForTicket,
} from '../harness/flows.js';
import { liveClient, subscribe } from '../harness/LiveClient.js';
import { type GraphQLResponse, TestSystem, waitFor } from '../harness/TestSystem.js';

const PERSONAS = [
  'anonymous',
  'customer',
  'otherCustomer',
  'owner',
  'otherOwner',
  'rider',
  'otherRider',
] as const;
type Persona = (typeof PERSONAS)[number];
/** 'ok': the caller gets the fixture's data; 'empty': an answer that does not contain it. */
type Cell = 'ok' | 'empty' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'INVALID_TRANSITION' | string;
type Cells = Record<Persona, Cell>;

const WHO: Record<Exclude<Persona, 'anonymous'>, { role: 'customer' | 'owner' | 'rider'; sub: string }> = {
  customer: { role: 'customer', sub: 'mx-alice' },
  otherCustomer: { role: 'customer', sub: 'mx-bob' },
  // owner-1 owns store-1 (where the fixtures are ordered) and store-2; owner-2 owns store-3.
  owner: { role: 'owner', sub: 'owner-1' },
  otherOwner: { role: 'owner', sub: 'owner-2' },
  rider: { role: 'rider', sub: 'mx-rider-1' },
  otherRider: { role: 'rider', sub: 'mx-rider-2' },
};

/** Shorthand for a row: the cells in PERSONAS order. */
const cells = (...values: Cell[]): Cells =>
  Object.fromEntries(PERSONAS.map((p, i) => [p, values[i]!])) as Cells;
const OWNER_ONLY = cells(
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'FORBIDDEN',
  'ok',
  'FORBIDDEN',
  'FORBIDDEN',
  'FORBIDDEN',
);
const PARTIES = cells('UNAUTHENTICATED', 'ok', 'FORBIDDEN', 'ok', 'FORBIDDEN', 'ok', 'FORBIDDEN');
const PUBLIC = cells('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok');
const RIDERS = cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'ok');

interface Row {
  field: string;
  kind: 'query' | 'mutation' | 'subscription';
  /** Distinguishes several rows of one field (e.g. a subscription with and without a replay). */
  variant?: string;
  expected: Cells;
  /** Order the cells run in (mutations: refusals first, so the allowed call finds the state intact). */
  order?: Persona[];
  run: (p: Persona) => Promise<Cell>;
}

interface Fixtures {
  /** Delivered by `rider`. */
  delivered: string;
  /** READY, no rider yet. */
  awaiting: string;
  placedCancel: string;
  placedAccept: string;
  placedReject: string;
  accepted: string;
  cooking: string;
  readyPick: string;
  pickedUp: string;
  /** Orders of the other customer / at the other owner's store, placed after every fixture. */
  otherCustomerMarker: string;
  otherOwnerMarker: string;
  /** A menu item of store-1 added for removeMenuItem. */
  removableItem: string;
}

describe('authorization matrix: every root field × every kind of caller', () => {
  let sys: TestSystem;
  let fx: Fixtures;
  const clients = new Map<Persona, Client>();
  const results = new Map<string, { expected: Cell; got: Cell }>();

  const token = (p: Persona) => (p === 'anonymous' ? undefined : sys.token(WHO[p].role, WHO[p].sub));
  const gql = (p: Persona, query: string, variables: Record<string, unknown> = {}) =>
    sys.gql<Record<string, unknown>>(query, variables, token(p));
  const client = (p: Persona) => {
    let c = clients.get(p);
    if (!c) {
      c = liveClient(sys.routerUrl, token(p));
      clients.set(p, c);
    }
    return c;
  };

  /** The cell of an HTTP answer: its error code (with no data for the field), else ok/empty. */
  const outcome = (
    res: GraphQLResponse<Record<string, unknown>>,
    field: string,
    contains: (value: unknown) => boolean = () => true,
  ): Cell => {
    const value = res.data?.[field];
    const code = res.errors?.[0]?.extensions?.code as string | undefined;
    if (code) return value === null || value === undefined ? code : `LEAK(${code})`;
    return contains(value) ? 'ok' : 'empty';
  };
  const hasOrder =
    (orderId: () => string, key = 'id') =>
    (value: unknown) =>
      Array.isArray(value) && value.some((v) => (v as Record<string, unknown>)[key] === orderId());

  const inNodes = (contains: (value: unknown) => boolean) => (value: unknown) =>
    contains((value as { nodes?: unknown } | null)?.nodes);

  /** A subscription's cell: refused (code), or whether the fixture (ok) or only the marker (empty) arrived. */
  const live = async (
    p: Persona,
    query: string,
    variables: Record<string, unknown>,
    field: string,
    fixture: string,
    marker?: string,
    forbiddenIds: string[] = [],
  ): Promise<Cell> => {
    const sub = subscribe<Record<string, { orderId: string }>>(client(p), query, variables);
    const ids = () => sub.results.map((r) => r.data?.[field]?.orderId).filter(Boolean);
    let end: { completed: boolean; error?: unknown } | null = null;
    void sub.done.then((e) => {
      end = e;
    });
    try {
      await waitFor(() => end !== null || ids().includes(fixture) || (marker && ids().includes(marker)), {
        what: `${field} for ${p}`,
        timeoutMs: 30_000,
      });
      const seen = ids();
      if (seen.some((id) => forbiddenIds.includes(id!))) return 'LEAK(old order)';
      if (seen.includes(fixture)) return 'ok';
      if (marker && seen.includes(marker)) return 'empty';
      const e = end as { completed: boolean; error?: unknown } | null;
      const errs = (Array.isArray(e?.error) ? e!.error : sub.results.at(-1)?.errors) as
        | { extensions?: { code?: string } }[]
        | undefined;
      return errs?.[0]?.extensions?.code ?? 'no answer';
    } finally {
      sub.unsubscribe();
    }
  };

  const query = (
    field: string,
    q: string,
    vars: () => Record<string, unknown>,
    expected: Cells,
    contains?: (v: unknown) => boolean,
  ): Row => ({
    field,
    kind: 'query',
    expected,
    run: async (p) => outcome(await gql(p, q, vars()), field, contains),
  });
  const mutation = (
    field: string,
    q: string,
    vars: () => Record<string, unknown>,
    expected: Cells,
    order?: Persona[],
  ): Row => ({
    field,
    kind: 'mutation',
    expected,
    order: order ?? [...PERSONAS].sort((a, b) => Number(expected[a] === 'ok') - Number(expected[b] === 'ok')),
    run: async (p) => outcome(await gql(p, q, vars()), field),
  });

  const ORDER_WATCH = `subscription($id: ID!, $after: Int) { orderStatusChanged(orderId: $id, afterChangeId: $after) { orderId status customerId total } }`;
  const TICKETS = `subscription($after: Int) { ticketsChanged(afterChangeId: $after) { orderId status customerId total } }`;
  const DELIVERIES = `subscription($after: Int) { deliveryAvailable(afterChangeId: $after) { orderId status customerId total } }`;
  const OFFERS = `subscription($after: Int) { deliveryOffersChanged(afterChangeId: $after) { orderId available } }`;
  const MINE = `subscription($after: Int) { myOrdersChanged(afterChangeId: $after) { orderId status customerId total } }`;

  const rows = (): Row[] => [
    // Queries (fixtures untouched).
    query(
      'order',
      `query($id: ID!) { order(id: $id) { id customerId total } }`,
      () => ({ id: fx.delivered }),
      PARTIES,
    ),
    query(
      'myOrders',
      `{ myOrders(first: 100) { id } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'),
      hasOrder(() => fx.delivered),
    ),
    query(
      'myOrderConnection',
      `{ myOrderConnection(first: 100) { nodes { id } } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'),
      inNodes(hasOrder(() => fx.delivered)),
    ),
    query('stores', `{ stores { id name } }`, () => ({}), PUBLIC),
    query('storeConnection', `{ storeConnection(first: 100) { nodes { id } } }`, () => ({}), PUBLIC),
    query(
      'myTicketConnection',
      `{ myTicketConnection(first: 100) { nodes { orderId } } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN'),
      inNodes(hasOrder(() => fx.delivered, 'orderId')),
    ),
    query(
      'availableDeliveryConnection',
      `{ availableDeliveryConnection(first: 100) { nodes { orderId } } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'ok'),
      inNodes(hasOrder(() => fx.awaiting, 'orderId')),
    ),
    query(
      'myDeliveryConnection',
      `{ myDeliveryConnection(first: 100) { nodes { orderId } } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'empty'),
      inNodes(hasOrder(() => fx.delivered, 'orderId')),
    ),
    query('store', `{ store(id: "store-1") { id name } }`, () => ({}), PUBLIC),
    query('menuItem', `{ menuItem(id: "menu-1-1") { id name price } }`, () => ({}), PUBLIC),
    query(
      'myStores',
      `{ myStores { id } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN'),
      hasOrder(() => 'store-1'),
    ),
    query(
      'myTickets',
      `{ myTickets { orderId } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN'),
      hasOrder(() => fx.delivered, 'orderId'),
    ),
    query(
      'ticket',
      `query($id: ID!) { ticket(orderId: $id) { orderId status } }`,
      () => ({ id: fx.delivered }),
      OWNER_ONLY,
    ),
    query(
      'payment',
      `query($id: ID!) { payment(orderId: $id) { status amount } }`,
      () => ({ id: fx.delivered }),
      // The payment is the customer's and the owner's; the rider delivers the order, not its payment.
      cells('UNAUTHENTICATED', 'ok', 'FORBIDDEN', 'ok', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'),
    ),
    query(
      'availableDeliveries',
      `{ availableDeliveries { orderId } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'ok'),
      hasOrder(() => fx.awaiting, 'orderId'),
    ),
    query(
      'myDeliveries',
      `{ myDeliveries { orderId } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'empty'),
      hasOrder(() => fx.delivered, 'orderId'),
    ),
    query(
      'delivery',
      `query($id: ID!) { delivery(orderId: $id) { orderId status } }`,
      () => ({ id: fx.delivered }),
      PARTIES,
    ),
    query(
      'dashboard',
      `query($id: ID!) { dashboard(orderId: $id) { orderId total customerId } }`,
      () => ({ id: fx.delivered }),
      PARTIES,
    ),
    query(
      'myDashboards',
      `{ myDashboards(first: 100) { orderId } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'ok', 'empty', 'ok', 'empty', 'ok', 'empty'),
      hasOrder(() => fx.delivered, 'orderId'),
    ),
    // Subscriptions, replaying from the start of the change feed and live.
    {
      field: 'orderStatusChanged',
      kind: 'subscription',
      variant: 'replay',
      expected: PARTIES,
      run: (p) => live(p, ORDER_WATCH, { id: fx.delivered, after: 0 }, 'orderStatusChanged', fx.delivered),
    },
    {
      field: 'orderStatusChanged',
      kind: 'subscription',
      variant: 'current state',
      expected: PARTIES,
      run: (p) => live(p, ORDER_WATCH, { id: fx.delivered }, 'orderStatusChanged', fx.delivered),
    },
    {
      field: 'ticketsChanged',
      kind: 'subscription',
      variant: 'replay',
      expected: cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN'),
      run: (p) => live(p, TICKETS, { after: 0 }, 'ticketsChanged', fx.delivered, fx.otherOwnerMarker),
    },
    {
      field: 'deliveryAvailable',
      kind: 'subscription',
      variant: 'replay',
      expected: RIDERS,
      // Orders no longer waiting for a rider are never replayed to riders.
      run: (p) =>
        live(p, DELIVERIES, { after: 0 }, 'deliveryAvailable', fx.awaiting, undefined, [
          fx.delivered,
          fx.pickedUp,
        ]),
    },
    {
      field: 'deliveryOffersChanged',
      kind: 'subscription',
      variant: 'replay',
      expected: RIDERS,
      // Every rider hears that a job was taken (only its id), whoever took it.
      run: (p) => live(p, OFFERS, { after: 0 }, 'deliveryOffersChanged', fx.pickedUp),
    },
    {
      field: 'myOrdersChanged',
      kind: 'subscription',
      variant: 'replay',
      expected: cells('UNAUTHENTICATED', 'ok', 'empty', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'),
      run: (p) => live(p, MINE, { after: 0 }, 'myOrdersChanged', fx.delivered, fx.otherCustomerMarker),
    },
    // Mutations: the refusals run first and must change nothing, then the allowed caller succeeds.
    mutation(
      'placeOrder',
      `mutation { placeOrder(input: { storeId: "store-1", items: [{ menuItemId: "menu-1-1", quantity: 1 }] }) { id customerId } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'ok', 'ok', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'),
    ),
    mutation(
      'cancelOrder',
      `mutation($id: ID!) { cancelOrder(orderId: $id) { id status } }`,
      () => ({ id: fx.placedCancel }),
      cells('UNAUTHENTICATED', 'ok', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'),
    ),
    mutation(
      'acceptOrder',
      `mutation($id: ID!) { acceptOrder(orderId: $id) { status } }`,
      () => ({ id: fx.placedAccept }),
      OWNER_ONLY,
    ),
    mutation(
      'rejectOrder',
      `mutation($id: ID!) { rejectOrder(orderId: $id, reason: "closed") { status } }`,
      () => ({ id: fx.placedReject }),
      OWNER_ONLY,
    ),
    mutation(
      'startCooking',
      `mutation($id: ID!) { startCooking(orderId: $id) { status } }`,
      () => ({ id: fx.accepted }),
      OWNER_ONLY,
    ),
    mutation(
      'markReady',
      `mutation($id: ID!) { markReady(orderId: $id) { status } }`,
      () => ({ id: fx.cooking }),
      OWNER_ONLY,
    ),
    mutation(
      'setStoreOpen',
      `mutation { setStoreOpen(storeId: "store-1", open: true) { id open } }`,
      () => ({}),
      OWNER_ONLY,
    ),
    mutation(
      'setMenuItemAvailable',
      `mutation { setMenuItemAvailable(menuItemId: "menu-1-1", available: true) { id available } }`,
      () => ({}),
      OWNER_ONLY,
    ),
    // Catalogue changes (test/e2e/ownerCatalogue.e2e.ts has each one with an admin and input errors).
    // Any owner may create a store of their own.
    mutation(
      'createStore',
      `mutation { createStore(input: { name: "Matrix", category: "KOREAN", address: "1 Jong-ro" }) { id open } }`,
      () => ({}),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'ok', 'FORBIDDEN', 'FORBIDDEN'),
    ),
    mutation(
      'updateStore',
      `mutation { updateStore(storeId: "store-1", input: { address: "12 Teheran-ro, Gangnam-gu, Seoul" }) { id } }`,
      () => ({}),
      OWNER_ONLY,
    ),
    mutation(
      'addMenuItem',
      `mutation { addMenuItem(storeId: "store-1", input: { name: "Matrix Fries", price: 3000 }) { id } }`,
      () => ({}),
      OWNER_ONLY,
    ),
    mutation(
      'updateMenuItem',
      `mutation { updateMenuItem(menuItemId: "menu-1-5", input: { description: "Crunchy" }) { id } }`,
      () => ({}),
      OWNER_ONLY,
    ),
    mutation(
      'reorderMenu',
      `mutation { reorderMenu(storeId: "store-2", menuItemIds: ["menu-2-1", "menu-2-2", "menu-2-3", "menu-2-4", "menu-2-5"]) { id } }`,
      () => ({}),
      OWNER_ONLY,
    ),
    mutation(
      'removeMenuItem',
      `mutation($id: ID!) { removeMenuItem(menuItemId: $id) { id } }`,
      () => ({ id: fx.removableItem }),
      OWNER_ONLY,
    ),
    mutation(
      'pickUp',
      `mutation($id: ID!) { pickUp(orderId: $id) { status riderId } }`,
      () => ({ id: fx.readyPick }),
      // Any rider may pick a READY order up; the second one finds it taken.
      cells(
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'FORBIDDEN',
        'FORBIDDEN',
        'FORBIDDEN',
        'ok',
        'INVALID_TRANSITION',
      ),
      ['anonymous', 'customer', 'otherCustomer', 'owner', 'otherOwner', 'rider', 'otherRider'],
    ),
    mutation(
      'completeDelivery',
      `mutation($id: ID!) { completeDelivery(orderId: $id) { status } }`,
      () => ({ id: fx.pickedUp }),
      cells('UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ok', 'FORBIDDEN'),
    ),
  ];

  const alice = WHO.customer.sub;
  const ready = async (customer: string) => {
    const o = await placeOrder(sys, customer);
    await waitForTicket(sys, o.id);
    await ownerDoes(sys, 'acceptOrder', o.id);
    await ownerDoes(sys, 'startCooking', o.id);
    await ownerDoes(sys, 'markReady', o.id);
    await waitForDeliveryAvailable(sys, o.id, WHO.rider.sub);
    await waitForOrderStatus(sys, customer, o.id, 'READY');
    return o.id;
  };

  beforeAll(async () => {
    sys = await TestSystem.start();
    const delivered = (await placeOrder(sys, alice)).id;
    await driveToDelivered(sys, alice, delivered, WHO.rider.sub);
    const pickedUp = await ready(alice);
    await riderDoes(sys, 'pickUp', pickedUp, WHO.rider.sub);
    const readyPick = await ready(alice);
    const placed = async () => {
      const o = await placeOrder(sys, alice);
      await waitForTicket(sys, o.id);
      return o.id;
    };
    const placedCancel = await placed();
    const placedAccept = await placed();
    const placedReject = await placed();
    const accepted = await placed();
    await ownerDoes(sys, 'acceptOrder', accepted);
    const cooking = await placed();
    await ownerDoes(sys, 'acceptOrder', cooking);
    await ownerDoes(sys, 'startCooking', cooking);
    const awaiting = await ready(alice);
    const otherCustomerMarker = (await placeOrder(sys, WHO.otherCustomer.sub)).id;
    const otherOwnerMarker = (
      await placeOrder(sys, 'mx-carol', [{ menuItemId: 'menu-3-1', quantity: 1 }], 'store-3')
    ).id;
    await waitForTicket(sys, otherOwnerMarker, 'AWAITING_ACCEPTANCE', 'owner-2');
    await waitForTicket(sys, otherCustomerMarker);
    const removableItem = (
      await sys.ok<{ addMenuItem: { id: string } }>(
        'mutation { addMenuItem(storeId: "store-1", input: { name: "Removable", price: 1000 }) { id } }',
        {},
        sys.token('owner', 'owner-1'),
      )
    ).addMenuItem.id;
    fx = {
      removableItem,
      delivered,
      awaiting,
      placedCancel,
      placedAccept,
      placedReject,
      accepted,
      cooking,
      readyPick,
      pickedUp,
      otherCustomerMarker,
      otherOwnerMarker,
    };
  }, 300_000);
  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.dispose()));
    await sys?.close();
  });

  it('has a row for every root field of the supergraph', () => {
    const sdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
    const api = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
    const fields = [api.getQueryType(), api.getMutationType(), api.getSubscriptionType()].flatMap((t) =>
      t ? Object.keys(t.getFields()).map((f) => `${t.name}.${f}`) : [],
    );
    const kinds = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;
    const covered = new Set(rows().map((r) => `${kinds[r.kind]}.${r.field}`));
    expect(fields.filter((f) => !covered.has(f))).toEqual([]);
  });

  it('every cell gets exactly what the API allows, and no refused cell carries data', async () => {
    for (const row of rows()) {
      for (const p of row.order ?? PERSONAS) {
        const got = await row.run(p);
        results.set(`${row.kind} ${row.field}${row.variant ? ` (${row.variant})` : ''} × ${p}`, {
          expected: row.expected[p],
          got,
        });
      }
    }
    const table = [...results].map(([cell, r]) => `${r.expected === r.got ? '  ' : '✗ '}${cell}: ${r.got}`);
    console.log(`authorization matrix (${results.size} cells):\n${table.join('\n')}`);
    const wrong = [...results]
      .filter(([, r]) => r.expected !== r.got)
      .map(([cell, r]) => `${cell}: expected ${r.expected}, got ${r.got}`);
    expect(wrong).toEqual([]);
  });

  it('live feeds (no replay): each new event reaches exactly the callers the order rule allows', async () => {
    const FEEDS = [
      { field: 'ticketsChanged', query: TICKETS },
      { field: 'deliveryAvailable', query: DELIVERIES },
      { field: 'deliveryOffersChanged', query: OFFERS },
      { field: 'myOrdersChanged', query: MINE },
    ];
    const subs = FEEDS.flatMap((f) =>
      PERSONAS.map((p) => ({
        ...f,
        p,
        sub: subscribe<Record<string, { orderId: string }>>(client(p), f.query),
      })),
    );
    const settled = new Set<(typeof subs)[number]>();
    for (const s of subs) void s.sub.done.then(() => settled.add(s));
    await waitFor(
      async () => {
        const stats = (await sys.routerSubscriptions()) as {
          watchers: number;
        };
        return stats.watchers + settled.size === subs.length;
      },
      { what: 'every live subscription accepted or refused' },
    );
    const order = await ready(alice);
    const marker = (await placeOrder(sys, WHO.otherCustomer.sub)).id;
    const markerOther = (
      await placeOrder(sys, 'mx-carol', [{ menuItemId: 'menu-3-1', quantity: 1 }], 'store-3')
    ).id;
    const ids = (s: (typeof subs)[number]) => s.sub.results.map((r) => r.data?.[s.field]?.orderId);
    const expected: Record<string, Cells> = {
      ticketsChanged: cells(
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'FORBIDDEN',
        'ok',
        'empty',
        'FORBIDDEN',
        'FORBIDDEN',
      ),
      deliveryAvailable: RIDERS,
      deliveryOffersChanged: RIDERS,
      myOrdersChanged: cells(
        'UNAUTHENTICATED',
        'ok',
        'empty',
        'FORBIDDEN',
        'FORBIDDEN',
        'FORBIDDEN',
        'FORBIDDEN',
      ),
    };
    const wrong: string[] = [];
    for (const s of subs) {
      const want = expected[s.field]![s.p];
      const markerFor = s.field === 'ticketsChanged' ? markerOther : marker;
      await waitFor(
        () => settled.has(s) || ids(s).includes(order) || (want === 'empty' && ids(s).includes(markerFor)),
        { what: `${s.field} × ${s.p}` },
      );
      let got: Cell;
      if (ids(s).includes(order)) got = 'ok';
      else if (ids(s).includes(markerFor)) got = 'empty';
      else {
        const e = await s.sub.done;
        got =
          (
            (Array.isArray(e.error) ? e.error : s.sub.results.at(-1)?.errors) as {
              extensions?: { code?: string };
            }[]
          )?.[0]?.extensions?.code ?? 'no answer';
      }
      if (got !== want) wrong.push(`${s.field} × ${s.p}: expected ${want}, got ${got}`);
    }
    for (const s of subs) s.sub.unsubscribe();
    expect(wrong).toEqual([]);
  });
});
