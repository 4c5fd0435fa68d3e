import {
  type Caller,
  type Database,
  domainError,
  ErrorCode,
  forbidden,
  invalidTransition,
  isRefusal,
  notFound,
  type Outbox,
  type Tx,
} from '@baemin/platform';
import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, max } from 'drizzle-orm';
import { assertCanManageStore, assertOwnsTicket } from './auth.js';
import {
  LIMITS,
  type MenuItemFieldsRaw,
  menuItemFields,
  type StoreFieldsRaw,
  storeFields,
} from './catalogInput.js';
import type * as schema from './db/schema.js';
import { type MenuItemRow, menuItems, type StoreRow, stores, type TicketRow, tickets } from './db/schema.js';
import { publishStoreSnapshot } from './seed.js';
import { writeTicketTransition } from './ticketEvents.js';
import { applyTicketEvent, TICKET_COMMAND_VERB, type TicketCommand } from './ticketStateMachine.js';

/** Longest reject reason accepted, in characters. */
const MAX_REASON_LENGTH = 500;

/** The owner-side actions on a ticket (pick-up and cancel come from the order saga instead). */
export type OwnerTicketAction = 'accept' | 'reject' | 'startCooking' | 'markReady';

/** A new store as given to createStore (GraphQL defaults applied or not). */
export interface CreateStoreRaw extends StoreFieldsRaw {
  open?: boolean | null;
  /** Admins: the owner to create it for. Owners: absent or their own id. */
  ownerId?: string | null;
}

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
      assertOwnsTicket(caller, ticket);
      const command: TicketCommand =
        action === 'reject' ? { type: 'reject', reason: cleanReason! } : { type: action };
      const transition = applyTicketEvent(ticket, command);
      if (isRefusal(transition))
        throw invalidTransition('ticket', orderId, transition.status, TICKET_COMMAND_VERB[action]);
      return (await writeTicketTransition(tx, this.outbox, ticket, ticket, transition, null))!;
    });
    this.outbox.notify();
    return row;
  }

  async setStoreOpen(caller: Caller, storeId: string, open: boolean): Promise<StoreRow> {
    // Always a new version and snapshot, even when unchanged: it also heals a replica that missed one.
    return this.changeStore(caller, storeId, async (tx) => {
      await tx.update(stores).set({ open }).where(eq(stores.id, storeId));
    });
  }

  async setMenuItemAvailable(caller: Caller, menuItemId: string, available: boolean): Promise<MenuItemRow> {
    return this.changeMenuItem(caller, menuItemId, { available });
  }

  /** Creates a store; owners for themselves, admins for `raw.ownerId` (required for admins). */
  async createStore(caller: Caller, raw: CreateStoreRaw): Promise<StoreRow> {
    let ownerId: string;
    if (caller.role === 'admin') {
      const given = raw.ownerId?.trim();
      if (!given)
        throw domainError(ErrorCode.BAD_USER_INPUT, 'Name the owner to onboard', { field: 'ownerId' });
      if (given.length > 128)
        throw domainError(ErrorCode.BAD_USER_INPUT, 'ownerId is too long', { field: 'ownerId' });
      ownerId = given;
    } else {
      if (raw.ownerId != null && raw.ownerId !== caller.id)
        throw forbidden('Owners create stores for themselves only; an admin onboards stores for others');
      ownerId = caller.id;
    }
    const fields = storeFields(raw, true);
    const id = `store-${randomUUID()}`;
    const row = await this.database.transaction(async (tx) => {
      const [{ last } = { last: null }] = await tx.select({ last: max(stores.sortOrder) }).from(stores);
      const [created] = await tx
        .insert(stores)
        .values({
          id,
          name: fields.name!,
          description: fields.description ?? '',
          category: fields.category!,
          address: fields.address!,
          timeZone: fields.timeZone!,
          openingHours: fields.openingHours ?? '[]',
          minimumOrder: fields.minimumOrder ?? 0,
          deliveryFee: fields.deliveryFee ?? 0,
          ownerId,
          open: raw.open ?? false,
          version: 1,
          sortOrder: (last ?? -1) + 1,
        })
        .returning();
      await publishStoreSnapshot(tx, this.outbox, id);
      return created!;
    });
    this.outbox.notify();
    return row;
  }

  async updateStore(caller: Caller, storeId: string, raw: StoreFieldsRaw): Promise<StoreRow> {
    const fields = storeFields(raw, false);
    return this.changeStore(caller, storeId, async (tx) => {
      if (Object.keys(fields).length > 0) await tx.update(stores).set(fields).where(eq(stores.id, storeId));
    });
  }

  /** Adds an item at the end of the menu. */
  async addMenuItem(caller: Caller, storeId: string, raw: MenuItemFieldsRaw): Promise<MenuItemRow> {
    const fields = menuItemFields(raw, true);
    const id = `menu-${randomUUID()}`;
    let created: MenuItemRow | undefined;
    await this.changeStore(caller, storeId, async (tx) => {
      const onMenu = await tx
        .select({ id: menuItems.id, sortOrder: menuItems.sortOrder })
        .from(menuItems)
        .where(and(eq(menuItems.storeId, storeId), isNull(menuItems.removedAt)));
      if (onMenu.length >= LIMITS.menuItems)
        throw domainError(ErrorCode.BAD_USER_INPUT, `A menu holds at most ${LIMITS.menuItems} items`, {
          field: 'storeId',
        });
      const [{ last } = { last: null }] = await tx
        .select({ last: max(menuItems.sortOrder) })
        .from(menuItems)
        .where(eq(menuItems.storeId, storeId));
      [created] = await tx
        .insert(menuItems)
        .values({
          id,
          storeId,
          name: fields.name!,
          description: fields.description ?? '',
          category: fields.category ?? '',
          price: fields.price!,
          options: fields.options ?? '[]',
          available: fields.available ?? true,
          sortOrder: (last ?? -1) + 1,
        })
        .returning();
    });
    return created!;
  }

  async updateMenuItem(caller: Caller, menuItemId: string, raw: MenuItemFieldsRaw): Promise<MenuItemRow> {
    return this.changeMenuItem(caller, menuItemId, menuItemFields(raw, false));
  }

  /** Sets the display order; `menuItemIds` must list every item on the menu exactly once. */
  async reorderMenu(caller: Caller, storeId: string, menuItemIds: readonly string[]): Promise<StoreRow> {
    return this.changeStore(caller, storeId, async (tx) => {
      const onMenu = await tx
        .select({ id: menuItems.id })
        .from(menuItems)
        .where(and(eq(menuItems.storeId, storeId), isNull(menuItems.removedAt)))
        .orderBy(asc(menuItems.sortOrder));
      const expected = new Set(onMenu.map((m) => m.id));
      const given = new Set(menuItemIds);
      if (
        given.size !== menuItemIds.length ||
        given.size !== expected.size ||
        ![...given].every((id) => expected.has(id))
      )
        throw domainError(
          ErrorCode.BAD_USER_INPUT,
          'menuItemIds must list every item on the menu exactly once',
          { field: 'menuItemIds', expected: onMenu.map((m) => m.id) },
        );
      for (const [i, id] of menuItemIds.entries())
        await tx.update(menuItems).set({ sortOrder: i }).where(eq(menuItems.id, id));
    });
  }

  /** Takes an item off the menu; the row stays (removedAt) for past orders and references. */
  async removeMenuItem(caller: Caller, menuItemId: string): Promise<StoreRow> {
    const item = await this.itemOnMenu(menuItemId);
    return this.changeStore(caller, item.storeId, async (tx) => {
      await tx
        .update(menuItems)
        .set({ removedAt: new Date().toISOString() })
        .where(and(eq(menuItems.id, menuItemId), isNull(menuItems.removedAt)));
    });
  }

  private async itemOnMenu(menuItemId: string): Promise<MenuItemRow> {
    const [item] = await this.database.reader.select().from(menuItems).where(eq(menuItems.id, menuItemId));
    if (!item || item.removedAt !== null) throw notFound('Menu item', menuItemId);
    return item;
  }

  private async changeMenuItem(
    caller: Caller,
    menuItemId: string,
    fields: Partial<
      Pick<MenuItemRow, 'name' | 'description' | 'category' | 'price' | 'options' | 'available'>
    >,
  ): Promise<MenuItemRow> {
    const item = await this.itemOnMenu(menuItemId);
    let updated: MenuItemRow | undefined;
    await this.changeStore(caller, item.storeId, async (tx) => {
      const [row] =
        Object.keys(fields).length > 0
          ? await tx
              .update(menuItems)
              .set(fields)
              .where(and(eq(menuItems.id, menuItemId), isNull(menuItems.removedAt)))
              .returning()
          : await tx
              .select()
              .from(menuItems)
              .where(and(eq(menuItems.id, menuItemId), isNull(menuItems.removedAt)));
      // Removed by a concurrent request between the check above and this transaction.
      if (!row) throw notFound('Menu item', menuItemId);
      updated = row;
    });
    return updated!;
  }

  /**
   * The one path of every catalogue change: in one write transaction, load the store, check that
   * the caller may manage it, apply `change`, bump the version and write the full snapshot to the
   * outbox. The order context's replica applies snapshots by version, so the price it charges is
   * always one whole published menu, never half of an edit.
   */
  private async changeStore(
    caller: Caller,
    storeId: string,
    change: (tx: Tx<typeof schema>, store: StoreRow) => Promise<void>,
  ): Promise<StoreRow> {
    const row = await this.database.transaction(async (tx) => {
      const [store] = await tx.select().from(stores).where(eq(stores.id, storeId));
      if (!store) throw notFound('Store', storeId);
      assertCanManageStore(caller, store);
      await change(tx, store);
      const [updated] = await tx
        .update(stores)
        .set({ version: store.version + 1 })
        .where(eq(stores.id, storeId))
        .returning();
      await publishStoreSnapshot(tx, this.outbox, storeId);
      return updated!;
    });
    this.outbox.notify();
    return row;
  }
}

/** A reject reason is shown to the customer: required, trimmed, at most {@link MAX_REASON_LENGTH} characters. */
function validateReason(reason: string | undefined): string {
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
