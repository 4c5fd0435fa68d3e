import { StoreEvents, type TicketStatus } from '@baemin/platform';

/** Everything that can move a kitchen ticket: the owner's mutations and the order saga's events. */
export type TicketAction = 'accept' | 'reject' | 'startCooking' | 'markReady' | 'pickUp' | 'cancel';

interface TicketTransition {
  from: readonly TicketStatus[];
  to: TicketStatus;
  /** The store.events type announcing the step. */
  event: (typeof StoreEvents)[keyof typeof StoreEvents];
  /** Verb for error messages ("Cannot start cooking ticket …"). */
  verb: string;
}

/** The ticket state machine of docs/saga.md as data: one row per action. */
export const TICKET_TRANSITIONS: Readonly<Record<TicketAction, TicketTransition>> = {
  accept: {
    from: ['AWAITING_ACCEPTANCE'],
    to: 'ACCEPTED',
    event: StoreEvents.TicketAccepted,
    verb: 'accept',
  },
  reject: {
    from: ['AWAITING_ACCEPTANCE'],
    to: 'REJECTED',
    event: StoreEvents.TicketRejected,
    verb: 'reject',
  },
  startCooking: {
    from: ['ACCEPTED'],
    to: 'COOKING',
    event: StoreEvents.TicketCookingStarted,
    verb: 'start cooking',
  },
  markReady: { from: ['COOKING'], to: 'READY', event: StoreEvents.TicketReady, verb: 'mark ready' },
  pickUp: { from: ['READY'], to: 'PICKED_UP', event: StoreEvents.TicketPickedUp, verb: 'pick up' },
  cancel: {
    from: ['AWAITING_ACCEPTANCE', 'ACCEPTED'],
    to: 'CANCELED',
    event: StoreEvents.TicketCanceled,
    verb: 'cancel',
  },
};

export const TICKET_STATUSES: readonly TicketStatus[] = [
  'AWAITING_ACCEPTANCE',
  'ACCEPTED',
  'REJECTED',
  'COOKING',
  'READY',
  'PICKED_UP',
  'CANCELED',
];

/** The status after `action`, or null when the action is not allowed from `status`. */
export function nextTicketStatus(status: TicketStatus, action: TicketAction): TicketStatus | null {
  const t = TICKET_TRANSITIONS[action];
  return t.from.includes(status) ? t.to : null;
}

export function canApply(status: TicketStatus, action: TicketAction): boolean {
  return nextTicketStatus(status, action) !== null;
}
