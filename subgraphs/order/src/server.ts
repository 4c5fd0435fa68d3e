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
import { internalRoutes } from './internalRoutes.js';
import { OrderService } from './OrderService.js';
import { PaymentClient, type PaymentClientOptions } from './PaymentClient.js';
import { createResolvers } from './resolvers.js';
import { loadSagaTimeoutSettings, SagaTimeouts, type SagaTimeoutSettings } from './SagaTimeouts.js';

export interface OrderStartOptions extends Partial<ServiceConfig> {
  bus?: EventBus;
  /** Payment client tuning (timeouts, breaker reset); defaults come from the environment. */
  payment?: Pick<PaymentClientOptions, 'timeoutMs' | 'resetTimeoutMs' | 'refundTimeoutMs'>;
  /** Overrides of the ORDER_SAGA_* settings (tests). */
  sagaTimeouts?: Partial<SagaTimeoutSettings>;
  /** The clock opening hours are judged by (tests). Default the system clock. */
  clock?: () => Date;
}

export type RunningOrderSubgraph = RunningSubgraph<typeof schema> & {
  payment: PaymentClient;
  sagaTimeouts: SagaTimeouts;
};

/**
 * Starts the order subgraph: orders (source of truth of the order status), the catalogue replica
 * and the synchronous payment capture behind a circuit breaker.
 */
export async function start(overrides: OrderStartOptions = {}): Promise<RunningOrderSubgraph> {
  const { bus, payment: paymentOptions, sagaTimeouts: sagaOverrides, clock, ...configOverrides } = overrides;
  let sagaTimeouts: SagaTimeouts | undefined;
  const config: ServiceConfig = { ...loadServiceConfig('order'), ...configOverrides };
  const payment = new PaymentClient({
    baseUrl: config.urls.payment,
    internalSecret: config.internalSecret,
    ...paymentOptions,
  });
  const running = await startSubgraph<typeof schema, Context>({
    config,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    dbSchema: schema,
    topic: Topics.order,
    bus,
    build: ({ database, outbox }) => {
      if (!outbox) throw new Error('the order context publishes order.events and needs an outbox');
      const service = new OrderService(database, outbox, payment, clock);
      const timeouts = new SagaTimeouts(database, outbox, { ...loadSagaTimeoutSettings(), ...sagaOverrides });
      sagaTimeouts = timeouts;
      return {
        afterListen: () => timeouts.start(),
        healthDetails: () => ({ sagaTimeouts: timeouts.report() }),
        resolvers: createResolvers(database, service),
        consumers: [
          {
            group: 'order',
            topics: [Topics.store, Topics.delivery, Topics.payment],
            handlers: eventHandlers({ outbox }),
          },
        ],
        routes: internalRoutes({ internalSecret: config.internalSecret, service, payment }),
        // No readiness check on the menu replica: a platform may have no stores yet (stores are
        // created by owners, demo data only by an explicit `npm run seed`), and an order for a
        // store not replicated yet gets NOT_FOUND. Payment is no readiness dependency either:
        // while it is down, orders fail fast and the rest keeps working.
        onClose: () => timeouts.stop(),
        // Not before: a placeOrder caught by the shutdown still needs payment for its capture and,
        // if that fails, its refund (closing first left captured payments to the orphan sweeper).
        afterRequests: () => payment.shutdown(),
      };
    },
  });
  return { ...running, payment, sagaTimeouts: sagaTimeouts! };
}
