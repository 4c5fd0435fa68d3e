import { describe, expect, it } from 'vitest';
import { applyPaymentEvent, type PaymentState, type PaymentStimulus } from '../src/paymentStateMachine.js';

const LIMIT = 1_000_000;
const AT = '2026-01-01T00:00:00.000Z';

const STATES: Record<string, PaymentState | null> = {
  none: null,
  'captured, unconfirmed': { status: 'CAPTURED', amount: 20_000, refundReason: null, confirmedAt: null },
  'captured, confirmed': { status: 'CAPTURED', amount: 20_000, refundReason: null, confirmedAt: AT },
  'refunded, unconfirmed': { status: 'REFUNDED', amount: 20_000, refundReason: 'orphan', confirmedAt: null },
  'refunded, confirmed': { status: 'REFUNDED', amount: 20_000, refundReason: 'canceled', confirmedAt: AT },
};

const STIMULI: Record<string, PaymentStimulus> = {
  'capture 20000': { type: 'capture', amount: 20_000, limitWon: LIMIT },
  'capture 30000': { type: 'capture', amount: 30_000, limitWon: LIMIT },
  'capture over the limit': { type: 'capture', amount: LIMIT + 1, limitWon: LIMIT },
  refund: { type: 'refund', reason: 'Order canceled' },
  OrderPlaced: { type: 'OrderPlaced', at: '2026-01-02T00:00:00.000Z' },
};

type Expected =
  | { to: Partial<PaymentState>; emits: string[] }
  | { refused: 'PAYMENT_DECLINED' | 'PAYMENT_CONFLICT' | 'NOT_FOUND'; status: string }
  | 'ignored';

const confirmedNow = { confirmedAt: '2026-01-02T00:00:00.000Z' };

/** docs/saga.md, "Payment" and "Orphan captures", for every (state, stimulus) pair. */
const TABLE: Record<string, Record<string, Expected>> = {
  none: {
    'capture 20000': {
      to: { status: 'CAPTURED', amount: 20_000, confirmedAt: null },
      emits: ['PaymentCaptured'],
    },
    'capture 30000': {
      to: { status: 'CAPTURED', amount: 30_000, confirmedAt: null },
      emits: ['PaymentCaptured'],
    },
    'capture over the limit': { refused: 'PAYMENT_DECLINED', status: 'NONE' },
    refund: { refused: 'NOT_FOUND', status: 'NONE' },
    OrderPlaced: 'ignored',
  },
  'captured, unconfirmed': {
    // A retry of the same capture: the same payment, nothing new.
    'capture 20000': 'ignored',
    'capture 30000': { refused: 'PAYMENT_CONFLICT', status: 'CAPTURED' },
    'capture over the limit': { refused: 'PAYMENT_CONFLICT', status: 'CAPTURED' },
    refund: { to: { status: 'REFUNDED', refundReason: 'Order canceled' }, emits: ['PaymentRefunded'] },
    OrderPlaced: { to: { status: 'CAPTURED', ...confirmedNow }, emits: [] },
  },
  'captured, confirmed': {
    'capture 20000': 'ignored',
    'capture 30000': { refused: 'PAYMENT_CONFLICT', status: 'CAPTURED' },
    'capture over the limit': { refused: 'PAYMENT_CONFLICT', status: 'CAPTURED' },
    refund: {
      to: { status: 'REFUNDED', refundReason: 'Order canceled', confirmedAt: AT },
      emits: ['PaymentRefunded'],
    },
    OrderPlaced: 'ignored',
  },
  'refunded, unconfirmed': {
    'capture 20000': 'ignored',
    'capture 30000': { refused: 'PAYMENT_CONFLICT', status: 'REFUNDED' },
    'capture over the limit': { refused: 'PAYMENT_CONFLICT', status: 'REFUNDED' },
    refund: 'ignored',
    // The order turned up after its money went back: voided, the order context cancels it.
    OrderPlaced: { to: { status: 'REFUNDED', ...confirmedNow }, emits: ['PaymentVoided'] },
  },
  'refunded, confirmed': {
    'capture 20000': 'ignored',
    'capture 30000': { refused: 'PAYMENT_CONFLICT', status: 'REFUNDED' },
    'capture over the limit': { refused: 'PAYMENT_CONFLICT', status: 'REFUNDED' },
    refund: 'ignored',
    // Refunded by the saga after the order was confirmed: a late copy of OrderPlaced means nothing.
    OrderPlaced: 'ignored',
  },
};

const rows = Object.entries(TABLE).flatMap(([state, byStimulus]) =>
  Object.entries(byStimulus).map(([stimulus, expected]) => ({ state, stimulus, expected })),
);

describe('payment state machine: every (state, stimulus) pair', () => {
  it('the table covers every pair', () => {
    expect(rows).toHaveLength(Object.keys(STATES).length * Object.keys(STIMULI).length);
  });

  it.each(rows)('$stimulus on $state', ({ state, stimulus, expected }) => {
    const payment = STATES[state]!;
    const outcome = applyPaymentEvent(payment, STIMULI[stimulus]!);
    if (expected === 'ignored') expect(outcome).toEqual({ state: payment, events: [], changed: false });
    else if ('refused' in expected) expect(outcome).toEqual(expected);
    else {
      expect(outcome).toMatchObject({ state: expected.to, changed: true });
      expect((outcome as { events: { type: string }[] }).events.map((e) => e.type)).toEqual(expected.emits);
    }
  });
});
