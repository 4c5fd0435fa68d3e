/**
 * Owners run their stores through the router, on the real processes: every catalogue mutation ×
 * {the store's owner, another owner, a customer, anonymous} (plus an admin), validation with coded
 * errors, prices flowing to the order context (a price change racing placeOrder: every order is
 * priced from one whole published menu), opening hours, minimum order and delivery fee, and cursor
 * pagination over more than one page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTime, WEEKDAYS } from '../../packages/platform/src/catalog/openingHours.js';
import { type GraphQLResponse, TestSystem, waitFor } from '../harness/TestSystem.js';

type Persona = 'owner' | 'otherOwner' | 'customer' | 'anonymous' | 'admin';
const PERSONAS: readonly Persona[] = ['owner', 'otherOwner', 'customer', 'anonymous', 'admin'];
const WHO = {
  owner: { role: 'owner', sub: 'cat-owner-a' },
  otherOwner: { role: 'owner', sub: 'cat-owner-b' },
  customer: { role: 'customer', sub: 'cat-alice' },
  admin: { role: 'admin', sub: 'cat-admin' },
} as const;

const STORE_FIELDS = `id name ownerId open address timeZone minimumOrder deliveryFee acceptingOrders
  openingHours { day opens closes } menu { id name price available category options { name priceDelta } }`;

interface StoreView {
  id: string;
  name: string;
  ownerId: string;
  open: boolean;
  address: string;
  timeZone: string;
  minimumOrder: number;
  deliveryFee: number;
  acceptingOrders: boolean;
  openingHours: { day: string; opens: string; closes: string }[];
  menu: { id: string; name: string; price: number; available: boolean; category: string }[];
}

interface OrderView {
  id: string;
  total: number;
  deliveryFee: number;
  items: { menuItem: { id: string }; quantity: number; unitPrice: number }[];
}

let sys: TestSystem;
const token = (p: Persona) => (p === 'anonymous' ? undefined : sys.token(WHO[p].role, WHO[p].sub));
const gql = <T = Record<string, unknown>>(
  p: Persona,
  query: string,
  variables: Record<string, unknown> = {},
) => sys.gql<T>(query, variables, token(p));
async function ok<T>(p: Persona, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await gql<T>(p, query, variables);
  if (res.errors?.length || !res.data) throw new Error(`${query}: ${JSON.stringify(res.errors)}`);
  return res.data;
}
/** The error code of a refused call (with no data for the field), or 'ok'. */
function outcome(res: GraphQLResponse<Record<string, unknown>>, field: string): string {
  const code = res.errors?.[0]?.extensions?.code as string | undefined;
  if (!code) return 'ok';
  return res.data?.[field] == null ? code : `LEAK(${code})`;
}

async function createStore(p: Persona, input: Record<string, unknown>): Promise<StoreView> {
  return (
    await ok<{ createStore: StoreView }>(
      p,
      `mutation($input: CreateStoreInput!) { createStore(input: $input) { ${STORE_FIELDS} } }`,
      { input },
    )
  ).createStore;
}
async function addItem(p: Persona, storeId: string, input: Record<string, unknown>): Promise<string> {
  return (
    await ok<{ addMenuItem: { id: string } }>(
      p,
      'mutation($s: ID!, $input: MenuItemInput!) { addMenuItem(storeId: $s, input: $input) { id } }',
      { s: storeId, input },
    )
  ).addMenuItem.id;
}
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  id total deliveryFee items { menuItem { id } quantity unitPrice } } }`;
function place(customer: string, storeId: string, items: { menuItemId: string; quantity: number }[]) {
  return sys.gql<{ placeOrder: OrderView }>(
    PLACE,
    { input: { storeId, items } },
    sys.token('customer', customer),
  );
}
/** Waits until the order context prices `storeId` (its replica has the store's snapshot). */
async function waitUntilOrderable(storeId: string, itemId: string): Promise<OrderView> {
  return waitFor(
    async () => {
      const res = await place('cat-probe', storeId, [{ menuItemId: itemId, quantity: 1 }]);
      return res.data?.placeOrder;
    },
    { what: `store ${storeId} to take orders`, timeoutMs: 30_000 },
  );
}

const baseStore = (name: string) => ({
  name,
  category: 'KOREAN',
  address: '1 Sejong-daero, Jung-gu, Seoul',
  open: true,
});

beforeAll(async () => {
  sys = await TestSystem.start();
}, 180_000);
afterAll(async () => {
  await sys?.close();
});

describe('catalogue mutations × callers (through the router)', () => {
  /**
   * One row per mutation. Each cell runs on a store owned by `owner` made fresh for the row, so
   * cells do not depend on each other; 'ok' cells also check what changed.
   */
  interface Row {
    field: string;
    expected: Record<Persona, string>;
    run: (p: Persona, fx: { storeId: string; itemIds: string[] }) => Promise<string>;
  }
  const OWNER_OR_ADMIN = {
    owner: 'ok',
    otherOwner: 'FORBIDDEN',
    customer: 'FORBIDDEN',
    anonymous: 'UNAUTHENTICATED',
    admin: 'ok',
  };
  const rows: Row[] = [
    {
      field: 'createStore',
      // Another owner creating a store creates their own; admins must name the owner.
      expected: {
        owner: 'ok',
        otherOwner: 'ok',
        customer: 'FORBIDDEN',
        anonymous: 'UNAUTHENTICATED',
        admin: 'ok',
      },
      run: async (p) => {
        const input = { ...baseStore(`New ${p}`), ...(p === 'admin' ? { ownerId: WHO.owner.sub } : {}) };
        const res = await gql<{ createStore: StoreView }>(
          p,
          `mutation($input: CreateStoreInput!) { createStore(input: $input) { ${STORE_FIELDS} } }`,
          { input },
        );
        const o = outcome(res, 'createStore');
        if (o === 'ok') {
          const s = res.data!.createStore;
          expect(s).toMatchObject({ name: `New ${p}`, timeZone: 'Asia/Seoul', minimumOrder: 0, open: true });
          expect(s.ownerId).toBe(p === 'otherOwner' ? WHO.otherOwner.sub : WHO.owner.sub);
        }
        return o;
      },
    },
    {
      field: 'updateStore',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const res = await gql(
          p,
          'mutation($s: ID!) { updateStore(storeId: $s, input: { name: "Renamed", deliveryFee: 3000 }) { name deliveryFee } }',
          { s: fx.storeId },
        );
        if (outcome(res, 'updateStore') === 'ok')
          expect(res.data?.updateStore).toEqual({ name: 'Renamed', deliveryFee: 3000 });
        return outcome(res, 'updateStore');
      },
    },
    {
      field: 'setStoreOpen',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const res = await gql(p, 'mutation($s: ID!) { setStoreOpen(storeId: $s, open: false) { open } }', {
          s: fx.storeId,
        });
        if (outcome(res, 'setStoreOpen') === 'ok') expect(res.data?.setStoreOpen).toEqual({ open: false });
        return outcome(res, 'setStoreOpen');
      },
    },
    {
      field: 'addMenuItem',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const res = await gql(
          p,
          `mutation($s: ID!) { addMenuItem(storeId: $s, input: { name: "Mandu", price: 7000, category: "Sides",
            options: [{ name: "Extra sauce", priceDelta: 500 }] }) { name price category options { name priceDelta } store { id } } }`,
          { s: fx.storeId },
        );
        if (outcome(res, 'addMenuItem') === 'ok')
          expect(res.data?.addMenuItem).toEqual({
            name: 'Mandu',
            price: 7000,
            category: 'Sides',
            options: [{ name: 'Extra sauce', priceDelta: 500 }],
            store: { id: fx.storeId },
          });
        return outcome(res, 'addMenuItem');
      },
    },
    {
      field: 'updateMenuItem',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const res = await gql(
          p,
          'mutation($i: ID!) { updateMenuItem(menuItemId: $i, input: { price: 9900, description: "New recipe" }) { price description } }',
          { i: fx.itemIds[0] },
        );
        if (outcome(res, 'updateMenuItem') === 'ok')
          expect(res.data?.updateMenuItem).toEqual({ price: 9900, description: 'New recipe' });
        return outcome(res, 'updateMenuItem');
      },
    },
    {
      field: 'setMenuItemAvailable',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const res = await gql(
          p,
          'mutation($i: ID!) { setMenuItemAvailable(menuItemId: $i, available: false) { available } }',
          { i: fx.itemIds[0] },
        );
        return outcome(res, 'setMenuItemAvailable');
      },
    },
    {
      field: 'reorderMenu',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const reversed = [...fx.itemIds].reverse();
        const res = await gql<{ reorderMenu: { menu: { id: string }[] } }>(
          p,
          'mutation($s: ID!, $ids: [ID!]!) { reorderMenu(storeId: $s, menuItemIds: $ids) { menu { id } } }',
          { s: fx.storeId, ids: reversed },
        );
        if (outcome(res, 'reorderMenu') === 'ok')
          expect(res.data!.reorderMenu.menu.map((m) => m.id)).toEqual(reversed);
        return outcome(res, 'reorderMenu');
      },
    },
    {
      field: 'removeMenuItem',
      expected: OWNER_OR_ADMIN,
      run: async (p, fx) => {
        const res = await gql<{ removeMenuItem: { menu: { id: string }[] } }>(
          p,
          'mutation($i: ID!) { removeMenuItem(menuItemId: $i) { menu { id } } }',
          { i: fx.itemIds[0] },
        );
        if (outcome(res, 'removeMenuItem') === 'ok') {
          expect(res.data!.removeMenuItem.menu.map((m) => m.id)).toEqual(fx.itemIds.slice(1));
          // Still resolvable (past orders name it), marked removed.
          const item = await ok<{ menuItem: { removed: boolean } }>(
            'customer',
            'query($i: ID!) { menuItem(id: $i) { removed } }',
            {
              i: fx.itemIds[0],
            },
          );
          expect(item.menuItem.removed).toBe(true);
        }
        return outcome(res, 'removeMenuItem');
      },
    },
  ];

  it('each mutation answers each caller with data or the coded error, and refusals change nothing', async () => {
    const results: string[] = [];
    const wrong: string[] = [];
    for (const row of rows) {
      for (const p of PERSONAS) {
        const store = await createStore('owner', baseStore(`${row.field} × ${p}`));
        const itemIds = [
          await addItem('owner', store.id, { name: 'Bibimbap', price: 9000, category: 'Rice' }),
          await addItem('owner', store.id, { name: 'Kimchi', price: 2000, category: 'Sides' }),
        ];
        const got = await row.run(p, { storeId: store.id, itemIds });
        results.push(`${row.field} × ${p}: ${got}`);
        if (got !== row.expected[p])
          wrong.push(`${row.field} × ${p}: expected ${row.expected[p]}, got ${got}`);
        if (got !== 'ok' && row.field !== 'createStore') {
          // A refused call left the store exactly as it was.
          const after = await ok<{ store: StoreView }>(
            'customer',
            `query($s: ID!) { store(id: $s) { ${STORE_FIELDS} } }`,
            {
              s: store.id,
            },
          );
          expect(after.store).toEqual({ ...store, menu: after.store.menu });
          expect(after.store.menu.map((m) => [m.id, m.price, m.available])).toEqual([
            [itemIds[0], 9000, true],
            [itemIds[1], 2000, true],
          ]);
        }
      }
    }
    console.log(`catalogue mutations × callers:\n${results.join('\n')}`);
    expect(wrong).toEqual([]);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
    const store = await createStore('owner', baseStore('Validation'));
    const item = await addItem('owner', store.id, { name: 'Tteok', price: 5000 });
    const cases: [string, string, Record<string, unknown>, string][] = [
      [
        'createStore',
        'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
        { v: { ...baseStore(' '), name: '   ' } },
        'name',
      ],
      [
        'createStore',
        'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
        { v: { ...baseStore('x'), address: '' } },
        'address',
      ],
      [
        'createStore',
        'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
        { v: { ...baseStore('x'), timeZone: 'Mars/Olympus' } },
        'timeZone',
      ],
      [
        'createStore',
        'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
        { v: { ...baseStore('x'), deliveryFee: -1 } },
        'deliveryFee',
      ],
      [
        'createStore',
        'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
        { v: { ...baseStore('x'), openingHours: [{ day: 'MON', opens: '25:00', closes: '10:00' }] } },
        'openingHours[0].opens',
      ],
      [
        'createStore',
        'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
        { v: { ...baseStore('x'), name: 'x'.repeat(81) } },
        'name',
      ],
      [
        'updateStore',
        'mutation($s: ID!, $v: UpdateStoreInput!) { updateStore(storeId: $s, input: $v) { id } }',
        { s: store.id, v: { minimumOrder: 2_000_000 } },
        'minimumOrder',
      ],
      [
        'addMenuItem',
        'mutation($s: ID!, $v: MenuItemInput!) { addMenuItem(storeId: $s, input: $v) { id } }',
        { s: store.id, v: { name: 'Free?', price: -100 } },
        'price',
      ],
      [
        'addMenuItem',
        'mutation($s: ID!, $v: MenuItemInput!) { addMenuItem(storeId: $s, input: $v) { id } }',
        {
          s: store.id,
          v: {
            name: 'Dup',
            price: 100,
            options: [
              { name: 'Egg', priceDelta: 500 },
              { name: 'egg', priceDelta: 0 },
            ],
          },
        },
        'options[1].name',
      ],
      [
        'updateMenuItem',
        'mutation($i: ID!, $v: UpdateMenuItemInput!) { updateMenuItem(menuItemId: $i, input: $v) { id } }',
        { i: item, v: { name: '' } },
        'name',
      ],
      [
        'reorderMenu',
        'mutation($s: ID!, $ids: [ID!]!) { reorderMenu(storeId: $s, menuItemIds: $ids) { id } }',
        { s: store.id, ids: [item, item] },
        'menuItemIds',
      ],
    ];
    for (const [field, query, vars, badField] of cases) {
      const res = await gql('owner', query, vars);
      expect({
        field,
        badField,
        code: res.errors?.[0]?.extensions?.code,
        extField: res.errors?.[0]?.extensions?.field,
      }).toEqual({
        field,
        badField,
        code: 'BAD_USER_INPUT',
        extField: badField,
      });
      expect(res.data?.[field] ?? null).toBeNull();
    }
    // An admin must name the owner; an owner may not create for someone else.
    const adminNoOwner = await gql(
      'admin',
      'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
      { v: baseStore('x') },
    );
    expect(adminNoOwner.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ownerId' });
    const ownerForOther = await gql(
      'owner',
      'mutation($v: CreateStoreInput!) { createStore(input: $v) { id } }',
      {
        v: { ...baseStore('x'), ownerId: WHO.otherOwner.sub },
      },
    );
    expect(ownerForOther.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await gql(
      'owner',
      'mutation { updateMenuItem(menuItemId: "nope", input: { price: 1 }) { id } }',
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('prices reach placeOrder through the store snapshots', () => {
  it('a price change racing placeOrder: every order is priced from one whole published menu, and keeps its price', async () => {
    const store = await createStore('owner', { ...baseStore('Race Kitchen'), deliveryFee: 1000 });
    const x = await addItem('owner', store.id, { name: 'Jjajangmyeon', price: 10_000 });
    const y = await addItem('owner', store.id, { name: 'Tangsuyuk', price: 20_000 });
    await waitUntilOrderable(store.id, x);

    // Every menu state the store publishes, in order: [price x, price y, fee]. Each mutation
    // changes one of them, so an order mixing two states' values matches none of them.
    const states: [number, number, number][] = [[10_000, 20_000, 1000]];
    const key = ([px, py, fee]: readonly number[]) => `${px}/${py}/${fee}`;
    const orders: { customer: string; order: OrderView }[] = [];
    /** True once a racing order was priced from `state` (the order context accepted it with that menu). */
    const observed = (state: [number, number, number]) =>
      orders.some(({ order: o }) => key(pricesOf(o)) === key(state));
    const pricesOf = (o: OrderView): [number, number, number] => [
      o.items.find((l) => l.menuItem.id === x)!.unitPrice,
      o.items.find((l) => l.menuItem.id === y)!.unitPrice,
      o.deliveryFee,
    ];
    let changing = true;
    // The owner changes the menu CHANGES times while customers order without pause. Before each
    // change it waits (on a fact, not a delay) until a racing order was priced from the state now
    // published: so the orders land on every state, each change racing the orders in flight.
    const CHANGES = 12;
    const changes = async () => {
      try {
        for (let i = 1; i <= CHANGES; i++) {
          await waitFor(() => observed(states.at(-1)!), {
            what: `an order priced from menu state ${key(states.at(-1)!)}`,
            timeoutMs: 30_000,
            intervalMs: 10,
          });
          const [px, py, fee] = states.at(-1)!;
          const which = i % 3;
          const next: [number, number, number] =
            which === 1 ? [px + 100, py, fee] : which === 2 ? [px, py + 100, fee] : [px, py, fee + 100];
          if (which === 0)
            await ok(
              'owner',
              'mutation($s: ID!, $f: Int!) { updateStore(storeId: $s, input: { deliveryFee: $f }) { id } }',
              { s: store.id, f: next[2] },
            );
          else
            await ok(
              'owner',
              'mutation($i: ID!, $p: Int!) { updateMenuItem(menuItemId: $i, input: { price: $p }) { id } }',
              which === 1 ? { i: x, p: next[0] } : { i: y, p: next[1] },
            );
          states.push(next);
        }
        await waitFor(() => observed(states.at(-1)!), {
          what: 'an order priced from the last menu state',
          timeoutMs: 30_000,
          intervalMs: 10,
        });
      } finally {
        changing = false;
      }
    };
    const customers = ['race-a', 'race-b', 'race-c'];
    /** Orders back to back while the owner changes prices (bounded, should the changes stall). */
    const ordering = async (customer: string) => {
      for (let i = 0; changing && i < 400; i++) {
        const res = await place(customer, store.id, [
          { menuItemId: x, quantity: 1 },
          { menuItemId: y, quantity: 2 },
        ]);
        if (res.errors?.length) {
          changing = false;
          throw new Error(JSON.stringify(res.errors));
        }
        orders.push({ customer, order: res.data!.placeOrder });
      }
    };
    await Promise.all([changes(), ...customers.map(ordering)]);
    expect(states).toHaveLength(CHANGES + 1);

    const index = new Map(states.map((s, i) => [key(s), i]));
    const priced = orders.map(({ customer, order: o }) => {
      const [px, py, fee] = pricesOf(o);
      return { id: o.id, customer, px, py, fee, total: o.total, state: index.get(key([px, py, fee])) };
    });
    for (const o of priced) {
      expect(o.total, `order ${o.id}`).toBe(o.px + 2 * o.py + o.fee);
      expect(
        o.state,
        `order ${o.id} priced ${o.px}/${o.py}/${o.fee}, not one published menu: ${JSON.stringify(states)}`,
      ).toBeDefined();
    }
    // The orders landed on many distinct states (every one, by construction of the wait above)…
    const seen = new Set(priced.map((o) => o.state));
    expect(seen.size).toBeGreaterThanOrEqual(6);
    expect([...seen].sort((a, b) => a! - b!)).toEqual(states.map((_, i) => i));
    // …and one customer's orders, placed one after another, never go back to an older menu.
    for (const c of customers) {
      const mine = priced.filter((o) => o.customer === c).map((o) => o.state!);
      expect(mine, `${c}'s orders, by menu state`).toEqual([...mine].sort((a, b) => a - b));
    }
    console.log(
      `race: ${orders.length} orders over ${states.length} menu states, ${seen.size} distinct states observed`,
    );

    // The newest menu prices the next order…
    const [fx, fy, ffee] = states.at(-1)!;
    const latest = await waitFor(
      async () => {
        const o = (await place('race-a', store.id, [{ menuItemId: x, quantity: 1 }])).data?.placeOrder;
        return o && o.items[0]!.unitPrice === fx && o.deliveryFee === ffee ? o : undefined;
      },
      { what: 'the newest price to reach the order context' },
    );
    expect(latest.total).toBe(fx + ffee);
    expect(fy).toBe(20_000 + 100 * (CHANGES / 3));
    // …and orders placed before keep theirs (read back a few at a time).
    for (let i = 0; i < priced.length; i += 10) {
      await Promise.all(
        priced.slice(i, i + 10).map(async (o) => {
          // The store's owner may read every order of the store.
          const again = await ok<{ order: { total: number } }>(
            'owner',
            'query($id: ID!) { order(id: $id) { total } }',
            { id: o.id },
          );
          expect(again.order.total, `order ${o.id}`).toBe(o.total);
        }),
      );
    }
  });

  it('opening hours (STORE_CLOSED outside them, on the store time zone), minimum order and delivery fee', async () => {
    // A period on the day after tomorrow in Seoul: never now.
    const today = WEEKDAYS.indexOf(localTime(new Date(), 'Asia/Seoul').day);
    const otherDay = WEEKDAYS[(today + 2) % 7]!;
    const store = await createStore('owner', {
      ...baseStore('Night Market'),
      openingHours: [{ day: otherDay, opens: '18:00', closes: '02:00' }],
      minimumOrder: 15_000,
      deliveryFee: 2_500,
    });
    expect(store.acceptingOrders).toBe(false);
    expect(store.openingHours).toEqual([{ day: otherDay, opens: '18:00', closes: '02:00' }]);
    const item = await addItem('owner', store.id, { name: 'Hotteok', price: 8_000 });
    const closed = await waitFor(
      async () => {
        const res = await place('hours-alice', store.id, [{ menuItemId: item, quantity: 2 }]);
        return res.errors?.[0]?.extensions?.code === 'STORE_CLOSED' ? res : undefined;
      },
      { what: 'STORE_CLOSED outside opening hours' },
    );
    expect(closed.errors?.[0]?.extensions).toMatchObject({
      reason: 'OUTSIDE_OPENING_HOURS',
      storeId: store.id,
    });
    expect(closed.data?.placeOrder ?? null).toBeNull();

    // Hours now: open every day, all day, in a zone of its own.
    const everyDay = WEEKDAYS.map((day) => ({ day, opens: '00:00', closes: '24:00' }));
    const updated = await ok<{ updateStore: { acceptingOrders: boolean; timeZone: string } }>(
      'owner',
      'mutation($s: ID!, $h: [OpeningPeriodInput!]) { updateStore(storeId: $s, input: { openingHours: $h, timeZone: "Europe/Berlin" }) { acceptingOrders timeZone } }',
      { s: store.id, h: everyDay },
    );
    expect(updated.updateStore).toEqual({ acceptingOrders: true, timeZone: 'Europe/Berlin' });
    const small = await waitFor(
      async () => {
        const res = await place('hours-alice', store.id, [{ menuItemId: item, quantity: 1 }]);
        return res.errors?.[0]?.extensions?.code === 'MINIMUM_ORDER_NOT_MET' ? res : undefined;
      },
      { what: 'the hours change to reach the order context' },
    );
    expect(small.errors?.[0]?.extensions).toMatchObject({ minimumOrder: 15_000, subtotal: 8_000 });
    const placed = await place('hours-alice', store.id, [{ menuItemId: item, quantity: 2 }]);
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.placeOrder).toMatchObject({ total: 16_000 + 2_500, deliveryFee: 2_500 });
  });
});

describe('pagination and menu search', () => {
  it('pages a menu of 25 items with cursors, and filters by category, name and availability', async () => {
    const store = await createStore('owner', baseStore('Big Menu'));
    const ids: string[] = [];
    for (let i = 0; i < 25; i++)
      ids.push(
        await addItem('owner', store.id, {
          name: `${i % 5 === 0 ? 'Spicy ' : ''}Dish ${String(i).padStart(2, '0')}`,
          price: 1000 + i,
          category: i % 2 === 0 ? 'Even' : 'Odd',
          available: i % 3 !== 0,
        }),
      );
    const PAGE = `query($s: ID!, $after: String, $c: String, $q: String, $a: Boolean) { store(id: $s) {
      menuItems(first: 10, after: $after, category: $c, search: $q, availableOnly: $a) {
        edges { cursor node { id } } nodes { id name category available } pageInfo { hasNextPage endCursor } } } }`;
    type Page = {
      store: {
        menuItems: {
          nodes: { id: string; name: string; category: string; available: boolean }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
    };
    const all = async (vars: Record<string, unknown>) => {
      const seen: Page['store']['menuItems']['nodes'] = [];
      const sizes: number[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Page = await ok<Page>('anonymous', PAGE, { s: store.id, after, ...vars });
        const { nodes, pageInfo } = page.store.menuItems;
        seen.push(...nodes);
        sizes.push(nodes.length);
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor;
      }
      return { seen, sizes };
    };
    const everything = await all({});
    expect(everything.sizes).toEqual([10, 10, 5]);
    expect(everything.seen.map((n) => n.id)).toEqual(ids);
    expect((await all({ c: 'Odd' })).seen.map((n) => n.id)).toEqual(ids.filter((_, i) => i % 2 === 1));
    expect((await all({ q: 'spicy' })).seen.map((n) => n.name)).toEqual([
      'Spicy Dish 00',
      'Spicy Dish 05',
      'Spicy Dish 10',
      'Spicy Dish 15',
      'Spicy Dish 20',
    ]);
    const available = await all({ a: true });
    expect(available.seen.map((n) => n.id)).toEqual(ids.filter((_, i) => i % 3 !== 0));
    expect(available.sizes).toEqual([10, 6]);
    // A wildcard in the search is literal.
    expect((await all({ q: '%' })).seen).toEqual([]);

    const bad = await gql('anonymous', PAGE.replace('first: 10', 'first: 1000'), { s: store.id });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const forged = await gql('anonymous', PAGE, { s: store.id, after: 'not-a-cursor' });
    expect(forged.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('pages stores, a customer’s orders and an owner’s tickets without gaps or repeats', async () => {
    const PAGE = `query($after: String) { storeConnection(first: 3, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const storeIds: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const d: {
        storeConnection: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      } = await ok('anonymous', PAGE, { after });
      storeIds.push(...d.storeConnection.nodes.map((n) => n.id));
      pages++;
      if (!d.storeConnection.pageInfo.hasNextPage) break;
      after = d.storeConnection.pageInfo.endCursor;
    }
    const listed = (await ok<{ stores: { id: string }[] }>('anonymous', '{ stores { id } }')).stores.map(
      (s) => s.id,
    );
    expect(pages).toBeGreaterThan(1);
    expect(new Set(storeIds).size).toBe(storeIds.length);
    expect([...storeIds].sort()).toEqual([...listed].sort());

    const store = await createStore('owner', baseStore('Paged Orders'));
    const item = await addItem('owner', store.id, { name: 'Gimbap', price: 4000 });
    await waitUntilOrderable(store.id, item);
    const placed: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await place('pager', store.id, [{ menuItemId: item, quantity: 1 }]);
      placed.push(res.data!.placeOrder.id);
    }
    type Conn = { nodes: Record<string, string>[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    const collect = async (query: string, field: string, who: () => string | undefined) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const res: GraphQLResponse<Record<string, Conn>> = await sys.gql<Record<string, Conn>>(
          query,
          { after: cursor },
          who(),
        );
        if (res.errors?.length) throw new Error(JSON.stringify(res.errors));
        const conn: Conn = res.data![field]!;
        ids.push(...conn.nodes.map((n) => n.id ?? n.orderId!));
        if (!conn.pageInfo.hasNextPage) break;
        cursor = conn.pageInfo.endCursor;
      }
      return ids;
    };
    const mine = await collect(
      'query($after: String) { myOrderConnection(first: 3, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }',
      'myOrderConnection',
      () => sys.token('customer', 'pager'),
    );
    expect(mine).toEqual([...placed].reverse());
    const legacy = await sys.ok<{ myOrders: { id: string }[] }>(
      '{ myOrders(first: 10) { id } }',
      {},
      sys.token('customer', 'pager'),
    );
    expect(legacy.myOrders.map((o) => o.id)).toEqual(mine);

    await waitFor(
      async () => {
        const t = await collect(
          'query($after: String) { myTicketConnection(first: 4, after: $after) { nodes { orderId } pageInfo { hasNextPage endCursor } } }',
          'myTicketConnection',
          () => sys.token('owner', WHO.owner.sub),
        );
        return placed.every((id) => t.includes(id)) && new Set(t).size === t.length;
      },
      { what: 'every ticket, once, across pages' },
    );
  });
});
