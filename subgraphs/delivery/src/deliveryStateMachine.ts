import { DeliveryEvents, type Refusal, refuse, type Transition, unchanged } from '@baemin/platform';

/**
 * The delivery state machine, pure (no I/O) so every rule is tested as a table:
 *
 *   (no delivery: NOT_READY) ──TicketReady──▶ AVAILABLE ──pickUp──▶ PICKED_UP ──completeDelivery──▶ DELIVERED
 *
 * `pickUp`: any rider, only from AVAILABLE. `completeDelivery`: only the rider who picked it up,
 * only from PICKED_UP (so only once).
 */
export type DeliveryState = 'AVAILABLE' | 'PICKED_UP' | 'DELIVERED';

/**
 * What a rider sees for an order the delivery context has no delivery for. The delivery context
 * learns of an order only when its food is ready (and may hear of it after the order context has
 * shown it READY), so it cannot tell "unknown order" from "not ready yet"; the second is the
 * useful answer (the rider may retry), hence INVALID_TRANSITION with this status rather than
 * NOT_FOUND. DeliveryService answers NOT_FOUND only for an id no order can have (isOrderIdShape).
 */
export const NOT_READY = 'NOT_READY';

/** What the machine reads and writes of a delivery (a delivery row is one). */
export interface DeliveryFacts {
  status: DeliveryState;
  /** The rider who picked it up, if any. */
  riderId: string | null;
}

/** The riders' commands (GraphQL mutations) and the store's TicketReady. */
export type DeliveryStimulus =
  | { type: 'TicketReady' }
  | { type: 'pickUp'; riderId: string }
  | { type: 'completeDelivery'; riderId: string };

export type DeliveryAction = Exclude<DeliveryStimulus['type'], 'TicketReady'>;

export interface DeliveryEmission {
  type: (typeof DeliveryEvents)[keyof typeof DeliveryEvents];
}

/** `state` null: no delivery (yet); a changed transition always has one. */
export type DeliveryTransition = Transition<DeliveryFacts | null, DeliveryEmission>;

export type DeliveryRefusal = Refusal<'INVALID_TRANSITION' | 'FORBIDDEN'>;

/**
 * Given the order's delivery (null when there is none) and what happened, the new delivery and the
 * delivery.events to emit, or why a rider's command is refused.
 */
export function applyDeliveryEvent<S extends DeliveryFacts>(
  state: S | null,
  stimulus: DeliveryStimulus,
): DeliveryTransition | DeliveryRefusal {
  const current = state?.status ?? NOT_READY;
  switch (stimulus.type) {
    case 'TicketReady':
      // Once per order: a redelivered or repeated TicketReady opens no second delivery.
      if (state) return unchanged(state);
      return {
        state: { status: 'AVAILABLE', riderId: null },
        events: [{ type: DeliveryEvents.DeliveryCreated }],
        changed: true,
      };
    case 'pickUp':
      if (state?.status !== 'AVAILABLE') return refuse('INVALID_TRANSITION', current);
      return {
        state: { ...state, status: 'PICKED_UP', riderId: stimulus.riderId },
        events: [{ type: DeliveryEvents.DeliveryPickedUp }],
        changed: true,
      };
    case 'completeDelivery':
      // Another rider's delivery is none of this rider's business, whatever its state.
      if (state?.riderId != null && state.riderId !== stimulus.riderId) return refuse('FORBIDDEN', current);
      if (state?.status !== 'PICKED_UP') return refuse('INVALID_TRANSITION', current);
      return {
        state: { ...state, status: 'DELIVERED' },
        events: [{ type: DeliveryEvents.DeliveryCompleted }],
        changed: true,
      };
  }
}
