import { internalRoute, requireIdField, type RouteHandler } from '@baemin/platform';
import type { OrderService } from './OrderService.js';
import type { PaymentClient } from './PaymentClient.js';

export interface InternalRoutesOptions {
  internalSecret: string;
  service: OrderService;
  payment: PaymentClient;
}

/** Service-to-service and ops routes of the order context (platform `internalRoute`). */
export function internalRoutes(options: InternalRoutesOptions): Record<string, RouteHandler> {
  const { service, payment } = options;
  return {
    // Ops and tests: the payment breaker's state. Read-only and holds no personal data.
    '/internal/payment-breaker': internalRoute({ methods: ['GET'], access: 'anyone' }, () =>
      payment.status(),
    ),

    // Payment's orphan sweeper asks this before refunding a capture no OrderPlaced confirmed (an
    // order process that died or stalled between capture and insert). POST {orderId}: `{exists:
    // true}`, or `{exists: false, abandoned: true}` after recording that the id may never be
    // written (OrderService.existsOrAbandon).
    '/internal/orders/abandon': internalRoute(
      { access: { service: options.internalSecret } },
      async ({ caller, json }) => {
        const orderId = requireIdField(await json(), 'orderId');
        const outcome = await service.existsOrAbandon(orderId, caller.id);
        return outcome === 'exists' ? { exists: true } : { exists: false, abandoned: true };
      },
    ),
  };
}
