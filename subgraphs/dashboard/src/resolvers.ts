import type { OrderLine } from '@baemin/platform';
import { requireCaller } from '@baemin/platform';
import {
  assertCanSeeDashboard,
  canSeeDashboard,
  canSeePaymentStatus,
  dashboardAudience,
  isAwaitingRider,
  requireDashboardReader,
} from './auth.js';
import type { DashboardStore } from './DashboardStore.js';
import { currentRowOf } from './LiveFeed.js';
import type { Resolvers } from './generated/resolvers-types.js';

export function dashboardResolvers(store: DashboardStore): Resolvers {
  const visible = async (orderId: string, caller: Parameters<typeof canSeeDashboard>[0]) => {
    const row = await store.find(orderId);
    return row && canSeeDashboard(caller, row) ? row : null;
  };
  return {
    Query: {
      dashboard: async (_parent, { orderId }, { caller }) => {
        const known = requireCaller(caller);
        const row = await store.find(orderId);
        if (!row) return null;
        assertCanSeeDashboard(known, row);
        return row;
      },
      myDashboards: (_parent, { first }, { caller }) => store.listFor(requireDashboardReader(caller), first),
    },
    Dashboard: {
      // Same visibility as the query, but null rather than an error inside a composed query.
      __resolveReference: (ref, { caller }) => visible(ref.orderId, caller),
      order: (row) => ({ __typename: 'Order', id: row.orderId }),
      items: (row) => JSON.parse(row.items) as OrderLine[],
      // The row was authorized as a whole (query, entity or live event): its history goes with it.
      history: (row) => store.history(row.orderId),
      paymentStatus: (row, _args, { caller }) =>
        canSeePaymentStatus(caller, row) ? (row.paymentStatus ?? null) : null,
      // A replayed snapshot is authorized by the order's current facts, not the snapshot's.
      access: (row) => dashboardAudience(currentRowOf(row)),
    },
    DeliveryOffer: {
      // A replayed READY snapshot of an order a rider has taken since is not an offer any more.
      available: (row) => isAwaitingRider(row) && isAwaitingRider(currentRowOf(row)),
      access: (row) => dashboardAudience(currentRowOf(row)),
    },
    Order: {
      __resolveReference: (ref) => ({ id: ref.id }),
      dashboard: (order, _args, { caller }) => visible(order.id, caller),
    },
  };
}
