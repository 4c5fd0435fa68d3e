import {
  type Database,
  type OpeningPeriod,
  type Outbox,
  StoreEvents,
  type StoreUpsertedPayload,
  type Tx,
} from '@baemin/platform';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { menuItems, stores } from './db/schema.js';

export interface SeedMenuItem {
  id: string;
  name: string;
  /** Won. */
  price: number;
  available: boolean;
  category?: string;
}

/** Where snapshots are written: the service's Outbox, or an OutboxWriter for the seed command. */
export type SnapshotOutbox = Pick<Outbox, 'add' | 'notify'>;

export interface SeedStore {
  id: string;
  name: string;
  description: string;
  category: string;
  ownerId: string;
  open: boolean;
  address?: string;
  menu: SeedMenuItem[];
}

/**
 * Demo stores created on first start. Ids are stable so tests, docs and the demo script can name
 * them. Every item is available except the last one of store-3, which shows MENU_ITEM_UNAVAILABLE.
 */
export const SEED_STORES: readonly SeedStore[] = [
  {
    id: 'store-1',
    address: '12 Teheran-ro, Gangnam-gu, Seoul',
    name: 'Gangnam Chicken House',
    description: 'Crispy Korean fried chicken, double-fried to order.',
    category: 'CHICKEN',
    ownerId: 'owner-1',
    open: true,
    menu: [
      { id: 'menu-1-1', name: 'Yangnyeom Chicken', price: 19000, available: true, category: 'Chicken' },
      { id: 'menu-1-2', name: 'Huraideu Fried Chicken', price: 18000, available: true, category: 'Chicken' },
      { id: 'menu-1-3', name: 'Soy Garlic Chicken', price: 20000, available: true, category: 'Chicken' },
      { id: 'menu-1-4', name: 'Half & Half Chicken', price: 21000, available: true, category: 'Chicken' },
      { id: 'menu-1-5', name: 'Cheese Balls', price: 5000, available: true, category: 'Sides' },
    ],
  },
  {
    id: 'store-2',
    address: '34 Wausan-ro, Mapo-gu, Seoul',
    name: 'Mapo Tteokbokki',
    description: 'Street-food classics: spicy rice cakes, gimbap and twigim.',
    category: 'BUNSIK',
    ownerId: 'owner-1',
    open: true,
    menu: [
      { id: 'menu-2-1', name: 'Classic Tteokbokki', price: 12000, available: true, category: 'Tteokbokki' },
      { id: 'menu-2-2', name: 'Rose Tteokbokki', price: 14000, available: true, category: 'Tteokbokki' },
      { id: 'menu-2-3', name: 'Vegetable Gimbap', price: 4500, available: true, category: 'Gimbap' },
      { id: 'menu-2-4', name: 'Twigim Mandu', price: 6000, available: true, category: 'Sides' },
      { id: 'menu-2-5', name: 'Eomuk Soup', price: 3000, available: true, category: 'Soup' },
    ],
  },
  {
    id: 'store-3',
    address: '56 Jong-ro, Jongno-gu, Seoul',
    name: 'Jongno Bibimbap',
    description: 'Home-style Korean rice bowls and stews.',
    category: 'KOREAN',
    ownerId: 'owner-2',
    open: true,
    menu: [
      { id: 'menu-3-1', name: 'Dolsot Bibimbap', price: 11000, available: true, category: 'Rice' },
      { id: 'menu-3-2', name: 'Kimchi Jjigae', price: 9000, available: true, category: 'Stew' },
      { id: 'menu-3-3', name: 'Bulgogi Set', price: 15000, available: true, category: 'Rice' },
      { id: 'menu-3-4', name: 'Japchae', price: 12000, available: true, category: 'Sides' },
      { id: 'menu-3-5', name: 'Galbi-jjim', price: 28000, available: false, category: 'Stew' },
    ],
  },
  {
    id: 'store-4',
    address: '78 Itaewon-ro, Yongsan-gu, Seoul',
    name: 'Itaewon Pizza Lab',
    description: 'Korean-style pizzas with bold toppings.',
    category: 'PIZZA',
    ownerId: 'owner-2',
    open: true,
    menu: [
      { id: 'menu-4-1', name: 'Bulgogi Pizza', price: 24000, available: true, category: 'Pizza' },
      { id: 'menu-4-2', name: 'Potato Pizza', price: 23000, available: true, category: 'Pizza' },
      { id: 'menu-4-3', name: 'Pepperoni Pizza', price: 22000, available: true, category: 'Pizza' },
      { id: 'menu-4-4', name: 'Sweet Potato Pizza', price: 25000, available: true, category: 'Pizza' },
      { id: 'menu-4-5', name: 'Cheese Sticks', price: 6000, available: true, category: 'Sides' },
      { id: 'menu-4-6', name: 'Combination Party Pizza', price: 30000, available: true, category: 'Pizza' },
    ],
  },
];

/** The full snapshot of one store as published on store.events (event-carried state transfer). */
async function storeSnapshot(db: Tx<typeof schema>, storeId: string): Promise<StoreUpsertedPayload | null> {
  const [store] = await db.select().from(stores).where(eq(stores.id, storeId));
  if (!store) return null;
  const menu = await db
    .select()
    .from(menuItems)
    .where(and(eq(menuItems.storeId, storeId), isNull(menuItems.removedAt)))
    .orderBy(asc(menuItems.sortOrder), asc(menuItems.id));
  return {
    storeId: store.id,
    name: store.name,
    ownerId: store.ownerId,
    open: store.open,
    version: store.version,
    menu: menu.map((m) => ({
      menuItemId: m.id,
      name: m.name,
      price: m.price,
      available: m.available,
      category: m.category,
      options: JSON.parse(m.options) as { name: string; priceDelta: number }[],
    })),
    openingHours: JSON.parse(store.openingHours) as OpeningPeriod[],
    timeZone: store.timeZone,
    minimumOrder: store.minimumOrder,
    deliveryFee: store.deliveryFee,
  };
}

/** Writes a StoreUpserted snapshot of the store's current state into the outbox, within `tx`. */
export async function publishStoreSnapshot(
  tx: Tx<typeof schema>,
  outbox: Pick<Outbox, 'add'>,
  storeId: string,
  causationId: string | null = null,
): Promise<void> {
  const payload = await storeSnapshot(tx, storeId);
  if (!payload) throw new Error(`store ${storeId} vanished inside its own transaction`);
  await outbox.add(tx, { type: StoreEvents.StoreUpserted, correlationId: storeId, causationId, payload });
}

/**
 * Inserts the demo stores that are missing, in one transaction, and publishes a snapshot of each
 * one inserted. Idempotent: stores that already exist are left alone (running it again re-emits
 * nothing), so owners' changes survive. Never run implicitly: `npm run seed` (scripts/seed.ts)
 * calls it, `npm start` runs that for the embedded default, and the e2e harness seeds explicitly.
 * @returns the ids of the stores inserted now.
 */
export async function seedStores(
  database: Database<typeof schema>,
  outbox: SnapshotOutbox,
  seed: readonly SeedStore[] = SEED_STORES,
): Promise<string[]> {
  const inserted = await database.transaction(async (tx) => {
    const ids: string[] = [];
    for (const [i, s] of seed.entries()) {
      const existing = await tx.select({ id: stores.id }).from(stores).where(eq(stores.id, s.id));
      if (existing.length > 0) continue;
      await tx.insert(stores).values({
        id: s.id,
        name: s.name,
        description: s.description,
        category: s.category,
        ownerId: s.ownerId,
        open: s.open,
        address: s.address ?? '',
        version: 1,
        sortOrder: i,
      });
      await tx.insert(menuItems).values(
        s.menu.map((m, j) => ({
          id: m.id,
          storeId: s.id,
          name: m.name,
          price: m.price,
          available: m.available,
          category: m.category ?? '',
          sortOrder: j,
        })),
      );
      await publishStoreSnapshot(tx, outbox, s.id);
      ids.push(s.id);
    }
    return ids;
  });
  if (inserted.length > 0) outbox.notify();
  return inserted;
}
