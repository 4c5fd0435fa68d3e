import { createEnvelope, type EventEnvelope, StoreEvents, type StoreUpsertedPayload } from '@baemin/platform';

/** Catalogue snapshots as the store context publishes them (a copy, so this subgraph's tests stand alone). */
export const SNAPSHOTS: StoreUpsertedPayload[] = [
  {
    storeId: 'store-1',
    name: 'Gangnam Chicken House',
    ownerId: 'owner-1',
    open: true,
    version: 1,
    menu: [
      { menuItemId: 'menu-1-1', name: 'Yangnyeom Chicken', price: 19000, available: true },
      { menuItemId: 'menu-1-2', name: 'Huraideu Fried Chicken', price: 18000, available: true },
      { menuItemId: 'menu-1-5', name: 'Cheese Balls', price: 5000, available: true },
      { menuItemId: 'menu-1-9', name: 'Sold-out Special', price: 25000, available: false },
    ],
  },
  {
    storeId: 'store-3',
    name: 'Jongno Bibimbap',
    ownerId: 'owner-2',
    open: true,
    version: 1,
    menu: [{ menuItemId: 'menu-3-1', name: 'Dolsot Bibimbap', price: 11000, available: true }],
  },
  {
    storeId: 'store-closed',
    name: 'Closed Kitchen',
    ownerId: 'owner-2',
    open: false,
    version: 1,
    menu: [{ menuItemId: 'menu-c-1', name: 'Naengmyeon', price: 10000, available: true }],
  },
];

export const snapshotEnvelope = (p: StoreUpsertedPayload): EventEnvelope<StoreUpsertedPayload> =>
  createEnvelope('store', { type: StoreEvents.StoreUpserted, correlationId: p.storeId, payload: p });
