import { fileURLToPath } from 'node:url';
import {
  type EventBus,
  loadServiceConfig,
  type RunningSubgraph,
  type ServiceConfig,
  startSubgraph,
  Topics,
} from '@baemin/platform';
import { DashboardChanges } from './DashboardChanges.js';
import { DashboardStore } from './DashboardStore.js';
import * as schema from './db/schema.js';
import { dashboardHandlers } from './handlers.js';
import { dashboardResolvers } from './resolvers.js';

/** Consumer group of the read model (reset by `npm run dashboard:rebuild`). */
export const DASHBOARD_GROUP = 'dashboard';
/** Every topic the read model is built from. */
export const DASHBOARD_TOPICS: string[] = [Topics.order, Topics.payment, Topics.delivery];

export interface RunningDashboard extends RunningSubgraph<typeof schema> {
  /** Committed read-model changes, for live updates. */
  changes: DashboardChanges;
  store: DashboardStore;
}

/** Boots the dashboard context: the CQRS read model, built only from events. It publishes nothing. */
export async function start(
  overrides: Partial<ServiceConfig> & { bus?: EventBus } = {},
): Promise<RunningDashboard> {
  const { bus, ...configOverrides } = overrides;
  const config: ServiceConfig = { ...loadServiceConfig('dashboard'), ...configOverrides };
  const changes = new DashboardChanges();
  let store: DashboardStore | undefined;
  const running = await startSubgraph({
    config,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    dbSchema: schema,
    bus,
    build: ({ database }) => {
      const reads = new DashboardStore(database);
      store = reads;
      // Events whose transaction changed a row, by event id; read (and forgotten) after commit.
      const changed = new Map<string, string>();
      return {
        resolvers: dashboardResolvers(reads),
        consumers: [
          {
            group: DASHBOARD_GROUP,
            topics: DASHBOARD_TOPICS,
            handlers: dashboardHandlers((eventId, orderId) => changed.set(eventId, orderId)),
            afterCommit: (envelope) => {
              const orderId = changed.get(envelope.id);
              if (orderId === undefined) return;
              changed.delete(envelope.id);
              const row = reads.find(orderId);
              if (row) changes.publish({ orderId, version: row.version, row });
            },
          },
        ],
      };
    },
  });
  return { ...running, changes, store: store! };
}
