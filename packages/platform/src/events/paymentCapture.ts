/**
 * The capture contract between the order and payment contexts: the place-order saga's only
 * synchronous step (docs/saga.md). Order calls it (subgraphs/order/src/PaymentClient.ts), payment
 * serves it (subgraphs/payment/src/internalRoutes.ts); both read the paths, bodies and error codes
 * from here, like the event catalogue for the asynchronous steps. Every call carries a signed
 * `service` identity (signCallerHeaders with INTERNAL_SECRET).
 */
export const PaymentCapture = {
  /** POST {@link PaymentCaptureRequest} → 200 {@link PaymentCaptureReply}. */
  capturePath: '/internal/payments/capture',
  /** POST {@link PaymentRefundRequest} → 200 {@link PaymentRefundReply}; the saga's compensation. */
  refundPath: '/internal/payments/refund',
  /**
   * The idempotency key: a capture retried with the same order id (and amount) returns the same
   * payment instead of charging twice; the same id with another amount is PAYMENT_CONFLICT. A
   * refund is idempotent on it too (only CAPTURED → REFUNDED changes anything).
   */
  idempotencyKey: 'orderId',
  /** Largest amount the route accepts at all (won); the card limit (PAYMENT_LIMIT_WON) is lower. */
  maxAmountWon: 100_000_000,
} as const;

/** Error codes of `{ error: { code, message } }` answers, with their HTTP status. */
export const PaymentCaptureError = {
  /** 400: the body is not a valid request (our bug, not payment's outage). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** 401: no valid service identity. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** 402: the amount is over the card limit: a business answer, never a failure of payment. */
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  /** 404 (refund): no payment for this order. */
  NOT_FOUND: 'NOT_FOUND',
  /** 405: wrong method. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** 409: this order was already captured with another amount. */
  PAYMENT_CONFLICT: 'PAYMENT_CONFLICT',
  /** 413: the body is larger than the route reads. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** 503: payment cannot capture right now (the caller retries later). */
  PAYMENT_UNAVAILABLE: 'PAYMENT_UNAVAILABLE',
} as const;
export type PaymentCaptureError = (typeof PaymentCaptureError)[keyof typeof PaymentCaptureError];

export interface PaymentCaptureRequest {
  /** The idempotency key ({@link PaymentCapture.idempotencyKey}). */
  orderId: string;
  customerId: string;
  storeId: string;
  ownerId: string;
  /** Won, positive integer, at most {@link PaymentCapture.maxAmountWon}. */
  amount: number;
}

/** The payment as a successful capture answers it. */
export interface CapturedPayment {
  id: string;
  orderId: string;
  amount: number;
  status: 'CAPTURED';
  capturedAt: string;
}

export interface PaymentCaptureReply {
  payment: CapturedPayment;
}

export interface PaymentRefundRequest {
  orderId: string;
  /** Shown as the payment's refund reason; at most 500 characters. */
  reason?: string | null;
}

export interface PaymentRefundReply {
  payment: Omit<CapturedPayment, 'status'> & {
    status: 'CAPTURED' | 'REFUNDED';
    refundedAt: string | null;
    refundReason: string | null;
  };
}

export interface PaymentErrorReply {
  error: { code: PaymentCaptureError; message: string };
}
