import { canSeeDeliveryOffer, domainError, ErrorCode } from '@baemin/platform';
import { canSeeDashboard, requireFeedRole } from './auth.js';
import type { DashboardRow } from './db/schema.js';
import type { SubscriptionResolvers } from './generated/resolvers-types.js';
import type { LiveFeed } from './LiveFeed.js';

function checkAfter(afterChangeId: number | null | undefined): number | null {
  if (afterChangeId === null || afterChangeId === undefined) return null;
  if (!Number.isInteger(afterChangeId) || afterChangeId < 0) {
    throw domainError(ErrorCode.BAD_USER_INPUT, 'afterChangeId must be a non-negative integer', {
      argumentName: 'afterChangeId',
    });
  }
  return afterChangeId;
}

/**
 * The Subscription resolvers. The router subscribes with the service identity (one upstream
 * subscription shared by every client watching the same thing) and authorizes each event per
 * client; a person calling the subgraph directly is authorized here.
 */
export function liveResolvers(feed: LiveFeed): SubscriptionResolvers {
  const resolve = (row: DashboardRow) => row;
  return {
    orderStatusChanged: {
      subscribe: (_p, { orderId, afterChangeId }, { caller }) =>
        feed.stream(caller, {
          orderId,
          afterChangeId: checkAfter(afterChangeId),
          matches: (row) => row.orderId === orderId,
          // Services (the router) pass LiveFeed's own check; people see what their dashboard shows.
          allowed: canSeeDashboard,
        }),
      resolve,
    },
    ticketsChanged: {
      subscribe: (_p, { storeId, afterChangeId }, { caller }) => {
        requireFeedRole(caller, 'owner');
        return feed.stream(caller, {
          afterChangeId: checkAfter(afterChangeId),
          matches: (row) => !storeId || row.storeId === storeId,
          allowed: canSeeDashboard,
        });
      },
      resolve,
    },
    deliveryAvailable: {
      subscribe: (_p, { afterChangeId }, { caller }) => {
        requireFeedRole(caller, 'rider');
        return feed.stream(caller, {
          afterChangeId: checkAfter(afterChangeId),
          // The change that made the order READY (a later payment change keeps status READY but
          // has a rider-less row too; riders see the order once more at worst, never miss it).
          // Replays carry only orders still waiting now (LiveFeed matches the current row too).
          matches: (row) => row.status === 'READY' && row.riderId === null,
          allowed: canSeeDashboard,
        });
      },
      resolve,
    },
    deliveryOffersChanged: {
      subscribe: (_p, { afterChangeId }, { caller }) => {
        requireFeedRole(caller, 'rider');
        return feed.stream(caller, {
          afterChangeId: checkAfter(afterChangeId),
          // Every change of an order whose food was ready: the one that made it free, the one that
          // took it away (pickup, cancel), and later ones, which say again that it is gone.
          matches: (row) => row.readyAt !== null,
          allowed: canSeeDeliveryOffer,
        });
      },
      resolve,
    },
    myOrdersChanged: {
      subscribe: (_p, { afterChangeId }, { caller }) => {
        requireFeedRole(caller, 'customer');
        return feed.stream(caller, {
          afterChangeId: checkAfter(afterChangeId),
          matches: () => true,
          allowed: canSeeDashboard,
        });
      },
      resolve,
    },
  } as SubscriptionResolvers;
}
