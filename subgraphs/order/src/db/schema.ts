import type { OrderStatus } from '@baemin/platform';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { FulfilmentStatus } from '../orderStateMachine.js';

// Migrations must create the platform's outbox and inbox tables in this database too.
export { inbox, outbox } from '@baemin/platform';

/**
 * One row per order. `status` is what the customer sees; `progress` is how far fulfilment got
 * (monotonic), which differs from `status` while CANCEL_PENDING and after REJECTED/CANCELED.
 */
export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    storeId: text('store_id').notNull(),
    ownerId: text('owner_id').notNull(),
    storeName: text('store_name').notNull(),
    /** Won, integer: the items plus `deliveryFee`. */
    total: integer('total').notNull(),
    /** Won, the store's delivery fee when the order was placed (part of `total`). */
    deliveryFee: integer('delivery_fee').notNull().default(0),
    status: text('status').$type<OrderStatus>().notNull(),
    progress: text('progress').$type<FulfilmentStatus>().notNull(),
    /** See OrderState.announcedProgress: set only while progress moved on unannounced. */
    announcedProgress: text('announced_progress').$type<FulfilmentStatus>(),
    statusReason: text('status_reason'),
    riderId: text('rider_id'),
    /** Per-order event sequence: 1 = OrderPlaced, +1 per status event. */
    version: integer('version').notNull(),
    idempotencyKey: text('idempotency_key'),
    paymentId: text('payment_id').notNull(),
    placedAt: text('placed_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    // NULL keys never collide, so orders without a key are unconstrained.
    uniqueIndex('orders_customer_idempotency_key').on(t.customerId, t.idempotencyKey),
    index('orders_customer_placed').on(t.customerId, t.placedAt),
    // The saga timeout check looks for old PLACED / CANCEL_PENDING orders.
    index('orders_status_updated').on(t.status, t.updatedAt),
  ],
);

export const orderItems = sqliteTable(
  'order_items',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    lineNo: integer('line_no').notNull(),
    menuItemId: text('menu_item_id').notNull(),
    name: text('name').notNull(),
    quantity: integer('quantity').notNull(),
    /** Won, integer, as priced when the order was placed. */
    unitPrice: integer('unit_price').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lineNo] })],
);

/**
 * Order ids the order context promised never to write (the fence of the orphan-payment sweeper,
 * docs/saga.md): payment asks `POST /internal/orders/abandon` before refunding a capture no
 * OrderPlaced confirmed; in one transaction that answers "exists" or writes this row, and
 * placeOrder's insert refuses an id found here in its own transaction, so a refunded capture's
 * order can never be written afterwards (an order process paused between capture and insert).
 */
export const abandonedOrders = sqliteTable('abandoned_orders', {
  orderId: text('order_id').primaryKey(),
  abandonedAt: text('abandoned_at').notNull(),
  /** Who asked (the service caller's id, e.g. `payment`). */
  requestedBy: text('requested_by').notNull(),
});

/** Saga timeouts (SagaTimeouts): when a stuck PLACED order's OrderPlaced was last re-published. */
export const sagaNudges = sqliteTable('saga_nudges', {
  orderId: text('order_id').primaryKey(),
  republishedAt: text('republished_at').notNull(),
  attempts: integer('attempts').notNull(),
});

/** Replica of the store context's stores, from StoreUpserted snapshots. */
export const catalogStores = sqliteTable('catalog_stores', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  ownerId: text('owner_id').notNull(),
  open: integer('open', { mode: 'boolean' }).notNull(),
  /** The snapshot version applied; older or equal snapshots are ignored. */
  version: integer('version').notNull(),
  timeZone: text('time_zone').notNull().default('Asia/Seoul'),
  /** JSON array of OpeningPeriod; `[]` = no hours limit. */
  openingHours: text('opening_hours').notNull().default('[]'),
  /** Won. */
  minimumOrder: integer('minimum_order').notNull().default(0),
  /** Won. */
  deliveryFee: integer('delivery_fee').notNull().default(0),
});

/** Replica of the store context's menus; replaced wholesale with each newer store snapshot. */
export const catalogMenuItems = sqliteTable(
  'catalog_menu_items',
  {
    id: text('id').primaryKey(),
    storeId: text('store_id').notNull(),
    name: text('name').notNull(),
    price: integer('price').notNull(),
    available: integer('available', { mode: 'boolean' }).notNull(),
  },
  (t) => [index('catalog_menu_items_store').on(t.storeId)],
);

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;
export type CatalogStoreRow = typeof catalogStores.$inferSelect;
export type CatalogMenuItemRow = typeof catalogMenuItems.$inferSelect;
