import { forbidden, unauthenticated } from '../errors.js';
import type { Caller, Role } from './Caller.js';

/** The caller; UNAUTHENTICATED for an anonymous request. */
export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw unauthenticated();
  return caller;
}

/**
 * The caller when it has one of `roles`: UNAUTHENTICATED for an anonymous request, FORBIDDEN with
 * `message` for any other role. Every context's role guards (`src/auth.ts`) are one call to this.
 */
export function requireRole(caller: Caller | null, roles: readonly Role[], message: string): Caller {
  const known = requireCaller(caller);
  if (!roles.includes(known.role)) throw forbidden(message);
  return known;
}
