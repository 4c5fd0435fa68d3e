import {
  type Caller,
  type Database,
  domainError,
  ErrorCode,
  forbidden,
  invalidTransition,
  notFound,
  type Outbox,
} from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { type MenuItemRow, menuItems, type StoreRow, stores, type TicketRow, tickets } from './db/schema.js';
import { publishStoreSnapshot } from './seed.js';
import { ticketPayload } from './ticketPayload.js';
import { nextTicketStatus, TICKET_TRANSITIONS } from './ticketStateMachine.js';

/** Longest reject reason accepted, in characters. */
export const MAX_REASON_LENGTH = 500;

/** The owner-side actions on a ticket (pick-up and cancel come from the order saga instead). */
export type OwnerTicketAction = 'accept' | 'reject' | 'startCooking' | 'markReady';

/**
 * The store context's commands. Each runs check-then-act inside one serialised transaction and
 * writes its event to the outbox in that same transaction, so state and events never disagree.
 */
export class StoreService {
  constructor(
    private readonly database: Database<typeof schema>,
    private readonly outbox: Outbox,
  ) {}

  /** Moves a ticket by an owner's command; INVALID_TRANSITION (and no change) when not allowed. */
  async transitionTicket(
    caller: Caller,
    orderId: string,
    action: OwnerTicketAction,
    reason?: string,
  ): Promise<TicketRow> {
    let cleanReason: string | undefined;
    if (action === 'reject') cleanReason = validateReason(reason);
    const row = await this.database.transaction(async (tx) => {
      const [ticket] = await tx.select().from(tickets).where(eq(tickets.orderId, orderId));
      if (!ticket) throw notFound('Ticket', orderId);
      if (ticket.ownerId !== caller.id) throw forbidden('This ticket belongs to another owner’s store');
      const next = nextTicketStatus(ticket.status, action);
      const transition = TICKET_TRANSITIONS[action];
      if (!next) throw invalidTransition('ticket', orderId, ticket.status, transition.verb);
      const [updated] = await tx
        .update(tickets)
        .set({
          status: next,
          updatedAt: new Date().toISOString(),
          ...(cleanReason !== undefined ? { reason: cleanReason } : {}),
        })
        .where(eq(tickets.orderId, orderId))
        .returning();
      await this.outbox.add(tx, {
        type: transition.event,
        correlationId: orderId,
        payload: ticketPayload(updated!),
      });
      return updated!;
    });
    this.outbox.notify();
    return row;
  }

  async setStoreOpen(caller: Caller, storeId: string, open: boolean): Promise<StoreRow> {
    const row = await this.database.transaction(async (tx) => {
      const [store] = await tx.select().from(stores).where(eq(stores.id, storeId));
      if (!store) throw notFound('Store', storeId);
      if (store.ownerId !== caller.id) throw forbidden('This store belongs to another owner');
      // Always a new version and snapshot, even when unchanged: it also heals a replica that missed one.
      const [updated] = await tx
        .update(stores)
        .set({ open, version: store.version + 1 })
        .where(eq(stores.id, storeId))
        .returning();
      await publishStoreSnapshot(tx, this.outbox, storeId);
      return updated!;
    });
    this.outbox.notify();
    return row;
  }

  async setMenuItemAvailable(caller: Caller, menuItemId: string, available: boolean): Promise<MenuItemRow> {
    const row = await this.database.transaction(async (tx) => {
      const [item] = await tx.select().from(menuItems).where(eq(menuItems.id, menuItemId));
      if (!item) throw notFound('Menu item', menuItemId);
      const [store] = await tx.select().from(stores).where(eq(stores.id, item.storeId));
      if (!store || store.ownerId !== caller.id)
        throw forbidden('This menu item belongs to another owner’s store');
      const [updated] = await tx
        .update(menuItems)
        .set({ available })
        .where(eq(menuItems.id, menuItemId))
        .returning();
      await tx
        .update(stores)
        .set({ version: store.version + 1 })
        .where(eq(stores.id, store.id));
      await publishStoreSnapshot(tx, this.outbox, store.id);
      return updated!;
    });
    this.outbox.notify();
    return row;
  }
}

/** A reject reason is shown to the customer: required, trimmed, at most {@link MAX_REASON_LENGTH} characters. */
export function validateReason(reason: string | undefined): string {
  const trimmed = (reason ?? '').trim();
  if (trimmed.length === 0) {
    throw domainError(ErrorCode.BAD_USER_INPUT, 'Give a reason for rejecting the order', { field: 'reason' });
  }
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw domainError(ErrorCode.BAD_USER_INPUT, `The reason is longer than ${MAX_REASON_LENGTH} characters`, {
      field: 'reason',
      maxLength: MAX_REASON_LENGTH,
    });
  }
  return trimmed;
}
