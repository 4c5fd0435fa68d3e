import type { DeliveryPayload, Outbox, Tx } from '@baemin/platform';
import type * as schema from './db/schema.js';
import type { DeliveryRow } from './db/schema.js';

/** Writes one delivery.events event describing `row` at `at`, inside `tx`. */
export async function emitDeliveryEvent(
  tx: Tx<typeof schema>,
  outbox: Outbox,
  type: string,
  row: DeliveryRow,
  at: string,
  causationId: string | null,
): Promise<void> {
  await outbox.add<DeliveryPayload>(tx, {
    type,
    correlationId: row.orderId,
    causationId,
    payload: {
      deliveryId: row.id,
      orderId: row.orderId,
      storeId: row.storeId,
      customerId: row.customerId,
      status: row.status,
      riderId: row.riderId,
      at,
    },
  });
}
