import {
  InternalRouteError,
  internalRoute,
  logger,
  PaymentCapture,
  PaymentCaptureError,
  type PaymentCaptureRequest,
  type RouteHandler,
  requireIdField,
} from '@baemin/platform';
import type { PaymentRow } from './db/schema.js';
import { type FaultInjector, MAX_FAULT_DELAY_MS } from './FaultInjector.js';
import type { PaymentService } from './PaymentService.js';
import { isFaultMode } from './paymentSettings.js';

/** Largest amount capture accepts at all (100,000,000 won); the card limit is lower. */
const MAX_AMOUNT_WON = PaymentCapture.maxAmountWon;
const MAX_REASON_LENGTH = 500;

export interface InternalRoutesOptions {
  internalSecret: string;
  payments: PaymentService;
  /** Capture's injected faults and `/internal/fault`; null where test hooks are off (production). */
  faults: FaultInjector | null;
}

/**
 * Service-to-service routes (platform `internalRoute`): every one requires a signed `service`
 * identity; errors are `{ error: { code, message } }`.
 */
export function internalRoutes(options: InternalRoutesOptions): Record<string, RouteHandler> {
  const { payments, faults } = options;
  const access = { service: options.internalSecret };
  return {
    [PaymentCapture.capturePath]: internalRoute({ access }, async ({ res, json }) => {
      faults?.failIfDown();
      const request = parseCapture(await json());
      if (faults && !(await faults.delayCapture(res))) {
        logger.warn('capture abandoned by the caller during the injected delay; nothing captured');
        return undefined;
      }
      const result = await payments.capture(request);
      switch (result.kind) {
        case 'captured':
          return { payment: capturedJson(result.payment) };
        case 'conflict':
          throw new InternalRouteError(
            409,
            PaymentCaptureError.PAYMENT_CONFLICT,
            `Order ${request.orderId} was already captured with amount ${result.payment.amount}, not ${request.amount}`,
          );
        case 'declined':
          throw new InternalRouteError(
            402,
            PaymentCaptureError.PAYMENT_DECLINED,
            `Card limit exceeded: ${request.amount} won is over the limit of ${result.limitWon} won`,
          );
      }
    }),

    [PaymentCapture.refundPath]: internalRoute({ access }, async ({ json }) => {
      const body = await json();
      const orderId = requireIdField(body, 'orderId');
      const reason = optionalText(body, 'reason', MAX_REASON_LENGTH);
      const result = await payments.refund(orderId, reason);
      if (!result) throw new InternalRouteError(404, 'NOT_FOUND', `No payment for order ${orderId}`);
      return { payment: paymentJson(result.payment) };
    }),

    ...(faults ? { '/internal/fault': faultRoute(faults, access) } : {}),
  };
}

/** Switches capture's injected fault at runtime (GET reads it and how many captures wait). */
function faultRoute(faults: FaultInjector, access: { service: string }): RouteHandler {
  return internalRoute({ access, methods: ['GET', 'POST'] }, async ({ req, json }) => {
    if (req.method === 'GET') return { fault: faults.snapshot(), waiting: faults.waiting };
    const body = await json();
    if (!isFaultMode(body.mode))
      throw new InternalRouteError(400, 'BAD_REQUEST', 'mode must be none, error or slow');
    const delayMs = body.delayMs ?? faults.delayMs;
    if (!Number.isInteger(delayMs) || (delayMs as number) < 0 || (delayMs as number) > MAX_FAULT_DELAY_MS) {
      throw new InternalRouteError(
        400,
        'BAD_REQUEST',
        `delayMs must be an integer from 0 to ${MAX_FAULT_DELAY_MS}`,
      );
    }
    faults.set(body.mode, delayMs as number);
    logger.warn('payment fault mode changed', faults.snapshot());
    return { fault: faults.snapshot() };
  });
}

function optionalText(body: Record<string, unknown>, field: string, max: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) {
    throw new InternalRouteError(
      400,
      'BAD_REQUEST',
      `${field} must be a string of at most ${max} characters`,
    );
  }
  return value.length > 0 ? value : null;
}

function parseCapture(body: Record<string, unknown>): PaymentCaptureRequest {
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || amount > MAX_AMOUNT_WON) {
    throw new InternalRouteError(
      400,
      'BAD_REQUEST',
      `amount must be a positive integer of at most ${MAX_AMOUNT_WON} won`,
    );
  }
  return {
    orderId: requireIdField(body, 'orderId'),
    customerId: requireIdField(body, 'customerId'),
    storeId: requireIdField(body, 'storeId'),
    ownerId: requireIdField(body, 'ownerId'),
    amount,
  };
}

const capturedJson = (p: PaymentRow) => ({
  id: p.id,
  orderId: p.orderId,
  amount: p.amount,
  status: p.status,
  capturedAt: p.capturedAt,
});

const paymentJson = (p: PaymentRow) => ({
  ...capturedJson(p),
  refundedAt: p.refundedAt,
  refundReason: p.refundReason,
});
