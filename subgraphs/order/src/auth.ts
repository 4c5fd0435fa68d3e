import { type Caller, forbidden, unauthenticated } from '@baemin/platform';
import type { Context } from './context.js';

/** The calling customer; UNAUTHENTICATED for anonymous callers, FORBIDDEN for other roles. */
export function requireCustomer(ctx: Context): Caller {
  if (!ctx.caller) throw unauthenticated();
  if (ctx.caller.role !== 'customer') throw forbidden('Only customers can do this');
  return ctx.caller;
}
