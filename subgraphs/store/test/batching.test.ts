import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { menuItems, stores } from '../src/db/schema.js';
import { start } from '../src/server.js';
import { gql, SECRET, tempDir } from '@baemin/platform/testing';

/**
 * N+1 check on the real store subgraph and its SQLite file: the statements the read connection
 * runs on stores and menu items (Database.onRead) are counted while queries over many objects are
 * answered. (Background work such as the outbox relay reads other tables.)
 */
const EXTRA_STORES = 40;
const ITEMS_PER_STORE = 6;

let tmp: ReturnType<typeof tempDir>;
let store: Awaited<ReturnType<typeof start>>;

beforeAll(async () => {
  tmp = tempDir('store-batching-');
  store = await start({
    port: 0,
    dataDir: tmp.dir,
    eventLogPath: join(tmp.dir, 'eventlog.db'),
    internalSecret: SECRET,
  });
  await store.database.exclusive(async (db) => {
    for (let s = 0; s < EXTRA_STORES; s++) {
      const id = `batch-store-${s}`;
      await db.insert(stores).values({
        id,
        name: `Batch ${s}`,
        description: 'd',
        category: 'KOREAN',
        ownerId: 'owner-9',
        open: true,
        sortOrder: 100 + s,
      });
      for (let i = 0; i < ITEMS_PER_STORE; i++) {
        await db.insert(menuItems).values({
          id: `${id}-item-${i}`,
          storeId: id,
          name: `Dish ${i}`,
          price: 1000 + i,
          available: true,
          sortOrder: i,
        });
      }
    }
  });
});

afterAll(async () => {
  await store?.close();
  tmp?.cleanup();
});

/** Runs a query and returns its data and the statements on stores and menu items it cost. */
async function counted<T>(query: string, variables: Record<string, unknown> = {}) {
  let statements = 0;
  const stop = store.database.onRead((sql) => {
    if (/from "(stores|menu_items)"/.test(sql)) statements++;
  });
  try {
    const res = await gql<T>(store.url, query, variables);
    return { res, statements };
  } finally {
    stop();
  }
}

type Menu = {
  id: string;
  name: string;
  store: { id: string; menu: { id: string; store: { name: string } }[] };
}[];

describe('DataLoader batching', () => {
  it('answers stores { menu { store { menu { store } } } } with one statement per level, not per object', async () => {
    const { res, statements } = await counted<{ stores: { id: string; menu: Menu }[] }>(
      '{ stores { id menu { id name store { id menu { id store { name } } } } } }',
    );
    expect(res.errors).toBeUndefined();
    const all = res.data!.stores;
    expect(all.length).toBeGreaterThanOrEqual(EXTRA_STORES);
    const batch = all.find((s) => s.id === 'batch-store-7')!;
    // Each store gets exactly its own menu, in display order, and each item the right store.
    expect(batch.menu.map((m) => m.id)).toEqual(
      Array.from({ length: ITEMS_PER_STORE }, (_, i) => `batch-store-7-item-${i}`),
    );
    expect(batch.menu[2]!.store.id).toBe('batch-store-7');
    expect(batch.menu[2]!.store.menu[5]!.store.name).toBe('Batch 7');
    const objects = all.reduce((n, s) => n + s.menu.length * (2 + s.menu.length * 2), all.length);
    expect(objects).toBeGreaterThan(3000);
    // stores, menus, their stores, those stores' menus, their stores: 5 levels, 5 statements.
    expect(statements).toBe(5);
  });

  it('resolves a batch of entity references (as the router sends them) with one statement per type', async () => {
    const representations = [
      ...Array.from({ length: 30 }, (_, s) => ({ __typename: 'Store', id: `batch-store-${s}` })),
      ...Array.from({ length: 30 }, (_, s) => ({ __typename: 'MenuItem', id: `batch-store-${s}-item-1` })),
      { __typename: 'Store', id: 'no-such-store' },
    ];
    const { res, statements } = await counted<{ _entities: ({ id: string; name: string } | null)[] }>(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Store { id name } ... on MenuItem { id name } } }',
      { r: representations },
    );
    expect(res.errors).toBeUndefined();
    const entities = res.data!._entities;
    expect(entities).toHaveLength(61);
    expect(entities[0]).toEqual({ id: 'batch-store-0', name: 'Batch 0' });
    expect(entities[30]).toEqual({ id: 'batch-store-0-item-1', name: 'Dish 1' });
    expect(entities[60]).toBeNull();
    expect(statements).toBe(2);
  });

  it('reads afresh in the next request (no cache outlives a request)', async () => {
    const q = '{ store(id: "batch-store-3") { menu { id store { open } } } }';
    const first = await counted<{ store: { menu: { store: { open: boolean } }[] } }>(q);
    expect(first.res.data!.store.menu[0]!.store.open).toBe(true);
    await store.database.exclusive(async (db) => {
      await db.update(stores).set({ open: false }).where(eq(stores.id, 'batch-store-3'));
    });
    const second = await counted<{ store: { menu: { store: { open: boolean } }[] } }>(q);
    expect(second.res.data!.store.menu.every((m) => m.store.open === false)).toBe(true);
  });
});
