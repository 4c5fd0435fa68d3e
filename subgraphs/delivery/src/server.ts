import { fileURLToPath } from 'node:url';
import {
  type EventBus,
  loadServiceConfig,
  type RunningSubgraph,
  type ServiceConfig,
  startSubgraph,
  Topics,
} from '@baemin/platform';
import * as schema from './db/schema.js';
import { DeliveryService } from './DeliveryService.js';
import { eventHandlers } from './handlers.js';
import { deliveryResolvers } from './resolvers.js';

/** Boots the delivery context: deliveries, rider mutations, and the TicketReady consumer on store.events. */
export async function start(
  overrides: Partial<ServiceConfig> & { bus?: EventBus } = {},
): Promise<RunningSubgraph<typeof schema>> {
  const { bus, ...configOverrides } = overrides;
  const config: ServiceConfig = { ...loadServiceConfig('delivery'), ...configOverrides };
  return startSubgraph({
    config,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    dbSchema: schema,
    topic: Topics.delivery,
    bus,
    build: ({ database, outbox }) => {
      if (!outbox) throw new Error('delivery publishes to its own topic; the outbox is required');
      const service = new DeliveryService(database, outbox);
      return {
        resolvers: deliveryResolvers(service),
        consumers: [
          {
            group: 'delivery',
            topics: [Topics.store],
            handlers: eventHandlers({ outbox }),
          },
        ],
      };
    },
  });
}
