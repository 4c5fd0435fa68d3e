import {
  type Caller,
  canSeeDeliveryOffer,
  canSeeOrder,
  canSeePayment,
  forbidden,
  notFound,
  type OrderAudienceFacts,
  type Role,
} from '@baemin/platform';
import type { ExecutionResult, GraphQLError } from 'graphql';

/**
 * The fields every live event carries for authorization (added to the upstream selection by the
 * router). The facts are the order's CURRENT ones (`Dashboard.access`), also for a replayed
 * snapshot, so a replay shows nobody an order the query side would not show them now.
 */
export interface Audience extends OrderAudienceFacts {
  orderId: string;
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
  /** Whether this caller may receive this event: the platform's order rule, as every order query. */
  allows(caller: Caller, audience: Audience): boolean;
  /**
   * Subscribe-time check of the root field's arguments for this caller, against facts another
   * context owns (asked with `query`, as the caller): the error to refuse with, or null. Optional.
   */
  admit?(caller: Caller, args: Record<string, unknown>, query: QueryAsCaller): Promise<GraphQLError | null>;
}

/** Runs a query through the supergraph as `caller` (signed identity, the subgraphs' own rules). */
export type QueryAsCaller = (
  caller: Caller,
  query: string,
  variables: Record<string, unknown>,
) => Promise<ExecutionResult>;

const STORE_OWNER = 'query StoreOwner($id: ID!) { store(id: $id) { ownerId } }';

/**
 * `ticketsChanged(storeId)`: the store must exist and be the caller's, as for the `ticket` and
 * `acceptOrder` operations. The store context owns stores and their owners, so it is asked; a
 * store context that cannot answer refuses the subscription with its error rather than admit it
 * unchecked.
 */
async function admitOwnStore(
  caller: Caller,
  args: Record<string, unknown>,
  query: QueryAsCaller,
): Promise<GraphQLError | null> {
  const storeId = args.storeId;
  if (storeId === null || storeId === undefined) return null;
  const id = String(storeId);
  const result = await query(caller, STORE_OWNER, { id });
  const [error] = result.errors ?? [];
  if (error) return error;
  const store = (result.data as { store?: { ownerId?: unknown } | null } | null | undefined)?.store;
  if (!store) return notFound('Store', id);
  if (store.ownerId !== caller.id) return forbidden('This store belongs to another owner');
  return null;
}

/**
 * Fields of the event's root object (a Dashboard) with a rule of their own, the same as their
 * query's: a caller the rule refuses gets null there. `paymentStatus` follows the payment query.
 */
export const FIELD_RULES: Record<string, (caller: Caller, audience: Audience) => boolean> = {
  paymentStatus: canSeePayment,
};

/**
 * Authorization of live fields, enforced by the router per client and per event: the upstream
 * subscription is shared by every client watching the same thing, so the subgraph cannot decide
 * per client. Every feed of orders uses the same order rule as the queries (`canSeeOrder`); what
 * differs is only who may subscribe (role, and `admit` for arguments naming something the caller
 * must own) and which rows a feed carries (decided upstream). The riders' offer feed carries no
 * order, only its id, and has the platform's offer rule (`canSeeDeliveryOffer`). A Subscription
 * field missing here is refused (secure by default).
 */
export const SUBSCRIPTION_POLICIES: Record<string, SubscriptionPolicy> = {
  orderStatusChanged: { kind: 'order', roles: ['customer', 'owner', 'rider'], allows: canSeeOrder },
  ticketsChanged: { kind: 'feed', roles: ['owner'], allows: canSeeOrder, admit: admitOwnStore },
  deliveryAvailable: { kind: 'feed', roles: ['rider'], allows: canSeeOrder },
  myOrdersChanged: { kind: 'feed', roles: ['customer'], allows: canSeeOrder },
  // An offer names only its order and whether it is still free: every rider may hear it, also
  // once another rider took the order (that is the point: their board drops it).
  deliveryOffersChanged: { kind: 'feed', roles: ['rider'], allows: canSeeDeliveryOffer },
};
