import {
  OrderEvents,
  type OrderStatus,
  type Refusal,
  refuse,
  type Transition,
  unchanged,
} from '@baemin/platform';

/** How far fulfilment got; monotonic, in this order. */
export type FulfilmentStatus = 'PLACED' | 'ACCEPTED' | 'COOKING' | 'READY' | 'PICKED_UP' | 'DELIVERED';

export const FULFILMENT_ORDER: readonly FulfilmentStatus[] = [
  'PLACED',
  'ACCEPTED',
  'COOKING',
  'READY',
  'PICKED_UP',
  'DELIVERED',
];

const rank = (s: FulfilmentStatus): number => FULFILMENT_ORDER.indexOf(s);

/** The order.events type announcing that fulfilment reached a status. */
export const PROGRESS_EVENT: Readonly<Record<Exclude<FulfilmentStatus, 'PLACED'>, string>> = {
  ACCEPTED: OrderEvents.OrderAccepted,
  COOKING: OrderEvents.OrderCookingStarted,
  READY: OrderEvents.OrderReady,
  PICKED_UP: OrderEvents.OrderPickedUp,
  DELIVERED: OrderEvents.OrderDelivered,
};

/** Statuses nothing moves an order out of. */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'REJECTED',
  'CANCELED',
  'DELIVERED',
]);

/** Statuses from which the customer may still cancel (before cooking starts). */
export const CANCELABLE_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['PLACED', 'ACCEPTED']);

export interface OrderState {
  status: OrderStatus;
  progress: FulfilmentStatus;
  /** Version of the last status event emitted. */
  version: number;
  statusReason: string | null;
  riderId: string | null;
  /**
   * The last fulfilment status announced on order.events, when `progress` moved past it silently
   * (TicketAccepted while CANCEL_PENDING); null or absent: the same as `progress`. Leaving
   * CANCEL_PENDING announces everything from here up to `progress`, so no status is ever skipped.
   */
  announcedProgress?: FulfilmentStatus | null;
}

/** What can happen to an order: events from store.events / delivery.events, and the customer's cancel. */
export type OrderStimulus =
  | { type: 'TicketAccepted' }
  | { type: 'TicketCookingStarted' }
  | { type: 'TicketReady' }
  | { type: 'DeliveryPickedUp'; riderId?: string | null }
  | { type: 'DeliveryCompleted'; riderId?: string | null }
  | { type: 'TicketRejected'; reason?: string }
  | { type: 'TicketCanceled' }
  | { type: 'TicketCancelRefused'; reason?: string }
  | { type: 'CancelRequested' }
  /** payment.events: the order's payment was refunded (PaymentRefunded) or voided (PaymentVoided). */
  | { type: 'PaymentRefunded'; reason?: string }
  /** The saga timeout (SagaTimeouts): the store never answered a PLACED order. */
  | { type: 'SagaTimedOut'; reason: string };

const PROGRESS_OF: Readonly<Partial<Record<OrderStimulus['type'], FulfilmentStatus>>> = {
  TicketAccepted: 'ACCEPTED',
  TicketCookingStarted: 'COOKING',
  TicketReady: 'READY',
  DeliveryPickedUp: 'PICKED_UP',
  DeliveryCompleted: 'DELIVERED',
};

/** One status event to publish on order.events (the caller adds the order's identity and time). */
export interface StatusEmission {
  type: string;
  status: OrderStatus;
  previousStatus: OrderStatus;
  version: number;
  reason?: string;
  riderId?: string;
}

/** In order; versions are consecutive after the previous state's version. */
export type OrderTransition = Transition<OrderState, StatusEmission>;

export const DEFAULT_CANCEL_REFUSED_REASON = 'The store could not cancel the order';
export const PAYMENT_REFUNDED_REASON = 'The payment for this order was refunded';
/** Why a pending cancel ended because the kitchen started (the store's own words for COOKING). */
export const CANCEL_TOO_LATE_REASON = 'The kitchen has already started cooking this order';

/**
 * The order state machine of docs/saga.md as a pure function: given the order and what happened,
 * the new order and the status events to emit. Stale and duplicate events change nothing.
 */
export function applyOrderEvent(state: OrderState, stimulus: OrderStimulus): OrderTransition {
  const target = PROGRESS_OF[stimulus.type];
  if (target) {
    const riderId = 'riderId' in stimulus ? (stimulus.riderId ?? null) : null;
    return advance(state, target, riderId);
  }
  switch (stimulus.type) {
    case 'TicketRejected': {
      // The store rejects only before cooking; a reject after that is not ours to apply.
      const rejectable =
        (state.status === 'PLACED' || state.status === 'ACCEPTED' || state.status === 'CANCEL_PENDING') &&
        rank(state.progress) <= rank('ACCEPTED');
      if (!rejectable) return unchanged(state);
      const reason = stimulus.reason;
      return step(
        withoutAnnounced(state),
        { type: OrderEvents.OrderRejected, status: 'REJECTED', reason },
        { statusReason: reason ?? null },
      );
    }
    case 'TicketCanceled':
      if (state.status !== 'CANCEL_PENDING') return unchanged(state);
      return step(withoutAnnounced(state), { type: OrderEvents.OrderCanceled, status: 'CANCELED' }, {});
    case 'TicketCancelRefused': {
      // Ignored unless still pending: when cooking won the race, its progress event already ended it.
      if (state.status !== 'CANCEL_PENDING') return unchanged(state);
      const reason = stimulus.reason ?? DEFAULT_CANCEL_REFUSED_REASON;
      // Back to the last announced status, then announce what the store did meanwhile (accepted).
      const announced = state.announcedProgress ?? state.progress;
      const denied = step(
        withoutAnnounced(state),
        { type: OrderEvents.OrderCancelDenied, status: announced, reason },
        { statusReason: reason, progress: announced },
      );
      if (announced === state.progress) return denied;
      const caughtUp = announce(denied.state, state.progress, denied.state.riderId);
      return { state: caughtUp.state, events: [...denied.events, ...caughtUp.events], changed: true };
    }
    case 'CancelRequested': {
      const requested = requestCancel(state);
      return 'refused' in requested ? unchanged(state) : requested;
    }
    case 'SagaTimedOut':
      // Only an order the store never answered; anything else is on its way.
      if (state.status !== 'PLACED' || state.progress !== 'PLACED') return unchanged(state);
      return step(
        state,
        { type: OrderEvents.OrderCanceled, status: 'CANCELED', reason: stimulus.reason },
        { statusReason: stimulus.reason },
      );
    case 'PaymentRefunded': {
      // No order is fulfilled without its money: whatever the status, a live order ends CANCELED
      // (the store cancels its ticket on OrderCanceled). Ended orders (refunded because they
      // ended) are left alone; a DELIVERED one is too late to stop and is only logged by the caller.
      if (TERMINAL_STATUSES.has(state.status)) return unchanged(state);
      const reason = stimulus.reason ?? PAYMENT_REFUNDED_REASON;
      return step(
        withoutAnnounced(state),
        { type: OrderEvents.OrderCanceled, status: 'CANCELED', reason },
        { statusReason: reason },
      );
    }
    default:
      return unchanged(state);
  }
}

/** The customer's cancel: PLACED|ACCEPTED → CANCEL_PENDING; refused (INVALID_TRANSITION) from any other status. */
export function requestCancel(state: OrderState): OrderTransition | Refusal<'INVALID_TRANSITION'> {
  if (!CANCELABLE_STATUSES.has(state.status)) return refuse('INVALID_TRANSITION', state.status);
  return step(state, { type: OrderEvents.OrderCancelRequested, status: 'CANCEL_PENDING' }, {});
}

export function isCancelable(status: OrderStatus): boolean {
  return CANCELABLE_STATUSES.has(status);
}

function step(
  state: OrderState,
  e: { type: string; status: OrderStatus; reason?: string },
  patch: Partial<OrderState>,
): OrderTransition {
  const version = state.version + 1;
  const emission: StatusEmission = {
    type: e.type,
    status: e.status,
    previousStatus: state.status,
    version,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  };
  return { state: { ...state, ...patch, status: e.status, version }, events: [emission], changed: true };
}

function advance(state: OrderState, target: FulfilmentStatus, riderId: string | null): OrderTransition {
  const ended = state.status === 'REJECTED' || state.status === 'CANCELED';
  const withRider = riderId && !state.riderId && !ended ? { ...state, riderId } : state;
  const recordedRider = withRider !== state;
  if (TERMINAL_STATUSES.has(state.status) || rank(target) <= rank(state.progress)) {
    // Stale or duplicate (or too late): nothing to announce, but a rider we did not know is kept.
    return recordedRider ? { state: withRider, events: [], changed: true } : unchanged(state);
  }
  if (state.status === 'CANCEL_PENDING' && target === 'ACCEPTED') {
    // Accepted while the cancel is in flight: the store will still answer it; only remember the
    // progress, and that it is not announced yet (whatever ends the pending cancel announces it).
    const announcedProgress = state.announcedProgress ?? state.progress;
    return { state: { ...withRider, progress: target, announcedProgress }, events: [], changed: true };
  }
  // From the last announced step (not the silently recorded one) up to the target.
  const from = state.announcedProgress ?? state.progress;
  const moved = announce({ ...withoutAnnounced(withRider), progress: from }, target, withRider.riderId);
  if (state.status !== 'CANCEL_PENDING') return moved;
  // The kitchen won the race with the customer's cancel. The store's refusal arrives after this
  // and is ignored (TicketCancelRefused applies only while pending), so this step says why the
  // order goes on instead of being canceled.
  const [first, ...rest] = moved.events;
  return {
    ...moved,
    state: { ...moved.state, statusReason: CANCEL_TOO_LATE_REASON },
    events: first ? [{ ...first, reason: CANCEL_TOO_LATE_REASON }, ...rest] : moved.events,
  };
}

function withoutAnnounced(state: OrderState): OrderState {
  return state.announcedProgress == null ? state : { ...state, announcedProgress: null };
}

/** Every status from the one after `state.progress` up to `target`, in order, so consumers never miss one. */
function announce(state: OrderState, target: FulfilmentStatus, riderId: string | null): OrderTransition {
  const events: StatusEmission[] = [];
  let previousStatus: OrderStatus = state.status;
  let version = state.version;
  for (let i = rank(state.progress) + 1; i <= rank(target); i++) {
    const status = FULFILMENT_ORDER[i] as Exclude<FulfilmentStatus, 'PLACED'>;
    version++;
    const carriesRider = (status === 'PICKED_UP' || status === 'DELIVERED') && riderId;
    events.push({
      type: PROGRESS_EVENT[status],
      status,
      previousStatus,
      version,
      ...(carriesRider ? { riderId } : {}),
    });
    previousStatus = status;
  }
  return { state: { ...state, status: target, progress: target, version }, events, changed: true };
}
