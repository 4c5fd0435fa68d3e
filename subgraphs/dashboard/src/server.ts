import { fileURLToPath } from 'node:url';
import {
  envInt,
  type EventBus,
  loadServiceConfig,
  type RunningSubgraph,
  type ServiceConfig,
  startSubgraph,
  Topics,
} from '@baemin/platform';
import { ChangeFeedFollower } from './ChangeFeedFollower.js';
import { DashboardChanges } from './DashboardChanges.js';
import { DashboardStore } from './DashboardStore.js';
import { LiveFeed } from './LiveFeed.js';
import { liveResolvers } from './liveResolvers.js';
import { attachLiveServer, type LiveServer } from './liveServer.js';
import * as schema from './db/schema.js';
import type { DashboardRow } from './db/schema.js';
import { eventHandlers } from './handlers.js';
import { internalRoutes } from './internalRoutes.js';
import { dashboardResolvers } from './resolvers.js';

/** Consumer group of the read model (reset by `npm run dashboard:rebuild`). */
export const DASHBOARD_GROUP = 'dashboard';
/** Every topic the read model is built from. */
export const DASHBOARD_TOPICS: string[] = [Topics.order, Topics.payment, Topics.delivery];

export interface RunningDashboard extends RunningSubgraph<typeof schema> {
  /** Committed read-model changes, for live updates. */
  changes: DashboardChanges;
  store: DashboardStore;
  live: LiveFeed;
  /** graphql-ws connection and subscription counts. */
  liveStats(): { connections: number; subscriptions: number; rssBytes: number };
}

/** Boots the dashboard context: the CQRS read model, built only from events. It publishes nothing. */
export async function start(
  overrides: Partial<ServiceConfig> & { bus?: EventBus } = {},
): Promise<RunningDashboard> {
  const { bus, ...configOverrides } = overrides;
  const config: ServiceConfig = { ...loadServiceConfig('dashboard'), ...configOverrides };
  const changes = new DashboardChanges();
  let store: DashboardStore | undefined;
  let live: LiveFeed | undefined;
  let liveServer: LiveServer | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let follower: ChangeFeedFollower | null = null;
  const retentionDays = envInt(process.env, 'DASHBOARD_CHANGES_RETENTION_DAYS', 7);
  const running = await startSubgraph({
    config,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    dbSchema: schema,
    bus,
    build: ({ database }) => {
      const reads = new DashboardStore(database);
      store = reads;
      const feed = new LiveFeed(database, changes, reads);
      live = feed;
      // Rows changed by an event's transaction, by event id: published (and forgotten) after commit.
      const changed = new Map<string, DashboardRow>();
      // PostgreSQL: replicas share the read model; every change reaches every replica's subscribers
      // through the feed (ChangeFeedFollower), so nothing is published from the consumer directly.
      follower = database.dialect === 'postgres' ? new ChangeFeedFollower(database, changes) : null;
      return {
        resolvers: { ...dashboardResolvers(reads), Subscription: liveResolvers(feed) },
        routes: internalRoutes(() => liveServer),
        beforeListen: async () => {
          await follower?.start();
        },
        afterListen: (http, schema) => {
          liveServer = attachLiveServer(http.server, schema, config.internalSecret, () => feed.activeStreams);
          pruneTimer = setInterval(() => void feed.prune(retentionDays).catch(() => undefined), 3600_000);
          pruneTimer.unref();
        },
        onClose: async () => {
          clearInterval(pruneTimer);
          await liveServer?.close();
          await follower?.stop();
        },
        consumers: [
          {
            group: DASHBOARD_GROUP,
            topics: DASHBOARD_TOPICS,
            handlers: eventHandlers({ notify: (eventId, row) => changed.set(eventId, row) }),
            afterCommit: (envelope) => {
              const row = changed.get(envelope.id);
              if (!row) return;
              changed.delete(envelope.id);
              if (!follower) changes.publish({ orderId: row.orderId, version: row.version, row });
            },
          },
        ],
      };
    },
  });
  return {
    ...running,
    changes,
    store: store!,
    live: live!,
    liveStats: () => liveServer?.stats() ?? { connections: 0, subscriptions: 0, rssBytes: 0 },
  };
}
