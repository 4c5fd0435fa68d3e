import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BodyTooLargeError,
  type Caller,
  logger,
  PaymentCapture,
  PaymentCaptureError,
  type PaymentCaptureRequest,
  type RouteHandler,
  readBody,
  sendJson,
  UntrustedCallerError,
  verifyServiceCaller,
} from '@baemin/platform';
import type { PaymentRow } from './db/schema.js';
import { type FaultInjector, MAX_FAULT_DELAY_MS } from './FaultInjector.js';
import type { PaymentService } from './PaymentService.js';
import { isFaultMode } from './paymentSettings.js';

/** Internal request bodies are tiny; 16 KiB is generous. */
export const MAX_INTERNAL_BODY_BYTES = 16 * 1024;
/** Largest amount capture accepts at all (100,000,000 won); the card limit is lower. */
export const MAX_AMOUNT_WON = PaymentCapture.maxAmountWon;
const MAX_ID_LENGTH = 100;
const MAX_REASON_LENGTH = 500;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface InternalRoutesOptions {
  internalSecret: string;
  payments: PaymentService;
  faults: FaultInjector;
  /** Serve `POST /internal/fault` (tests); false in production. */
  testHooks: boolean;
}

/**
 * Service-to-service routes. Every one requires a signed `service` identity
 * (signCallerHeaders with INTERNAL_SECRET); errors are `{ error: { code, message } }`.
 */
export function internalRoutes(options: InternalRoutesOptions): Record<string, RouteHandler> {
  const { payments, faults } = options;
  const route =
    (
      handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
      methods = ['POST'],
    ): RouteHandler =>
    async (req, res) => {
      try {
        if (!methods.includes(req.method ?? ''))
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${methods.join(' or ')}`);
        requireService(req, options.internalSecret);
        await handle(req, res);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        if (!res.headersSent) sendJson(res, err.status, { error: { code: err.code, message: err.message } });
      }
    };

  // Fault injection for tests: only where test hooks are allowed (never in production).
  const faultRoute = route(
    async (req, res) => {
      if (req.method === 'GET')
        return sendJson(res, 200, { fault: faults.snapshot(), waiting: faults.waiting });
      const body = await readJson(req);
      if (!isFaultMode(body.mode))
        throw new HttpError(400, 'BAD_REQUEST', 'mode must be none, error or slow');
      const delayMs = body.delayMs ?? faults.delayMs;
      if (!Number.isInteger(delayMs) || (delayMs as number) < 0 || (delayMs as number) > MAX_FAULT_DELAY_MS) {
        throw new HttpError(400, 'BAD_REQUEST', `delayMs must be an integer from 0 to ${MAX_FAULT_DELAY_MS}`);
      }
      faults.set(body.mode, delayMs as number);
      logger.warn('payment fault mode changed', faults.snapshot());
      sendJson(res, 200, { fault: faults.snapshot() });
    },
    ['GET', 'POST'],
  );

  return {
    [PaymentCapture.capturePath]: route(async (req, res) => {
      if (faults.mode === 'error') {
        throw new HttpError(
          503,
          PaymentCaptureError.PAYMENT_UNAVAILABLE,
          'Payment is unavailable (fault injection: error mode)',
        );
      }
      const request = parseCapture(await readJson(req));
      if (faults.mode === 'slow') {
        faults.waiting++;
        const stayed = await waitUnlessClientLeaves(res, faults.delayMs).finally(() => faults.waiting--);
        if (!stayed) {
          logger.warn('capture abandoned by the caller during the injected delay; nothing captured');
          return;
        }
      }
      const result = await payments.capture(request);
      switch (result.kind) {
        case 'captured':
          return sendJson(res, 200, { payment: capturedJson(result.payment) });
        case 'conflict':
          throw new HttpError(
            409,
            PaymentCaptureError.PAYMENT_CONFLICT,
            `Order ${request.orderId} was already captured with amount ${result.payment.amount}, not ${request.amount}`,
          );
        case 'declined':
          throw new HttpError(
            402,
            PaymentCaptureError.PAYMENT_DECLINED,
            `Card limit exceeded: ${request.amount} won is over the limit of ${result.limitWon} won`,
          );
      }
    }),

    [PaymentCapture.refundPath]: route(async (req, res) => {
      const body = await readJson(req);
      const orderId = requireId(body, 'orderId');
      const reason = optionalText(body, 'reason', MAX_REASON_LENGTH);
      const result = await payments.refund(orderId, reason);
      if (!result) throw new HttpError(404, 'NOT_FOUND', `No payment for order ${orderId}`);
      sendJson(res, 200, { payment: paymentJson(result.payment) });
    }),

    ...(options.testHooks ? { '/internal/fault': faultRoute } : {}),
  };
}

function requireService(req: IncomingMessage, secret: string): Caller {
  try {
    return verifyServiceCaller(req.headers, secret);
  } catch (err) {
    if (err instanceof UntrustedCallerError) throw new HttpError(401, 'UNAUTHENTICATED', err.message);
    throw err;
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await readBody(req, MAX_INTERNAL_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', err.message);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function requireId(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_ID_LENGTH) {
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `${field} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
    );
  }
  return value;
}

function optionalText(body: Record<string, unknown>, field: string, max: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) {
    throw new HttpError(400, 'BAD_REQUEST', `${field} must be a string of at most ${max} characters`);
  }
  return value.length > 0 ? value : null;
}

function parseCapture(body: Record<string, unknown>): PaymentCaptureRequest {
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount <= 0 || amount > MAX_AMOUNT_WON) {
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `amount must be a positive integer of at most ${MAX_AMOUNT_WON} won`,
    );
  }
  return {
    orderId: requireId(body, 'orderId'),
    customerId: requireId(body, 'customerId'),
    storeId: requireId(body, 'storeId'),
    ownerId: requireId(body, 'ownerId'),
    amount,
  };
}

/** Resolves true after `ms`, or false as soon as the client closes the connection. */
function waitUnlessClientLeaves(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
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
