import { type Outbox, paramsFor, preparedIn, StoreEvents, type Tx } from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { type TicketRow, tickets } from './db/schema.js';
import { ticketPayload } from './ticketPayload.js';
import type { TicketTransition } from './ticketStateMachine.js';

/** Who a new ticket belongs to (from the order saga's event). */
export interface NewTicket {
  orderId: string;
  storeId: string;
  ownerId: string;
  customerId: string;
}

/**
 * Persists a ticket state-machine transition inside `tx`: inserts the ticket when there was none,
 * updates it when the machine changed it, then writes one store.events event per emission.
 * Returns the ticket as it is afterwards.
 */
export async function writeTicketTransition(
  tx: Tx<typeof schema>,
  outbox: Outbox,
  current: TicketRow | null,
  created: NewTicket,
  transition: TicketTransition,
  causationId: string | null,
): Promise<TicketRow | null> {
  if (!transition.changed || !transition.state) return current;
  const now = new Date().toISOString();
  const { status, reason } = transition.state;
  let row: TicketRow | null | undefined = current;
  if (!current) {
    [row] = await preparedIn<TicketRow[]>(
      tx,
      'store:ticket:insert',
      (p, values) => tx.insert(tickets).values(paramsFor(p, values)).returning(),
      { ...created, status, reason, createdAt: now, updatedAt: now },
    );
  } else if (transition.state !== current) {
    // Only what the machine changed is written: a ticket it returned as given keeps its updatedAt.
    [row] = await tx
      .update(tickets)
      .set({ status, reason, updatedAt: now })
      .where(eq(tickets.orderId, current.orderId))
      .returning();
  }
  for (const e of transition.events) {
    // A refusal is news of now, with its own reason (a rejected ticket keeps the owner's).
    const refusal = e.type === StoreEvents.TicketCancelRefused ? { at: now, reason: e.reason } : {};
    await outbox.add(tx, {
      type: e.type,
      correlationId: row!.orderId,
      causationId,
      payload: { ...ticketPayload(row!), ...refusal },
    });
  }
  return row ?? null;
}
