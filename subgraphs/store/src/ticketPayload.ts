import type { TicketPayload } from '@baemin/platform';
import type { TicketRow } from './db/schema.js';

/** The store.events payload describing a ticket as it is now. */
export function ticketPayload(row: TicketRow): TicketPayload {
  return {
    orderId: row.orderId,
    storeId: row.storeId,
    ownerId: row.ownerId,
    customerId: row.customerId,
    status: row.status,
    at: row.updatedAt,
    ...(row.reason ? { reason: row.reason } : {}),
  };
}
