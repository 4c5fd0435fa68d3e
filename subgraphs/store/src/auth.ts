import { type Caller, forbidden, requireRole } from '@baemin/platform';
import type { StoreRow, TicketRow } from './db/schema.js';

/** The calling owner; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other roles. */
export function requireOwner(caller: Caller | null): Caller {
  return requireRole(caller, ['owner'], 'Only store owners can do this');
}

/**
 * Who may change a store's catalogue (the store, its menu, open/closed): owners and admins get
 * past this; anonymous callers get UNAUTHENTICATED, everyone else FORBIDDEN. Which store is then
 * decided by {@link assertCanManageStore}.
 */
export function requireCatalogManager(caller: Caller | null): Caller {
  return requireRole(caller, ['owner', 'admin'], 'Only store owners (or admins) can change stores and menus');
}

/** THE rule for changing one store's catalogue: its owner, or an admin. */
function canManageStore(caller: Caller, store: Pick<StoreRow, 'ownerId'>): boolean {
  return caller.role === 'admin' || (caller.role === 'owner' && caller.id === store.ownerId);
}

/** FORBIDDEN unless {@link canManageStore}. */
export function assertCanManageStore(caller: Caller, store: Pick<StoreRow, 'ownerId'>): void {
  if (!canManageStore(caller, store)) throw forbidden('This store belongs to another owner');
}

/** A ticket is its store's owner's alone (to read and to move); FORBIDDEN for other owners. */
export function assertOwnsTicket(owner: Caller, ticket: Pick<TicketRow, 'ownerId'>): void {
  if (ticket.ownerId !== owner.id) throw forbidden('This ticket belongs to another owner’s store');
}
