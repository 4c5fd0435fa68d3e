import type { TicketStatus } from '@baemin/platform';
import { describe, expect, it } from 'vitest';
import {
  applyTicketEvent,
  CANCEL_REFUSAL_REASONS,
  type TicketState,
  type TicketStimulus,
} from '../src/ticketStateMachine.js';

const STATUSES: TicketStatus[] = [
  'AWAITING_ACCEPTANCE',
  'ACCEPTED',
  'REJECTED',
  'COOKING',
  'READY',
  'PICKED_UP',
  'CANCELED',
];

const STIMULI: TicketStimulus[] = [
  { type: 'accept' },
  { type: 'reject', reason: 'Out of rice' },
  { type: 'startCooking' },
  { type: 'markReady' },
  { type: 'OrderPlaced' },
  { type: 'OrderCancelRequested' },
  { type: 'OrderCanceled', reason: 'The store did not answer in time' },
  { type: 'OrderPickedUp' },
];

type Expected =
  | { to: TicketStatus; reason?: string | null; emits: string[] }
  | { refused: 'INVALID_TRANSITION' }
  | 'ignored';

/**
 * The ticket state machine of docs/saga.md, written out independently of the implementation:
 * every (status, stimulus) pair not listed is ignored when it is a saga event and refused with
 * INVALID_TRANSITION when it is an owner command.
 */
const ALLOWED: Record<string, Expected> = {
  'AWAITING_ACCEPTANCE:accept': { to: 'ACCEPTED', emits: ['TicketAccepted'] },
  'AWAITING_ACCEPTANCE:reject': { to: 'REJECTED', reason: 'Out of rice', emits: ['TicketRejected'] },
  'ACCEPTED:startCooking': { to: 'COOKING', emits: ['TicketCookingStarted'] },
  'COOKING:markReady': { to: 'READY', emits: ['TicketReady'] },
  'READY:OrderPickedUp': { to: 'PICKED_UP', emits: ['TicketPickedUp'] },
  'AWAITING_ACCEPTANCE:OrderCancelRequested': { to: 'CANCELED', emits: ['TicketCanceled'] },
  'ACCEPTED:OrderCancelRequested': { to: 'CANCELED', emits: ['TicketCanceled'] },
  // Confirmed again, so a repeated cancel saga still ends in CANCELED.
  'CANCELED:OrderCancelRequested': { to: 'CANCELED', emits: ['TicketCanceled'] },
  'COOKING:OrderCancelRequested': {
    to: 'COOKING',
    reason: CANCEL_REFUSAL_REASONS.COOKING,
    emits: ['TicketCancelRefused'],
  },
  'READY:OrderCancelRequested': {
    to: 'READY',
    reason: CANCEL_REFUSAL_REASONS.READY,
    emits: ['TicketCancelRefused'],
  },
  'PICKED_UP:OrderCancelRequested': {
    to: 'PICKED_UP',
    reason: CANCEL_REFUSAL_REASONS.PICKED_UP,
    emits: ['TicketCancelRefused'],
  },
  // The owner's reject reason stays on the ticket.
  'REJECTED:OrderCancelRequested': { to: 'REJECTED', reason: 'kept', emits: ['TicketCancelRefused'] },
  'AWAITING_ACCEPTANCE:OrderCanceled': {
    to: 'CANCELED',
    reason: 'The store did not answer in time',
    emits: ['TicketCanceled'],
  },
  'ACCEPTED:OrderCanceled': {
    to: 'CANCELED',
    reason: 'The store did not answer in time',
    emits: ['TicketCanceled'],
  },
  'COOKING:OrderCanceled': {
    to: 'CANCELED',
    reason: 'The store did not answer in time',
    emits: ['TicketCanceled'],
  },
};

const COMMANDS = new Set(['accept', 'reject', 'startCooking', 'markReady']);

const rows = STATUSES.flatMap((status) =>
  STIMULI.map((stimulus) => {
    const expected: Expected =
      ALLOWED[`${status}:${stimulus.type}`] ??
      (COMMANDS.has(stimulus.type) ? { refused: 'INVALID_TRANSITION' } : 'ignored');
    return { status, stimulus, expected };
  }),
);

describe('ticket state machine: every (status, stimulus) pair', () => {
  it.each(rows)('$stimulus.type at $status', ({ status, stimulus, expected }) => {
    const ticket: TicketState = { status, reason: 'kept' };
    const outcome = applyTicketEvent(ticket, stimulus);
    if (expected === 'ignored') {
      expect(outcome).toEqual({ state: ticket, events: [], changed: false });
      expect((outcome as { state: unknown }).state).toBe(ticket);
    } else if ('refused' in expected) {
      expect(outcome).toEqual({ refused: 'INVALID_TRANSITION', status });
    } else {
      expect(outcome).toMatchObject({
        changed: true,
        state: { status: expected.to, reason: expected.reason === undefined ? 'kept' : expected.reason },
      });
      expect((outcome as { events: { type: string }[] }).events.map((e) => e.type)).toEqual(expected.emits);
    }
  });

  it('says why it refuses a cancel in the event, even when the ticket keeps the owner’s reason', () => {
    const outcome = applyTicketEvent(
      { status: 'REJECTED', reason: 'Out of rice' },
      { type: 'OrderCancelRequested' },
    );
    expect(outcome).toMatchObject({
      state: { status: 'REJECTED', reason: 'Out of rice' },
      events: [{ type: 'TicketCancelRefused', reason: CANCEL_REFUSAL_REASONS.REJECTED }],
    });
  });
});

describe('ticket state machine: no ticket yet', () => {
  it.each<[TicketStimulus, Expected]>([
    [{ type: 'OrderPlaced' }, { to: 'AWAITING_ACCEPTANCE', reason: null, emits: ['TicketCreated'] }],
    // OrderPlaced lost: a canceled tombstone, so a late OrderPlaced opens nothing.
    [{ type: 'OrderCancelRequested' }, { to: 'CANCELED', reason: null, emits: ['TicketCanceled'] }],
    [
      { type: 'OrderCanceled', reason: 'gone' },
      { to: 'CANCELED', reason: 'gone', emits: [] },
    ],
    [{ type: 'OrderPickedUp' }, 'ignored'],
    [{ type: 'accept' }, { refused: 'INVALID_TRANSITION' }],
  ])('%o → %o', (stimulus, expected) => {
    const outcome = applyTicketEvent(null, stimulus);
    if (expected === 'ignored') expect(outcome).toEqual({ state: null, events: [], changed: false });
    else if ('refused' in expected) expect(outcome).toMatchObject({ refused: 'INVALID_TRANSITION' });
    else {
      expect(outcome).toMatchObject({
        changed: true,
        state: { status: expected.to, reason: expected.reason },
      });
      expect((outcome as { events: { type: string }[] }).events.map((e) => e.type)).toEqual(expected.emits);
    }
  });

  it('a tombstone makes a late OrderPlaced a no-op', () => {
    const tombstone = applyTicketEvent(null, { type: 'OrderCancelRequested' });
    const late = applyTicketEvent((tombstone as { state: TicketState }).state, { type: 'OrderPlaced' });
    expect(late).toMatchObject({ changed: false, events: [], state: { status: 'CANCELED' } });
  });
});
