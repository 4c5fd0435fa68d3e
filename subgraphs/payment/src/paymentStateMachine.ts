import {
  PaymentEvents,
  type PaymentStatus,
  type Refusal,
  refuse,
  type Transition,
  unchanged,
} from '@baemin/platform';

/** What the machine reads and writes of a payment (a payment row is one). */
export interface PaymentState {
  status: PaymentStatus;
  /** Won. */
  amount: number;
  refundReason: string | null;
  /** When the order context confirmed the order exists; null: not yet (a possible orphan). */
  confirmedAt: string | null;
}

export type PaymentStimulus =
  /** The capture call (idempotent on the order id); `limitWon` is the card limit (PAYMENT_LIMIT_WON). */
  | { type: 'capture'; amount: number; limitWon: number }
  /** A refund: the saga's compensation (OrderRejected, OrderCanceled), the orphan sweeper or an operator. */
  | { type: 'refund'; reason: string | null }
  /** order.events: the order exists (its capture is no orphan); `at` is when it was confirmed. */
  | { type: 'OrderPlaced'; at: string };

export interface PaymentEmission {
  type: (typeof PaymentEvents)[keyof typeof PaymentEvents];
}

/** `state` null: no payment for the order; a changed transition always has one. */
export type PaymentTransition = Transition<PaymentState | null, PaymentEmission>;

/** The capture contract's error codes (PaymentCaptureError); NOT_FOUND: a refund of no payment. */
export type PaymentRefusal = Refusal<'PAYMENT_DECLINED' | 'PAYMENT_CONFLICT' | 'NOT_FOUND'>;

/** The status a refusal names when there is no payment. */
export const NO_PAYMENT = 'NONE';

/**
 * The payment state machine as a pure function (docs/saga.md, "Payment"):
 *
 *   (none) ──capture──▶ CAPTURED ──refund──▶ REFUNDED
 *
 * capture is idempotent on the order (the same amount answers the same payment; another amount is
 * PAYMENT_CONFLICT) and declines amounts over the card limit; refund changes only a CAPTURED
 * payment. OrderPlaced confirms the capture, and voids one that was refunded before anyone knew
 * its order existed (the fence's second line): that order must not be fulfilled.
 */
export function applyPaymentEvent<S extends PaymentState>(
  state: S | null,
  stimulus: PaymentStimulus,
): PaymentTransition | PaymentRefusal {
  switch (stimulus.type) {
    case 'capture':
      // The same order retried (e.g. the caller timed out): same answer; another amount is a bug.
      if (state)
        return state.amount === stimulus.amount ? unchanged(state) : refuse('PAYMENT_CONFLICT', state.status);
      if (stimulus.amount > stimulus.limitWon) return refuse('PAYMENT_DECLINED', NO_PAYMENT);
      return {
        state: { status: 'CAPTURED', amount: stimulus.amount, refundReason: null, confirmedAt: null },
        events: [{ type: PaymentEvents.PaymentCaptured }],
        changed: true,
      };
    case 'refund':
      if (!state) return refuse('NOT_FOUND', NO_PAYMENT);
      if (state.status !== 'CAPTURED') return unchanged(state);
      return {
        state: { ...state, status: 'REFUNDED', refundReason: stimulus.reason },
        events: [{ type: PaymentEvents.PaymentRefunded }],
        changed: true,
      };
    case 'OrderPlaced': {
      if (!state || state.confirmedAt !== null) return unchanged(state);
      // A payment refunded after its order was confirmed was refunded by the saga itself (or
      // announced by PaymentRefunded): a copy of OrderPlaced arriving later means nothing.
      const voided = state.status === 'REFUNDED';
      return {
        state: { ...state, confirmedAt: stimulus.at },
        events: voided ? [{ type: PaymentEvents.PaymentVoided }] : [],
        changed: true,
      };
    }
  }
}
