import {
  type Refusal,
  refuse,
  StoreEvents,
  type TicketStatus,
  type Transition,
  unchanged,
} from '@baemin/platform';

/** What the machine reads and writes of a ticket (a ticket row is one). */
export interface TicketState {
  status: TicketStatus;
  /** The owner's reject reason, why a cancel was refused, or why the order was canceled. */
  reason: string | null;
}

/** The owner's commands (GraphQL mutations); any other status refuses them with INVALID_TRANSITION. */
export type TicketCommand =
  | { type: 'accept' }
  | { type: 'reject'; reason: string }
  | { type: 'startCooking' }
  | { type: 'markReady' };

/** The order saga's events (order.events); they never refuse: a stale one changes nothing. */
export type TicketSagaEvent =
  | { type: 'OrderPlaced' }
  | { type: 'OrderCancelRequested' }
  | { type: 'OrderCanceled'; reason: string | null }
  | { type: 'OrderPickedUp' };

export type TicketStimulus = TicketCommand | TicketSagaEvent;

/** One store.events event to publish; `reason` only where the event says why (TicketCancelRefused). */
export interface TicketEmission {
  type: (typeof StoreEvents)[keyof typeof StoreEvents];
  reason?: string;
}

/** `state` null: there is no ticket (yet); a changed transition always has one. */
export type TicketTransition = Transition<TicketState | null, TicketEmission>;

/** Verb for error messages ("Cannot start cooking ticket …"). */
export const TICKET_COMMAND_VERB: Readonly<Record<TicketCommand['type'], string>> = {
  accept: 'accept',
  reject: 'reject',
  startCooking: 'start cooking',
  markReady: 'mark ready',
};

/** The owner's steps: from which status, to which, announced by which event. */
const COMMAND_STEP: Readonly<
  Record<TicketCommand['type'], { from: TicketStatus; to: TicketStatus; event: TicketEmission['type'] }>
> = {
  accept: { from: 'AWAITING_ACCEPTANCE', to: 'ACCEPTED', event: StoreEvents.TicketAccepted },
  reject: { from: 'AWAITING_ACCEPTANCE', to: 'REJECTED', event: StoreEvents.TicketRejected },
  startCooking: { from: 'ACCEPTED', to: 'COOKING', event: StoreEvents.TicketCookingStarted },
  markReady: { from: 'COOKING', to: 'READY', event: StoreEvents.TicketReady },
};

/** Why a cancel is refused, by ticket status (shown to the customer as the order's statusReason). */
export const CANCEL_REFUSAL_REASONS: Readonly<Partial<Record<TicketStatus, string>>> = {
  COOKING: 'The kitchen has already started cooking this order',
  READY: 'The food is already ready',
  PICKED_UP: 'A rider has already picked the food up',
  REJECTED: 'The store has already rejected this order',
};

const emit = <S extends TicketState>(state: S, type: TicketEmission['type']): TicketTransition => ({
  state,
  events: [{ type }],
  changed: true,
});

/**
 * The ticket state machine of docs/saga.md as a pure function: given the ticket (null when there
 * is none) and what happened, the new ticket and the store.events to emit, or a refusal of an
 * owner command. A state it does not change is returned as given (same object).
 */
export function applyTicketEvent<S extends TicketState>(
  state: S | null,
  stimulus: TicketStimulus,
): TicketTransition | Refusal<'INVALID_TRANSITION'> {
  switch (stimulus.type) {
    case 'accept':
    case 'reject':
    case 'startCooking':
    case 'markReady': {
      const step = COMMAND_STEP[stimulus.type];
      if (!state || state.status !== step.from)
        return refuse('INVALID_TRANSITION', state?.status ?? 'NOT_FOUND');
      const reason = stimulus.type === 'reject' ? stimulus.reason : state.reason;
      return emit({ ...state, status: step.to, reason }, step.event);
    }
    case 'OrderPlaced':
      // Idempotent on the order: a copy of OrderPlaced (the saga timeout re-publishes) opens nothing.
      if (state) return unchanged(state);
      return emit({ status: 'AWAITING_ACCEPTANCE', reason: null }, StoreEvents.TicketCreated);
    case 'OrderCancelRequested':
      // No ticket: OrderPlaced was lost or dead-lettered, nothing was cooked, so the cancel is
      // allowed; the canceled tombstone makes a late OrderPlaced a no-op.
      if (!state) return emit({ status: 'CANCELED', reason: null }, StoreEvents.TicketCanceled);
      // Already canceled: confirm again rather than refuse, so the saga still ends in CANCELED.
      if (state.status === 'CANCELED') return emit(state, StoreEvents.TicketCanceled);
      if (state.status === 'AWAITING_ACCEPTANCE' || state.status === 'ACCEPTED')
        return emit({ ...state, status: 'CANCELED' }, StoreEvents.TicketCanceled);
      {
        const reason = CANCEL_REFUSAL_REASONS[state.status] ?? `The ticket is ${state.status}`;
        // A rejected ticket keeps the owner's reason; otherwise the ticket shows why the cancel was refused.
        const refused = state.status === 'REJECTED' ? state : { ...state, reason };
        return { state: refused, events: [{ type: StoreEvents.TicketCancelRefused, reason }], changed: true };
      }
    case 'OrderCanceled':
      // Normally the ticket is already CANCELED (TicketCanceled caused the OrderCanceled). An order
      // canceled by the order context alone (its payment was refunded, the saga timed out) must not
      // be cooked or handed over: its ticket is canceled even while cooking. No ticket: a silent
      // tombstone, so a replayed OrderPlaced cannot open a ticket for a canceled order. READY and
      // PICKED_UP are too late (their delivery exists): unchanged, the caller reports them.
      if (!state)
        return { state: { status: 'CANCELED', reason: stimulus.reason }, events: [], changed: true };
      if (state.status === 'AWAITING_ACCEPTANCE' || state.status === 'ACCEPTED' || state.status === 'COOKING')
        return emit({ ...state, status: 'CANCELED', reason: stimulus.reason }, StoreEvents.TicketCanceled);
      return unchanged(state);
    case 'OrderPickedUp':
      if (state?.status !== 'READY') return unchanged(state);
      return emit({ ...state, status: 'PICKED_UP' }, StoreEvents.TicketPickedUp);
  }
}
