import { type Caller, forbidden, unauthenticated } from '@baemin/platform';
import type { Context } from './context.js';
import type { StoreRow } from './db/schema.js';

/** The calling owner; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other roles. */
export function requireOwner(ctx: Context): Caller {
  if (!ctx.caller) throw unauthenticated();
  if (ctx.caller.role !== 'owner') throw forbidden('Only store owners can do this');
  return ctx.caller;
}

/**
 * Who may change a store's catalogue (the store, its menu, open/closed): owners and admins get
 * past this; anonymous callers get UNAUTHENTICATED, everyone else FORBIDDEN. Which store is then
 * decided by {@link assertCanManageStore}.
 */
export function requireCatalogManager(ctx: Context): Caller {
  if (!ctx.caller) throw unauthenticated();
  if (ctx.caller.role !== 'owner' && ctx.caller.role !== 'admin')
    throw forbidden('Only store owners (or admins) can change stores and menus');
  return ctx.caller;
}

/** THE rule for changing one store's catalogue: its owner, or an admin. FORBIDDEN otherwise. */
export function canManageStore(caller: Caller, store: Pick<StoreRow, 'ownerId'>): boolean {
  return caller.role === 'admin' || (caller.role === 'owner' && caller.id === store.ownerId);
}

export function assertCanManageStore(caller: Caller, store: Pick<StoreRow, 'ownerId'>): void {
  if (!canManageStore(caller, store)) throw forbidden('This store belongs to another owner');
}
