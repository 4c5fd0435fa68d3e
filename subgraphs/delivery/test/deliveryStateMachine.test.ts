import { describe, expect, it } from 'vitest';
import {
  applyDeliveryEvent,
  type DeliveryFacts,
  type DeliveryStimulus,
} from '../src/deliveryStateMachine.js';

const STATES: Record<string, DeliveryFacts | null> = {
  none: null,
  available: { status: 'AVAILABLE', riderId: null },
  pickedUpByRider1: { status: 'PICKED_UP', riderId: 'rider-1' },
  deliveredByRider1: { status: 'DELIVERED', riderId: 'rider-1' },
};

const STIMULI: Record<string, DeliveryStimulus> = {
  TicketReady: { type: 'TicketReady' },
  'pickUp by rider-1': { type: 'pickUp', riderId: 'rider-1' },
  'pickUp by rider-2': { type: 'pickUp', riderId: 'rider-2' },
  'completeDelivery by rider-1': { type: 'completeDelivery', riderId: 'rider-1' },
  'completeDelivery by rider-2': { type: 'completeDelivery', riderId: 'rider-2' },
};

type Expected =
  | { to: DeliveryFacts; emits: string[] }
  | { refused: 'INVALID_TRANSITION' | 'FORBIDDEN'; status: string }
  | 'ignored';

/** docs/saga.md, "Delivery", written out for every (state, stimulus) pair. */
const TABLE: Record<string, Record<string, Expected>> = {
  none: {
    TicketReady: { to: { status: 'AVAILABLE', riderId: null }, emits: ['DeliveryCreated'] },
    'pickUp by rider-1': { refused: 'INVALID_TRANSITION', status: 'NOT_READY' },
    'pickUp by rider-2': { refused: 'INVALID_TRANSITION', status: 'NOT_READY' },
    'completeDelivery by rider-1': { refused: 'INVALID_TRANSITION', status: 'NOT_READY' },
    'completeDelivery by rider-2': { refused: 'INVALID_TRANSITION', status: 'NOT_READY' },
  },
  available: {
    TicketReady: 'ignored',
    'pickUp by rider-1': { to: { status: 'PICKED_UP', riderId: 'rider-1' }, emits: ['DeliveryPickedUp'] },
    'pickUp by rider-2': { to: { status: 'PICKED_UP', riderId: 'rider-2' }, emits: ['DeliveryPickedUp'] },
    'completeDelivery by rider-1': { refused: 'INVALID_TRANSITION', status: 'AVAILABLE' },
    'completeDelivery by rider-2': { refused: 'INVALID_TRANSITION', status: 'AVAILABLE' },
  },
  pickedUpByRider1: {
    TicketReady: 'ignored',
    'pickUp by rider-1': { refused: 'INVALID_TRANSITION', status: 'PICKED_UP' },
    'pickUp by rider-2': { refused: 'INVALID_TRANSITION', status: 'PICKED_UP' },
    'completeDelivery by rider-1': {
      to: { status: 'DELIVERED', riderId: 'rider-1' },
      emits: ['DeliveryCompleted'],
    },
    'completeDelivery by rider-2': { refused: 'FORBIDDEN', status: 'PICKED_UP' },
  },
  deliveredByRider1: {
    TicketReady: 'ignored',
    'pickUp by rider-1': { refused: 'INVALID_TRANSITION', status: 'DELIVERED' },
    'pickUp by rider-2': { refused: 'INVALID_TRANSITION', status: 'DELIVERED' },
    'completeDelivery by rider-1': { refused: 'INVALID_TRANSITION', status: 'DELIVERED' },
    'completeDelivery by rider-2': { refused: 'FORBIDDEN', status: 'DELIVERED' },
  },
};

const rows = Object.entries(TABLE).flatMap(([state, byStimulus]) =>
  Object.entries(byStimulus).map(([stimulus, expected]) => ({ state, stimulus, expected })),
);

describe('delivery state machine: every (state, stimulus) pair', () => {
  it('the table covers every pair', () => {
    expect(rows).toHaveLength(Object.keys(STATES).length * Object.keys(STIMULI).length);
  });

  it.each(rows)('$stimulus on $state', ({ state, stimulus, expected }) => {
    const facts = STATES[state]!;
    const outcome = applyDeliveryEvent(facts, STIMULI[stimulus]!);
    if (expected === 'ignored') expect(outcome).toEqual({ state: facts, events: [], changed: false });
    else if ('refused' in expected) expect(outcome).toEqual(expected);
    else
      expect(outcome).toEqual({
        state: expected.to,
        events: expected.emits.map((type) => ({ type })),
        changed: true,
      });
  });
});
