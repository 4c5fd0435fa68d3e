import type { PaymentStatus } from '@baemin/platform';
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

export { inbox, outbox } from '@baemin/platform';

/**
 * One payment per order (`order_id` is unique: the idempotency key of capture). `storeId` and
 * `ownerId` are kept so the store's owner may see the payment without asking the store context.
 */
export const payments = sqliteTable('payments', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().unique(),
  customerId: text('customer_id').notNull(),
  storeId: text('store_id').notNull(),
  ownerId: text('owner_id').notNull(),
  /** Won, integer. */
  amount: integer('amount').notNull(),
  status: text('status').$type<PaymentStatus>().notNull(),
  capturedAt: text('captured_at').notNull(),
  refundedAt: text('refunded_at'),
  refundReason: text('refund_reason'),
  /**
   * When the order context confirmed the order exists (its OrderPlaced arrived, or the orphan
   * sweeper asked). A capture never confirmed is refunded by {@link OrphanSweeper}.
   */
  confirmedAt: text('confirmed_at'),
});

export type PaymentRow = typeof payments.$inferSelect;
