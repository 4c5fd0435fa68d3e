import { randomUUID } from 'node:crypto';
import {
  type EventEnvelope,
  type EventHandlers,
  isRefusal,
  type Outbox,
  StoreEvents,
  type TicketPayload,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { type DeliveryRow, deliveries } from './db/schema.js';
import { emitDeliveryEvent } from './deliveryEvents.js';
import { applyDeliveryEvent } from './deliveryStateMachine.js';

type Schema = typeof schema;

/** What the delivery context's handlers need. */
export interface DeliveryHandlerDeps {
  /** delivery.events, written in the consumer's transaction. */
  outbox: Outbox;
}

/**
 * Handlers for store.events (consumer group `delivery`), inside the consumer's transaction.
 * TicketCanceled needs nothing: a canceled ticket was never ready, so it has no delivery.
 */
export function eventHandlers({ outbox }: DeliveryHandlerDeps): EventHandlers<Schema> {
  return {
    /** `TicketReady` → an AVAILABLE delivery (once per order) and `DeliveryCreated`. */
    [StoreEvents.TicketReady]: async (tx, envelope: EventEnvelope<TicketPayload>) => {
      const t = envelope.payload;
      const [current] = await tx.select().from(deliveries).where(eq(deliveries.orderId, t.orderId)).limit(1);
      const transition = applyDeliveryEvent(current ?? null, { type: 'TicketReady' });
      if (isRefusal(transition) || !transition.changed || !transition.state) return;
      const row: DeliveryRow = {
        id: randomUUID(),
        orderId: t.orderId,
        storeId: t.storeId,
        customerId: t.customerId,
        ownerId: t.ownerId,
        status: transition.state.status,
        riderId: transition.state.riderId,
        // Ready time = when it became available; falls back to now for a payload without it.
        createdAt: typeof t.at === 'string' && t.at ? t.at : new Date().toISOString(),
        pickedUpAt: null,
        deliveredAt: null,
      };
      // A replica sharing the database may have created it since the read: the unique order id decides.
      const inserted = await tx
        .insert(deliveries)
        .values(row)
        .onConflictDoNothing({ target: deliveries.orderId })
        .returning({ id: deliveries.id });
      if (inserted.length === 0) return;
      for (const e of transition.events)
        await emitDeliveryEvent(tx, outbox, e.type, row, row.createdAt, envelope.id);
    },
  };
}
