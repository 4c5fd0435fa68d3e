import { fileURLToPath } from 'node:url';
import {
  type EventBus,
  loadServiceConfig,
  readBody,
  type RunningSubgraph,
  type ServiceConfig,
  sendJson,
  startSubgraph,
  Topics,
  UntrustedCallerError,
  verifyServiceCaller,
} from '@baemin/platform';
import type { Context } from './context.js';
import * as schema from './db/schema.js';
import { eventHandlers } from './handlers.js';
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
        routes: {
          // Ops and tests: the payment breaker's state. Read-only and holds no personal data.
          '/internal/payment-breaker': (req, res) => {
            if (req.method !== 'GET') return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED' } });
            sendJson(res, 200, payment.status());
          },
          // Payment's orphan sweeper asks this before refunding a capture no OrderPlaced confirmed
          // (an order process that died or stalled between capture and insert). POST {orderId}:
          // `{exists: true}`, or `{exists: false, abandoned: true}` after recording that the id
          // may never be written (OrderService.existsOrAbandon). Services only.
          '/internal/orders/abandon': async (req, res) => {
            if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED' } });
            let caller: { id: string };
            try {
              caller = verifyServiceCaller(req.headers, config.internalSecret);
            } catch (err) {
              if (!(err instanceof UntrustedCallerError)) throw err;
              return sendJson(res, 401, { error: { code: 'UNAUTHENTICATED', message: err.message } });
            }
            let orderId: unknown;
            try {
              orderId = (JSON.parse(await readBody(req, 4096)) as { orderId?: unknown }).orderId;
            } catch {
              orderId = undefined;
            }
            if (typeof orderId !== 'string' || orderId.length === 0 || orderId.length > 100)
              return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'orderId required' } });
            const outcome = await service.existsOrAbandon(orderId, caller.id);
            sendJson(res, 200, outcome === 'exists' ? { exists: true } : { exists: false, abandoned: true });
          },
        },
        // No readiness check on the menu replica: a platform may have no stores yet (stores are
        // created by owners, demo data only by an explicit `npm run seed`), and an order for a
        // store not replicated yet gets NOT_FOUND. Payment is no readiness dependency either:
        // while it is down, orders fail fast and the rest keeps working.
        onClose: async () => {
          await timeouts.stop();
          payment.shutdown();
        },
      };
    },
  });
  return { ...running, payment, sagaTimeouts: sagaTimeouts! };
}
