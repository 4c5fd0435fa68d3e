import type { OrderStatus, PaymentStatus } from '@baemin/platform';
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export { inbox, outbox } from '@baemin/platform';

/**
 * The read model: one row per order, built only from events. The payment and delivery columns are
 * copied from {@link dashboardPayments} / {@link dashboardDeliveries}, which keep those facts even
 * when they arrive before the order's `OrderPlaced` (they travel on other topics).
 */
export const dashboards = sqliteTable(
  'dashboards',
  {
    orderId: text('order_id').primaryKey(),
    customerId: text('customer_id').notNull(),
    storeId: text('store_id').notNull(),
    ownerId: text('owner_id').notNull(),
    storeName: text('store_name').notNull(),
    /** JSON array of OrderLine. */
    items: text('items').notNull(),
    total: integer('total').notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    paymentStatus: text('payment_status').$type<PaymentStatus>(),
    riderId: text('rider_id'),
    statusReason: text('status_reason'),
    /** Per-order sequence of the last status event applied (1 = OrderPlaced). */
    version: integer('version').notNull(),
    /** Per-order change counter: 1 at creation, +1 per change of any column (status, payment, rider). */
    sequence: integer('sequence').notNull().default(0),
    /**
     * Facts applied to the order: each status event, payment fact and new rider, those that came
     * before OrderPlaced included. Unlike `sequence`, it does not depend on how the order's three
     * topics were interleaved when read, so a replay reaches the same count: how a rebuild knows
     * where its watchers were ({@link dashboardRebuildFloors}).
     */
    facts: integer('facts').notNull().default(0),
    /** Position of the row's latest change in {@link dashboardChanges}. */
    changeId: integer('change_id').notNull().default(0),
    placedAt: text('placed_at').notNull(),
    acceptedAt: text('accepted_at'),
    rejectedAt: text('rejected_at'),
    cookingAt: text('cooking_at'),
    readyAt: text('ready_at'),
    pickedUpAt: text('picked_up_at'),
    deliveredAt: text('delivered_at'),
    cancelRequestedAt: text('cancel_requested_at'),
    canceledAt: text('canceled_at'),
    refundedAt: text('refunded_at'),
    /** Time of the latest event that changed the row (event time, so a rebuild reproduces it). */
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('dashboards_customer').on(t.customerId, t.placedAt),
    index('dashboards_owner').on(t.ownerId, t.placedAt),
    index('dashboards_rider').on(t.riderId, t.placedAt),
  ],
);

/**
 * Append-only status history per order (one row per write-side version), read by
 * `DashboardStore.history` and served as `Dashboard.history` (the customer's status timeline). Kept for good, unlike the change feed (`dashboard_changes`, pruned after
 * DASHBOARD_CHANGES_RETENTION_DAYS, one row per change of any kind), so it is not derivable from it.
 * Live watchers that fell behind replay the change feed, not this.
 */
export const dashboardEvents = sqliteTable(
  'dashboard_events',
  {
    orderId: text('order_id').notNull(),
    version: integer('version').notNull(),
    status: text('status').$type<OrderStatus>().notNull(),
    at: text('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.version] })],
);

/**
 * The change feed: a snapshot of the row after every change, in commit order. Live subscriptions
 * replay from it after a lost connection (`afterChangeId`), so a watcher never silently misses a
 * change. Pruned after DASHBOARD_CHANGES_RETENTION_DAYS (default 7).
 */
export const dashboardChanges = sqliteTable(
  'dashboard_changes',
  {
    position: integer('position').primaryKey({ autoIncrement: true }),
    orderId: text('order_id').notNull(),
    sequence: integer('sequence').notNull(),
    /** JSON of the DashboardRow after the change. */
    snapshot: text('snapshot').notNull(),
    /** Wall-clock time of the change (for pruning). */
    changedAt: text('changed_at').notNull(),
  },
  (t) => [index('dashboard_changes_order').on(t.orderId, t.position)],
);

/**
 * Where each order's counters stood when the read model was rebuilt (written by the rebuild, one
 * row per order it deleted). While the replay is behind (`facts` not reached, and the event is
 * from before `rebuiltAt`), the order's changes update the row but are not put in the change
 * feed: its watchers have seen them. The change that reaches it goes on from `sequence` (the
 * same number when the facts are the same, else one more), so a watcher's next change is never
 * numbered at or below one it has seen; then the row is deleted.
 */
export const dashboardRebuildFloors = sqliteTable('dashboard_rebuild_floors', {
  orderId: text('order_id').primaryKey(),
  sequence: integer('sequence').notNull(),
  facts: integer('facts').notNull(),
  rebuiltAt: text('rebuilt_at').notNull(),
});

/** Payment facts by order, kept whether or not the order's row exists yet (cross-topic ordering). */
export const dashboardPayments = sqliteTable('dashboard_payments', {
  orderId: text('order_id').primaryKey(),
  status: text('status').$type<PaymentStatus>().notNull(),
  capturedAt: text('captured_at'),
  refundedAt: text('refunded_at'),
  updatedAt: text('updated_at').notNull(),
  /** Payment facts applied (captured, refunded): their share of the row's `facts`. */
  facts: integer('facts').notNull().default(1),
});

/** Delivery facts by order (the rider), kept whether or not the order's row exists yet. */
export const dashboardDeliveries = sqliteTable('dashboard_deliveries', {
  orderId: text('order_id').primaryKey(),
  riderId: text('rider_id').notNull(),
  updatedAt: text('updated_at').notNull(),
  /** Rider facts applied (each new rider): their share of the row's `facts`. */
  facts: integer('facts').notNull().default(1),
});

export type DashboardRow = typeof dashboards.$inferSelect;
export type DashboardEventRow = typeof dashboardEvents.$inferSelect;
export type DashboardChangeRow = typeof dashboardChanges.$inferSelect;
export type DashboardRebuildFloorRow = typeof dashboardRebuildFloors.$inferSelect;
