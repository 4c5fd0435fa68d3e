import type { OrderLine } from '@baemin/platform';
import { forbidden, unauthenticated } from '@baemin/platform';
import { canSeeDashboard, type DashboardStore } from './DashboardStore.js';
import type { Resolvers } from './generated/resolvers-types.js';

export function dashboardResolvers(store: DashboardStore): Resolvers {
  const visible = (orderId: string, caller: Parameters<typeof canSeeDashboard>[0]) => {
    const row = store.find(orderId);
    return row && canSeeDashboard(caller, row) ? row : null;
  };
  return {
    Query: {
      dashboard: (_parent, { orderId }, { caller }) => {
        if (!caller) throw unauthenticated();
        const row = store.find(orderId);
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
    },
    Order: {
      __resolveReference: (ref) => ({ id: ref.id }),
      dashboard: (order, _args, { caller }) => visible(order.id, caller),
    },
  };
}
