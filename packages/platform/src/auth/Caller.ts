/**
 * Roles a person can have; `service` is another bounded context calling with the internal secret.
 * `admin` is platform staff: onboards stores for owners and may manage any store's catalogue
 * (never orders, tickets, deliveries or payments, which stay with the people involved).
 */
export type Role = 'customer' | 'owner' | 'rider' | 'admin' | 'service';

export const PERSON_ROLES: readonly Role[] = ['customer', 'owner', 'rider', 'admin'];

/** The verified identity of whoever makes a request. */
export interface Caller {
  /** Subject id, e.g. `alice` or `owner-1`; for services the service name. */
  id: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return (
    value === 'customer' || value === 'owner' || value === 'rider' || value === 'admin' || value === 'service'
  );
}
