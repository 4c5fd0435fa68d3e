import { isRefusal, type OrderStatus } from '@baemin/platform';
import { describe, expect, it } from 'vitest';
import {
  applyOrderEvent,
  CANCEL_TOO_LATE_REASON,
  FULFILMENT_ORDER,
  type FulfilmentStatus,
  isCancelable,
  type OrderState,
  type OrderStimulus,
  type OrderTransition,
  requestCancel,
} from '../src/orderStateMachine.js';

/** The customer's cancel, asserted allowed. */
const cancel = (s: OrderState): OrderTransition => {
  const outcome = requestCancel(s);
  if (isRefusal(outcome)) throw new Error(`cancel refused at ${outcome.status}`);
  return outcome;
};

const state = (
  status: OrderStatus,
  progress: FulfilmentStatus,
  version = 3,
  riderId: string | null = null,
): OrderState => ({
  status,
  progress,
  version,
  statusReason: null,
  riderId,
});

const PROGRESS_STIMULI: { stimulus: OrderStimulus; target: FulfilmentStatus }[] = [
  { stimulus: { type: 'TicketAccepted' }, target: 'ACCEPTED' },
  { stimulus: { type: 'TicketCookingStarted' }, target: 'COOKING' },
  { stimulus: { type: 'TicketReady' }, target: 'READY' },
  { stimulus: { type: 'DeliveryPickedUp', riderId: 'rider-1' }, target: 'PICKED_UP' },
  { stimulus: { type: 'DeliveryCompleted', riderId: 'rider-1' }, target: 'DELIVERED' },
];

const EVENT_OF: Record<string, string> = {
  ACCEPTED: 'OrderAccepted',
  COOKING: 'OrderCookingStarted',
  READY: 'OrderReady',
  PICKED_UP: 'OrderPickedUp',
  DELIVERED: 'OrderDelivered',
};

const ALL_STIMULI: OrderStimulus[] = [
  ...PROGRESS_STIMULI.map((s) => s.stimulus),
  { type: 'TicketRejected', reason: 'busy' },
  { type: 'TicketCanceled' },
  { type: 'TicketCancelRefused', reason: 'cooking' },
  { type: 'CancelRequested' },
];

describe('fulfilment progress', () => {
  const live: FulfilmentStatus[] = ['PLACED', 'ACCEPTED', 'COOKING', 'READY', 'PICKED_UP'];
  for (const from of live) {
    for (const { stimulus, target } of PROGRESS_STIMULI) {
      const fromRank = FULFILMENT_ORDER.indexOf(from);
      const toRank = FULFILMENT_ORDER.indexOf(target);
      if (toRank <= fromRank) {
        it(`${stimulus.type} at ${from} is stale and ignored`, () => {
          const s = state(from, from, 4, 'rider-1');
          expect(applyOrderEvent(s, stimulus)).toEqual({ state: s, events: [], changed: false });
        });
      } else {
        const steps = FULFILMENT_ORDER.slice(fromRank + 1, toRank + 1);
        it(`${stimulus.type} at ${from} → ${target}, emitting ${steps.join(', ')}`, () => {
          const t = applyOrderEvent(state(from, from, 4), stimulus);
          expect(t.changed).toBe(true);
          expect(t.state).toMatchObject({ status: target, progress: target, version: 4 + steps.length });
          expect(t.events.map((e) => e.type)).toEqual(steps.map((s) => EVENT_OF[s]));
          expect(t.events.map((e) => e.status)).toEqual(steps);
          expect(t.events.map((e) => e.previousStatus)).toEqual([from, ...steps.slice(0, -1)]);
          expect(t.events.map((e) => e.version)).toEqual(steps.map((_, i) => 5 + i));
        });
      }
    }
  }

  it('fills in PICKED_UP when DeliveryCompleted arrives first, both carrying the rider', () => {
    const t = applyOrderEvent(state('READY', 'READY', 4), { type: 'DeliveryCompleted', riderId: 'rider-7' });
    expect(t.events).toEqual([
      { type: 'OrderPickedUp', status: 'PICKED_UP', previousStatus: 'READY', version: 5, riderId: 'rider-7' },
      {
        type: 'OrderDelivered',
        status: 'DELIVERED',
        previousStatus: 'PICKED_UP',
        version: 6,
        riderId: 'rider-7',
      },
    ]);
    expect(t.state.riderId).toBe('rider-7');
  });

  it('fills in everything from PLACED to PICKED_UP when DeliveryPickedUp overtakes the store events', () => {
    const t = applyOrderEvent(state('PLACED', 'PLACED', 1), { type: 'DeliveryPickedUp', riderId: 'r' });
    expect(t.events.map((e) => [e.status, e.version])).toEqual([
      ['ACCEPTED', 2],
      ['COOKING', 3],
      ['READY', 4],
      ['PICKED_UP', 5],
    ]);
    // the late store events are then stale
    for (const type of ['TicketAccepted', 'TicketCookingStarted', 'TicketReady'] as const) {
      expect(applyOrderEvent(t.state, { type }).changed).toBe(false);
    }
  });

  it('records a rider learned from a stale delivery event without emitting', () => {
    const t = applyOrderEvent(state('DELIVERED', 'DELIVERED', 6, null), {
      type: 'DeliveryPickedUp',
      riderId: 'r-2',
    });
    expect(t).toMatchObject({ events: [], changed: true, state: { status: 'DELIVERED', riderId: 'r-2' } });
  });
});

describe('terminal statuses', () => {
  const terminal: [OrderStatus, FulfilmentStatus][] = [
    ['REJECTED', 'PLACED'],
    ['REJECTED', 'ACCEPTED'],
    ['CANCELED', 'PLACED'],
    ['CANCELED', 'ACCEPTED'],
    ['DELIVERED', 'DELIVERED'],
  ];
  for (const [status, progress] of terminal) {
    it(`${status} (progress ${progress}) ignores everything`, () => {
      const s = state(status, progress, 5, 'rider-1');
      for (const stimulus of ALL_STIMULI) {
        expect(applyOrderEvent(s, stimulus)).toEqual({ state: s, events: [], changed: false });
      }
      expect(requestCancel(s)).toEqual({ refused: 'INVALID_TRANSITION', status });
    });
  }
});

describe('reject', () => {
  for (const [status, progress] of [
    ['PLACED', 'PLACED'],
    ['ACCEPTED', 'ACCEPTED'],
    ['CANCEL_PENDING', 'PLACED'],
    ['CANCEL_PENDING', 'ACCEPTED'],
  ] as [OrderStatus, FulfilmentStatus][]) {
    it(`TicketRejected at ${status}/${progress} → REJECTED with the reason`, () => {
      const t = applyOrderEvent(state(status, progress, 2), {
        type: 'TicketRejected',
        reason: 'Out of chicken',
      });
      expect(t.state).toMatchObject({
        status: 'REJECTED',
        version: 3,
        statusReason: 'Out of chicken',
        progress,
      });
      expect(t.events).toEqual([
        {
          type: 'OrderRejected',
          status: 'REJECTED',
          previousStatus: status,
          version: 3,
          reason: 'Out of chicken',
        },
      ]);
    });
  }
  for (const s of ['COOKING', 'READY', 'PICKED_UP'] as const) {
    it(`TicketRejected at ${s} is ignored`, () => {
      expect(applyOrderEvent(state(s, s), { type: 'TicketRejected', reason: 'x' }).changed).toBe(false);
    });
  }
});

describe('cancel saga', () => {
  it('allows cancel only while PLACED or ACCEPTED', () => {
    for (const s of ['PLACED', 'ACCEPTED'] as const) {
      const t = cancel(state(s, s, 2));
      expect(t.state).toMatchObject({ status: 'CANCEL_PENDING', progress: s, version: 3 });
      expect(t.events).toEqual([
        { type: 'OrderCancelRequested', status: 'CANCEL_PENDING', previousStatus: s, version: 3 },
      ]);
      expect(isCancelable(s)).toBe(true);
      expect(applyOrderEvent(state(s, s, 2), { type: 'CancelRequested' })).toEqual(t);
    }
    for (const s of ['COOKING', 'READY', 'PICKED_UP', 'DELIVERED', 'REJECTED', 'CANCELED'] as const) {
      expect(requestCancel(state(s, s === 'REJECTED' || s === 'CANCELED' ? 'PLACED' : s))).toEqual({
        refused: 'INVALID_TRANSITION',
        status: s,
      });
      expect(isCancelable(s)).toBe(false);
    }
    expect(requestCancel(state('CANCEL_PENDING', 'PLACED'))).toEqual({
      refused: 'INVALID_TRANSITION',
      status: 'CANCEL_PENDING',
    });
  });

  it('TicketCanceled while pending → CANCELED', () => {
    const t = applyOrderEvent(state('CANCEL_PENDING', 'ACCEPTED', 3), { type: 'TicketCanceled' });
    expect(t.state).toMatchObject({ status: 'CANCELED', version: 4 });
    expect(t.events).toEqual([
      { type: 'OrderCanceled', status: 'CANCELED', previousStatus: 'CANCEL_PENDING', version: 4 },
    ]);
  });

  it('TicketCancelRefused while pending → back to the fulfilment status with the reason', () => {
    for (const p of ['PLACED', 'ACCEPTED'] as const) {
      const t = applyOrderEvent(state('CANCEL_PENDING', p, 3), {
        type: 'TicketCancelRefused',
        reason: 'too late',
      });
      expect(t.state).toMatchObject({ status: p, progress: p, version: 4, statusReason: 'too late' });
      expect(t.events).toEqual([
        {
          type: 'OrderCancelDenied',
          status: p,
          previousStatus: 'CANCEL_PENDING',
          version: 4,
          reason: 'too late',
        },
      ]);
    }
  });

  it('TicketCanceled and TicketCancelRefused are ignored unless pending', () => {
    for (const s of ['PLACED', 'ACCEPTED', 'COOKING', 'READY'] as const) {
      expect(applyOrderEvent(state(s, s), { type: 'TicketCanceled' }).changed).toBe(false);
      expect(applyOrderEvent(state(s, s), { type: 'TicketCancelRefused', reason: 'x' }).changed).toBe(false);
    }
  });

  it('TicketAccepted while pending only records progress (and that it is not announced yet)', () => {
    const t = applyOrderEvent(state('CANCEL_PENDING', 'PLACED', 2), { type: 'TicketAccepted' });
    expect(t).toEqual({
      state: { ...state('CANCEL_PENDING', 'ACCEPTED', 2), announcedProgress: 'PLACED' },
      events: [],
      changed: true,
    });
    // and the cancel can still succeed afterwards
    const c = applyOrderEvent(t.state, { type: 'TicketCanceled' });
    expect(c.state.status).toBe('CANCELED');
  });

  it('cooking wins the race: COOKING ends the pending cancel and the late refusal is ignored', () => {
    let s = cancel(state('ACCEPTED', 'ACCEPTED', 2)).state;
    const cooking = applyOrderEvent(s, { type: 'TicketCookingStarted' });
    expect(cooking.events).toEqual([
      {
        type: 'OrderCookingStarted',
        status: 'COOKING',
        previousStatus: 'CANCEL_PENDING',
        version: 4,
        reason: CANCEL_TOO_LATE_REASON,
      },
    ]);
    s = cooking.state;
    // The late refusal is ignored, so the order says here why the cancel did not happen.
    expect(s).toMatchObject({
      status: 'COOKING',
      progress: 'COOKING',
      version: 4,
      statusReason: CANCEL_TOO_LATE_REASON,
    });
    expect(applyOrderEvent(s, { type: 'TicketCancelRefused', reason: 'cooking' }).changed).toBe(false);
    expect(applyOrderEvent(s, { type: 'TicketCanceled' }).changed).toBe(false);
  });

  it('a progress event beyond COOKING while pending emits the skipped steps from the recorded progress', () => {
    const fromPlaced = applyOrderEvent(state('CANCEL_PENDING', 'PLACED', 2), { type: 'TicketReady' });
    expect(fromPlaced.events.map((e) => [e.type, e.previousStatus, e.version])).toEqual([
      ['OrderAccepted', 'CANCEL_PENDING', 3],
      ['OrderCookingStarted', 'ACCEPTED', 4],
      ['OrderReady', 'COOKING', 5],
    ]);
    const fromAccepted = applyOrderEvent(state('CANCEL_PENDING', 'ACCEPTED', 2), { type: 'TicketReady' });
    expect(fromAccepted.events.map((e) => [e.type, e.previousStatus, e.version])).toEqual([
      ['OrderCookingStarted', 'CANCEL_PENDING', 3],
      ['OrderReady', 'COOKING', 4],
    ]);
    expect(fromAccepted.state).toMatchObject({ status: 'READY', progress: 'READY', version: 4 });
  });

  it('the cancel wins the race: canceled, and nothing moves it afterwards', () => {
    let s = cancel(state('PLACED', 'PLACED', 1)).state;
    s = applyOrderEvent(s, { type: 'TicketCanceled' }).state;
    expect(s).toMatchObject({ status: 'CANCELED', version: 3 });
    for (const stimulus of ALL_STIMULI) expect(applyOrderEvent(s, stimulus).changed).toBe(false);
  });
});

/**
 * Issue 16 item 8: every status is emitted exactly once, whatever happens while a cancel is
 * pending. Each row: the order's stimuli from PLACED (version 1), and the status events expected
 * over the whole run, in order.
 */
describe('every status is announced once, across a pending cancel', () => {
  const rows: { name: string; stimuli: OrderStimulus[]; expected: [string, string][]; final: string }[] = [
    {
      name: 'accepted while pending, then the cancel is refused',
      stimuli: [{ type: 'CancelRequested' }, { type: 'TicketAccepted' }, { type: 'TicketCancelRefused' }],
      expected: [
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderCancelDenied', 'PLACED'],
        ['OrderAccepted', 'ACCEPTED'],
      ],
      final: 'ACCEPTED',
    },
    {
      name: 'accepted while pending, then cooking wins (the refusal comes late)',
      stimuli: [
        { type: 'CancelRequested' },
        { type: 'TicketAccepted' },
        { type: 'TicketCookingStarted' },
        { type: 'TicketCancelRefused' },
      ],
      expected: [
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderAccepted', 'ACCEPTED'],
        ['OrderCookingStarted', 'COOKING'],
      ],
      final: 'COOKING',
    },
    {
      name: 'accepted twice while pending (redelivered), then refused, then cooking',
      stimuli: [
        { type: 'CancelRequested' },
        { type: 'TicketAccepted' },
        { type: 'TicketAccepted' },
        { type: 'TicketCancelRefused' },
        { type: 'TicketAccepted' },
        { type: 'TicketCookingStarted' },
      ],
      expected: [
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderCancelDenied', 'PLACED'],
        ['OrderAccepted', 'ACCEPTED'],
        ['OrderCookingStarted', 'COOKING'],
      ],
      final: 'COOKING',
    },
    {
      name: 'accepted before the cancel: the refusal returns to ACCEPTED without a second OrderAccepted',
      stimuli: [{ type: 'TicketAccepted' }, { type: 'CancelRequested' }, { type: 'TicketCancelRefused' }],
      expected: [
        ['OrderAccepted', 'ACCEPTED'],
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderCancelDenied', 'ACCEPTED'],
      ],
      final: 'ACCEPTED',
    },
    {
      name: 'accepted while pending, then canceled: nothing announces an acceptance that no longer matters',
      stimuli: [{ type: 'CancelRequested' }, { type: 'TicketAccepted' }, { type: 'TicketCanceled' }],
      expected: [
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderCanceled', 'CANCELED'],
      ],
      final: 'CANCELED',
    },
    {
      name: 'accepted while pending, refused, cancel requested again and accepted again, refused again',
      stimuli: [
        { type: 'CancelRequested' },
        { type: 'TicketAccepted' },
        { type: 'TicketCancelRefused' },
        { type: 'CancelRequested' },
        { type: 'TicketCancelRefused' },
        { type: 'TicketReady' },
      ],
      expected: [
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderCancelDenied', 'PLACED'],
        ['OrderAccepted', 'ACCEPTED'],
        ['OrderCancelRequested', 'CANCEL_PENDING'],
        ['OrderCancelDenied', 'ACCEPTED'],
        ['OrderCookingStarted', 'COOKING'],
        ['OrderReady', 'READY'],
      ],
      final: 'READY',
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      let s = state('PLACED', 'PLACED', 1);
      const emitted: { type: string; status: string; previousStatus: string; version: number }[] = [];
      for (const stimulus of row.stimuli) {
        const t = applyOrderEvent(s, stimulus);
        emitted.push(...t.events);
        s = t.state;
      }
      expect(emitted.map((e) => [e.type, e.status])).toEqual(row.expected);
      // Consecutive versions, each event continuing from the previous status.
      emitted.forEach((e, i) => {
        expect(e.version).toBe(2 + i);
        expect(e.previousStatus).toBe(i === 0 ? 'PLACED' : emitted[i - 1]!.status);
      });
      expect(s.status).toBe(row.final);
      expect(s.announcedProgress ?? null).toBeNull();
      // Each fulfilment status at most once.
      const progress = emitted.filter(
        (e) => e.type !== 'OrderCancelRequested' && e.type !== 'OrderCancelDenied',
      );
      expect(new Set(progress.map((e) => e.type)).size).toBe(progress.length);
    });
  }
});
