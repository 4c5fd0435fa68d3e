/**
 * The delivery state machine, pure (no I/O) so every rule is unit-tested on its own:
 *
 *   (no delivery: NOT_READY) ──TicketReady──▶ AVAILABLE ──pickUp──▶ PICKED_UP ──completeDelivery──▶ DELIVERED
 *
 * `pickUp`: any rider, only from AVAILABLE. `completeDelivery`: only the rider who picked it up,
 * only from PICKED_UP (so only once).
 */
export type DeliveryState = 'AVAILABLE' | 'PICKED_UP' | 'DELIVERED';

/**
 * What a rider sees for an order the delivery context has no delivery for. The delivery context
 * learns of an order only when its food is ready, so it cannot tell "unknown order" from "not
 * ready yet"; the second is the useful answer (the rider may retry), hence INVALID_TRANSITION with
 * this status rather than NOT_FOUND.
 */
export const NOT_READY = 'NOT_READY';

export type DeliveryAction = 'pickUp' | 'completeDelivery';

export interface DeliveryFacts {
  /** Null when there is no delivery for the order (yet). */
  status: DeliveryState | null;
  /** The rider who picked it up, if any. */
  riderId: string | null;
}

export type Decision =
  | { ok: true; next: DeliveryState }
  | { ok: false; error: 'FORBIDDEN' }
  | { ok: false; error: 'INVALID_TRANSITION'; currentStatus: DeliveryState | typeof NOT_READY };

/** Decides whether `riderId` may apply `action` to a delivery in `facts`, and to which state it leads. */
export function decide(facts: DeliveryFacts, action: DeliveryAction, riderId: string): Decision {
  const current = facts.status ?? NOT_READY;
  if (action === 'pickUp') {
    return current === 'AVAILABLE'
      ? { ok: true, next: 'PICKED_UP' }
      : { ok: false, error: 'INVALID_TRANSITION', currentStatus: current };
  }
  // Another rider's delivery is none of this rider's business, whatever its state.
  if (facts.riderId !== null && facts.riderId !== riderId) return { ok: false, error: 'FORBIDDEN' };
  return current === 'PICKED_UP'
    ? { ok: true, next: 'DELIVERED' }
    : { ok: false, error: 'INVALID_TRANSITION', currentStatus: current };
}
