import type { Caller, Role } from '@baemin/platform';

/** The fields every live event carries for authorization (added to the upstream selection by the router). */
export interface Audience {
  orderId: string;
  customerId: string;
  ownerId: string;
  riderId: string | null;
  /** Per-order change counter (Dashboard.sequence). */
  sequence: number;
  /** Position in the dashboard's change feed (Dashboard.changeId). */
  changeId: number;
}

export interface SubscriptionPolicy {
  /** One order's stream (a refused event ends it with FORBIDDEN) or a feed (refused events are skipped). */
  kind: 'order' | 'feed';
  /** Roles that may subscribe at all; others get FORBIDDEN at subscribe time. */
  roles: Role[];
  /** Whether this caller may receive this event. */
  allows(caller: Caller, audience: Audience): boolean;
}

const isOrderParty = (caller: Caller, a: Audience) =>
  (caller.role === 'customer' && a.customerId === caller.id) ||
  (caller.role === 'owner' && a.ownerId === caller.id) ||
  (caller.role === 'rider' && a.riderId === caller.id);

/**
 * Authorization of live fields, enforced by the router per client and per event: the upstream
 * subscription is shared by every client watching the same thing, so the subgraph cannot decide
 * per client. A Subscription field missing here is refused (secure by default).
 */
export const SUBSCRIPTION_POLICIES: Record<string, SubscriptionPolicy> = {
  orderStatusChanged: { kind: 'order', roles: ['customer', 'owner', 'rider'], allows: isOrderParty },
  ticketsChanged: { kind: 'feed', roles: ['owner'], allows: (c, a) => a.ownerId === c.id },
  deliveryAvailable: { kind: 'feed', roles: ['rider'], allows: () => true },
  myOrdersChanged: { kind: 'feed', roles: ['customer'], allows: (c, a) => a.customerId === c.id },
};
