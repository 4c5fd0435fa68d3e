import { fileURLToPath } from 'node:url';
import {
  type EventBus,
  loadServiceConfig,
  type RunningSubgraph,
  type ServiceConfig,
  startSubgraph,
  Topics,
} from '@baemin/platform';
import type { Context } from './context.js';
import * as schema from './db/schema.js';
import { eventHandlers } from './handlers.js';
import { createResolvers } from './resolvers.js';
import { StoreService } from './StoreService.js';

/**
 * Starts the store subgraph: stores, menus and kitchen tickets. It only consumes order.events, so
 * it keeps working (owners keep cooking) while the order context is down.
 */
export async function start(
  overrides: Partial<ServiceConfig> & { bus?: EventBus } = {},
): Promise<RunningSubgraph<typeof schema>> {
  const { bus, ...configOverrides } = overrides;
  const config: ServiceConfig = { ...loadServiceConfig('store'), ...configOverrides };
  return startSubgraph<typeof schema, Context>({
    config,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    dbSchema: schema,
    topic: Topics.store,
    bus,
    build: ({ database, outbox }) => {
      if (!outbox) throw new Error('the store context publishes store.events and needs an outbox');
      const service = new StoreService(database, outbox);
      return {
        resolvers: createResolvers(database, service),
        // No seeding here: demo data is an explicit command (`npm run seed`, scripts/seed.ts).
        consumers: [{ group: 'store', topics: [Topics.order], handlers: eventHandlers({ outbox }) }],
      };
    },
  });
}
