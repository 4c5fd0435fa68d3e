import type { Tx } from '@baemin/platform';
import { asc, eq } from 'drizzle-orm';
import type * as schema from './schema.js';
import { type OrderItemRow, orderItems } from './schema.js';

/** The lines of one order, in line order (inside a transaction, or on the reader). */
export function itemsOf(db: Tx<typeof schema>, orderId: string): Promise<OrderItemRow[]> {
  return db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.lineNo));
}
