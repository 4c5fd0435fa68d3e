import { type Caller, forbidden, unauthenticated } from '@baemin/platform';
import type { Context } from './context.js';

/** The calling owner; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other roles. */
export function requireOwner(ctx: Context): Caller {
  if (!ctx.caller) throw unauthenticated();
  if (ctx.caller.role !== 'owner') throw forbidden('Only store owners can do this');
  return ctx.caller;
}
