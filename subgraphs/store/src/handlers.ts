import {
  type EventEnvelope,
  type EventHandler,
  logger,
  OrderEvents,
  type OrderPlacedPayload,
  type OrderStatusPayload,
  type Outbox,
  StoreEvents,
  type TicketStatus,
  UnknownEntityError,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from './db/schema.js';
import { type TicketRow, tickets } from './db/schema.js';
import { ticketPayload } from './ticketPayload.js';
import { canApply } from './ticketStateMachine.js';

type Schema = typeof schema;
type Tx = BetterSQLite3Database<Schema>;

/** Why a cancel is refused, by ticket status (shown to the customer as the order's statusReason). */
const REFUSAL_REASONS: Partial<Record<TicketStatus, string>> = {
  COOKING: 'The kitchen has already started cooking this order',
  READY: 'The food is already ready',
  PICKED_UP: 'A rider has already picked the food up',
  REJECTED: 'The store has already rejected this order',
};

/**
 * Handlers for order.events (consumer group `store`). They run inside the consumer's transaction
 * with the inbox row, so a redelivered event changes nothing; on top of that each one is
 * idempotent on the order id, because the saga may legitimately repeat a request.
 */
export function orderEventHandlers(outbox: Outbox): Partial<Record<string, EventHandler<Schema>>> {
  const emit = async (tx: Tx, type: string, row: TicketRow, cause: EventEnvelope) => {
    await outbox.add(tx, {
      type,
      correlationId: row.orderId,
      causationId: cause.id,
      payload: ticketPayload(row),
    });
  };
  const find = async (tx: Tx, orderId: string) =>
    (await tx.select().from(tickets).where(eq(tickets.orderId, orderId)))[0];

  return {
    [OrderEvents.OrderPlaced]: async (tx, envelope: EventEnvelope<OrderPlacedPayload>) => {
      const p = envelope.payload;
      if (await find(tx, p.orderId)) return;
      const now = new Date().toISOString();
      const [row] = await tx
        .insert(tickets)
        .values({
          orderId: p.orderId,
          storeId: p.storeId,
          ownerId: p.ownerId,
          customerId: p.customerId,
          status: 'AWAITING_ACCEPTANCE',
          reason: null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await emit(tx, StoreEvents.TicketCreated, row!, envelope);
    },

    [OrderEvents.OrderCancelRequested]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const p = envelope.payload;
      const now = new Date().toISOString();
      const ticket = await find(tx, p.orderId);
      if (!ticket) {
        // Events of one order are ordered, so this means OrderPlaced was lost or dead-lettered:
        // nothing was cooked, so the cancel is allowed. The tombstone makes a late OrderPlaced a no-op.
        logger.warn('cancel requested for an order without a ticket; recording a canceled tombstone', {
          orderId: p.orderId,
        });
        const [row] = await tx
          .insert(tickets)
          .values({
            orderId: p.orderId,
            storeId: p.storeId,
            ownerId: p.ownerId,
            customerId: p.customerId,
            status: 'CANCELED',
            reason: null,
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await emit(tx, StoreEvents.TicketCanceled, row!, envelope);
        return;
      }
      if (ticket.status === 'CANCELED') {
        // Already canceled: confirm again rather than refuse, so the saga still ends in CANCELED.
        await emit(tx, StoreEvents.TicketCanceled, ticket, envelope);
        return;
      }
      if (canApply(ticket.status, 'cancel')) {
        const [row] = await tx
          .update(tickets)
          .set({ status: 'CANCELED', updatedAt: now })
          .where(eq(tickets.orderId, p.orderId))
          .returning();
        await emit(tx, StoreEvents.TicketCanceled, row!, envelope);
        return;
      }
      const reason = REFUSAL_REASONS[ticket.status] ?? `The ticket is ${ticket.status}`;
      let row = ticket;
      // A rejected ticket keeps the owner's reason; otherwise the ticket shows why the cancel was refused.
      if (ticket.status !== 'REJECTED') {
        [row] = (await tx
          .update(tickets)
          .set({ reason, updatedAt: now })
          .where(eq(tickets.orderId, p.orderId))
          .returning()) as [TicketRow];
      }
      await outbox.add(tx, {
        type: StoreEvents.TicketCancelRefused,
        correlationId: p.orderId,
        causationId: envelope.id,
        payload: { ...ticketPayload(row), at: now, reason },
      });
    },

    // Normally the ticket is already CANCELED (TicketCanceled caused the OrderCanceled). An order
    // canceled by the order context alone (its payment was refunded) must not be cooked or handed
    // over: its ticket is canceled even while cooking. A ready ticket already has a delivery, which
    // the delivery context cannot cancel yet: logged for an operator.
    [OrderEvents.OrderCanceled]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const p = envelope.payload;
      const ticket = await find(tx, p.orderId);
      if (!ticket) {
        // Its OrderPlaced never reached us (dead-lettered; the saga timeout gave up on it): a
        // canceled tombstone, so a replayed OrderPlaced cannot open a ticket for a canceled order.
        const now = new Date().toISOString();
        await tx.insert(tickets).values({
          orderId: p.orderId,
          storeId: p.storeId,
          ownerId: p.ownerId,
          customerId: p.customerId,
          status: 'CANCELED',
          reason: p.reason ?? null,
          createdAt: now,
          updatedAt: now,
        });
        return;
      }
      if (ticket.status === 'READY' || ticket.status === 'PICKED_UP') {
        logger.error('order canceled after its food was ready; the delivery needs an operator', {
          orderId: ticket.orderId,
          ticketStatus: ticket.status,
        });
        return;
      }
      if (
        ticket.status !== 'AWAITING_ACCEPTANCE' &&
        ticket.status !== 'ACCEPTED' &&
        ticket.status !== 'COOKING'
      )
        return;
      const [row] = await tx
        .update(tickets)
        .set({
          status: 'CANCELED',
          reason: envelope.payload.reason ?? null,
          updatedAt: new Date().toISOString(),
        })
        .where(eq(tickets.orderId, ticket.orderId))
        .returning();
      await emit(tx, StoreEvents.TicketCanceled, row!, envelope);
    },

    [OrderEvents.OrderPickedUp]: async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
      const ticket = await find(tx, envelope.payload.orderId);
      // OrderPlaced precedes it on the same partition: a missing ticket lives in another database.
      if (!ticket)
        throw new UnknownEntityError(`no ticket for order ${envelope.payload.orderId} (OrderPickedUp)`);
      if (!canApply(ticket.status, 'pickUp')) return;
      const [row] = await tx
        .update(tickets)
        .set({ status: 'PICKED_UP', updatedAt: new Date().toISOString() })
        .where(eq(tickets.orderId, ticket.orderId))
        .returning();
      await emit(tx, StoreEvents.TicketPickedUp, row!, envelope);
    },
  };
}
