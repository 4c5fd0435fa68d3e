import type { TicketStatus } from '@baemin/platform';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Migrations must create the platform's outbox and inbox tables in this database too.
export { inbox, outbox } from '@baemin/platform';

/** A restaurant. `version` grows with every change so the order context's replica can ignore stale snapshots. */
export const stores = sqliteTable('stores', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  category: text('category').notNull(),
  ownerId: text('owner_id').notNull(),
  open: integer('open', { mode: 'boolean' }).notNull(),
  version: integer('version').notNull().default(1),
  sortOrder: integer('sort_order').notNull().default(0),
  address: text('address').notNull().default(''),
  /** IANA zone the opening hours are in. */
  timeZone: text('time_zone').notNull().default('Asia/Seoul'),
  /** JSON array of OpeningPeriod; `[]` = no hours limit. */
  openingHours: text('opening_hours').notNull().default('[]'),
  /** Won. */
  minimumOrder: integer('minimum_order').notNull().default(0),
  /** Won. */
  deliveryFee: integer('delivery_fee').notNull().default(0),
});

export const menuItems = sqliteTable(
  'menu_items',
  {
    id: text('id').primaryKey(),
    storeId: text('store_id')
      .notNull()
      .references(() => stores.id),
    name: text('name').notNull(),
    /** Won, integer. */
    price: integer('price').notNull(),
    available: integer('available', { mode: 'boolean' }).notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    description: text('description').notNull().default(''),
    category: text('category').notNull().default(''),
    /** JSON array of `{ name, priceDelta }` (won). */
    options: text('options').notNull().default('[]'),
    /**
     * When the owner removed it (ISO-8601), else null. Removed items stay as rows: past orders and
     * tickets still name them, and entity references must resolve.
     */
    removedAt: text('removed_at'),
  },
  (t) => [index('menu_items_store').on(t.storeId, t.sortOrder)],
);

/**
 * The kitchen ticket of one order. No foreign key to `stores`: tickets are created from events,
 * and a consumer must never get stuck on a constraint it cannot fix.
 */
export const tickets = sqliteTable(
  'tickets',
  {
    orderId: text('order_id').primaryKey(),
    storeId: text('store_id').notNull(),
    ownerId: text('owner_id').notNull(),
    customerId: text('customer_id').notNull(),
    status: text('status').$type<TicketStatus>().notNull(),
    reason: text('reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('tickets_owner_created').on(t.ownerId, t.createdAt), index('tickets_store').on(t.storeId)],
);

export type StoreRow = typeof stores.$inferSelect;
export type MenuItemRow = typeof menuItems.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
