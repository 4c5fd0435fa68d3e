import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { DeliveryState } from '../deliveryStateMachine.js';

export { inbox, outbox } from '@baemin/platform';

/** One delivery per order, created when its food is ready (`TicketReady`). */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().unique(),
    storeId: text('store_id').notNull(),
    customerId: text('customer_id').notNull(),
    /** Kept so the store's owner may see the delivery without asking the store context. */
    ownerId: text('owner_id').notNull(),
    status: text('status').$type<DeliveryState>().notNull(),
    riderId: text('rider_id'),
    createdAt: text('created_at').notNull(),
    pickedUpAt: text('picked_up_at'),
    deliveredAt: text('delivered_at'),
  },
  (t) => [
    index('deliveries_status').on(t.status, t.createdAt),
    index('deliveries_rider').on(t.riderId, t.pickedUpAt),
  ],
);

export type DeliveryRow = typeof deliveries.$inferSelect;
