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
import { FaultInjector } from './FaultInjector.js';
import { OrphanSweeper } from './OrphanSweeper.js';
import { eventHandlers } from './handlers.js';
import { internalRoutes } from './internalRoutes.js';
import { PaymentService } from './PaymentService.js';
import { loadPaymentSettings, type PaymentSettings } from './paymentSettings.js';
import { paymentResolvers } from './resolvers.js';

export type PaymentStartOptions = Partial<ServiceConfig> & {
  bus?: EventBus;
  /** Overrides of the PAYMENT_* environment settings (tests). */
  settings?: Partial<PaymentSettings>;
};

export interface RunningPayment extends RunningSubgraph<typeof schema> {
  faults: FaultInjector;
  orphans: OrphanSweeper;
}

/** Boots the payment context: payments, capture/refund routes, and the refund consumer on order.events. */
export async function start(overrides: PaymentStartOptions = {}): Promise<RunningPayment> {
  const { bus, settings: settingOverrides, ...configOverrides } = overrides;
  const config: ServiceConfig = { ...loadServiceConfig('payment'), ...configOverrides };
  const settings: PaymentSettings = { ...loadPaymentSettings(), ...settingOverrides };
  const faults = new FaultInjector(settings.faultMode, settings.faultDelayMs);
  let orphans: OrphanSweeper | undefined;
  const running = await startSubgraph({
    config,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    dbSchema: schema,
    topic: Topics.payment,
    bus,
    build: ({ database, outbox }) => {
      if (!outbox) throw new Error('payment publishes to its own topic; the outbox is required');
      const payments = new PaymentService(database, outbox, settings.limitWon);
      const sweeper = new OrphanSweeper({
        database,
        outbox,
        orderUrl: config.urls.order,
        internalSecret: config.internalSecret,
        orphanAfterMs: settings.orphanAfterMs,
        intervalMs: settings.sweepIntervalMs,
      });
      orphans = sweeper;
      return {
        afterListen: () => sweeper.start(),
        onClose: () => sweeper.stop(),
        resolvers: paymentResolvers(payments),
        consumers: [{ group: 'payment', topics: [Topics.order], handlers: eventHandlers({ outbox }) }],
        routes: internalRoutes({
          internalSecret: config.internalSecret,
          payments,
          // Production never consults the injector (and has no /internal/fault).
          faults: settings.testHooks ? faults : null,
        }),
      };
    },
  });
  return { ...running, faults, orphans: orphans! };
}
