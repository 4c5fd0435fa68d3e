import type { TicketStatus } from '@baemin/platform';
import { describe, expect, it } from 'vitest';
import {
  canApply,
  nextTicketStatus,
  TICKET_STATUSES,
  TICKET_TRANSITIONS,
  type TicketAction,
} from '../src/ticketStateMachine.js';

/** The ticket state machine of docs/saga.md, written out independently of the implementation. */
const LEGAL: Record<string, TicketStatus> = {
  'AWAITING_ACCEPTANCE:accept': 'ACCEPTED',
  'AWAITING_ACCEPTANCE:reject': 'REJECTED',
  'AWAITING_ACCEPTANCE:cancel': 'CANCELED',
  'ACCEPTED:startCooking': 'COOKING',
  'ACCEPTED:cancel': 'CANCELED',
  'COOKING:markReady': 'READY',
  'READY:pickUp': 'PICKED_UP',
};

const ACTIONS = Object.keys(TICKET_TRANSITIONS) as TicketAction[];

describe('ticket state machine', () => {
  it('knows every status and action', () => {
    expect([...TICKET_STATUSES].sort()).toEqual(
      ['ACCEPTED', 'AWAITING_ACCEPTANCE', 'CANCELED', 'COOKING', 'PICKED_UP', 'READY', 'REJECTED'].sort(),
    );
    expect([...ACTIONS].sort()).toEqual([
      'accept',
      'cancel',
      'markReady',
      'pickUp',
      'reject',
      'startCooking',
    ]);
  });

  for (const status of TICKET_STATUSES) {
    for (const action of ACTIONS) {
      const expected = LEGAL[`${status}:${action}`] ?? null;
      it(`${action} from ${status} → ${expected ?? 'refused'}`, () => {
        expect(nextTicketStatus(status, action)).toBe(expected);
        expect(canApply(status, action)).toBe(expected !== null);
      });
    }
  }

  it('terminal statuses allow nothing', () => {
    for (const status of ['REJECTED', 'CANCELED', 'PICKED_UP'] as TicketStatus[]) {
      expect(ACTIONS.filter((a) => canApply(status, a))).toEqual([]);
    }
  });

  it('announces each step with its store event', () => {
    expect(TICKET_TRANSITIONS.accept.event).toBe('TicketAccepted');
    expect(TICKET_TRANSITIONS.reject.event).toBe('TicketRejected');
    expect(TICKET_TRANSITIONS.startCooking.event).toBe('TicketCookingStarted');
    expect(TICKET_TRANSITIONS.markReady.event).toBe('TicketReady');
    expect(TICKET_TRANSITIONS.pickUp.event).toBe('TicketPickedUp');
    expect(TICKET_TRANSITIONS.cancel.event).toBe('TicketCanceled');
  });
});
