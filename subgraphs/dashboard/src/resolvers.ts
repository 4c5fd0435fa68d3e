import type { OrderLine } from '@baemin/platform';
import { canSeePayment, forbidden, unauthenticated } from '@baemin/platform';
import { canSeeDashboard, type DashboardStore, dashboardAudience } from './DashboardStore.js';
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
        if (!caller) throw unauthenticated();
        const row = await store.find(orderId);
        if (!row) return null;
        if (!canSeeDashboard(caller, row)) throw forbidden('This order is not yours to see');
        return row;
      },
      myDashboards: (_parent, { first }, { caller }) => {
        if (!caller) throw unauthenticated();
        return store.listFor(caller, first);
      },
    },
    Dashboard: {
      // Same visibility as the query, but null rather than an error inside a composed query.
      __resolveReference: (ref, { caller }) => visible(ref.orderId, caller),
      order: (row) => ({ __typename: 'Order', id: row.orderId }),
      items: (row) => JSON.parse(row.items) as OrderLine[],
      // The payment rule, as the payment query: riders see the order, not how it was paid. The router
      // (a service) gets it for live events and applies the same rule per client.
      paymentStatus: (row, _args, { caller }) =>
        caller?.role === 'service' || canSeePayment(caller, row) ? (row.paymentStatus ?? null) : null,
      // A replayed snapshot is authorized by the order's current facts, not the snapshot's.
      access: (row) => dashboardAudience(currentRowOf(row)),
    },
    Order: {
      __resolveReference: (ref) => ({ id: ref.id }),
      dashboard: (order, _args, { caller }) => visible(order.id, caller),
    },
  };
}
