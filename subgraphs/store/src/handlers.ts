import {
  type EventEnvelope,
  type EventHandlers,
  isRefusal,
  logger,
  OrderEvents,
  type OrderPlacedPayload,
  type OrderStatusPayload,
  type Outbox,
  preparedIn,
  type Tx,
  UnknownEntityError,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { type TicketRow, tickets } from './db/schema.js';
import { writeTicketTransition } from './ticketEvents.js';
import { applyTicketEvent, type TicketSagaEvent } from './ticketStateMachine.js';

type Schema = typeof schema;

/** What the store context's handlers need. */
export interface StoreHandlerDeps {
  /** store.events, written in the consumer's transaction. */
  outbox: Outbox;
}

/**
 * Handlers for order.events (consumer group `store`). They run inside the consumer's transaction
 * with the inbox row, so a redelivered event changes nothing; on top of that each one is
 * idempotent on the order id, because the saga may legitimately repeat a request. Each hands the
 * event to the ticket state machine and writes what it decides.
 */
export function eventHandlers({ outbox }: StoreHandlerDeps): EventHandlers<Schema> {
  const apply = async (
    tx: Tx<Schema>,
    envelope: EventEnvelope<OrderStatusPayload>,
    ticket: TicketRow | null,
    stimulus: TicketSagaEvent,
  ) => {
    const transition = applyTicketEvent(ticket, stimulus);
    // Saga events are never refused, only ignored when stale.
    if (isRefusal(transition)) return;
    const p = envelope.payload;
    const created = {
      orderId: p.orderId,
      storeId: p.storeId,
      ownerId: p.ownerId,
      customerId: p.customerId,
    };
    await writeTicketTransition(tx, outbox, ticket, created, transition, envelope.id);
  };
  const find = async (tx: Tx<Schema>, orderId: string): Promise<TicketRow | null> =>
    (
      await preparedIn<TicketRow[]>(
        tx,
        'store:ticket',
        (p) =>
          tx
            .select()
            .from(tickets)
            .where(eq(tickets.orderId, p('orderId'))),
        { orderId },
      )
    )[0] ?? null;

  return {
    [OrderEvents.OrderPlaced]: async (tx, envelope: EventEnvelope<OrderPlacedPayload>) => {
      const p = envelope.payload;
      await apply(tx, envelope, await find(tx, p.orderId), { type: 'OrderPlaced' });
    },

    [OrderEvents.OrderCancelRequested]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const ticket = await find(tx, envelope.payload.orderId);
      if (!ticket) {
        // Events of one order are ordered, so this means OrderPlaced was lost or dead-lettered.
        logger.warn('cancel requested for an order without a ticket; recording a canceled tombstone', {
          orderId: envelope.payload.orderId,
        });
      }
      await apply(tx, envelope, ticket, { type: 'OrderCancelRequested' });
    },

    [OrderEvents.OrderCanceled]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const ticket = await find(tx, envelope.payload.orderId);
      if (ticket?.status === 'READY' || ticket?.status === 'PICKED_UP') {
        // Its delivery already exists, and the delivery context cannot cancel one yet.
        logger.error('order canceled after its food was ready; the delivery needs an operator', {
          orderId: ticket.orderId,
          ticketStatus: ticket.status,
        });
        return;
      }
      await apply(tx, envelope, ticket, { type: 'OrderCanceled', reason: envelope.payload.reason ?? null });
    },

    [OrderEvents.OrderPickedUp]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const ticket = await find(tx, envelope.payload.orderId);
      // OrderPlaced precedes it on the same partition: a missing ticket lives in another database.
      if (!ticket)
        throw new UnknownEntityError(`no ticket for order ${envelope.payload.orderId} (OrderPickedUp)`);
      await apply(tx, envelope, ticket, { type: 'OrderPickedUp' });
    },
  };
}
