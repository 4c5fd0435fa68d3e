/**
 * The one form of every state machine (order, ticket, delivery, payment): a pure function from
 * (state, command or event) to a {@link Transition} (the new state and the events to emit) or a
 * {@link Refusal}. Services and handlers call the machine and persist its result in one
 * transaction; the machine itself does no I/O, so every rule is tested as a table.
 */
export interface Transition<S, E> {
  state: S;
  /** Events to publish, in order. */
  events: E[];
  /** False when the stimulus was stale, a duplicate or not applicable: nothing to write. */
  changed: boolean;
}

/**
 * A command the machine does not allow from this state. `refused` is the GraphQL
 * `extensions.code` (or the internal route's error code) the caller raises; `status` is the
 * current status it was refused in.
 */
export interface Refusal<C extends string = string> {
  refused: C;
  status: string;
}

export function unchanged<S, E>(state: S): Transition<S, E> {
  return { state, events: [], changed: false };
}

export function refuse<C extends string>(refused: C, status: string): Refusal<C> {
  return { refused, status };
}

export function isRefusal<C extends string>(
  outcome: Transition<unknown, unknown> | Refusal<C>,
): outcome is Refusal<C> {
  return 'refused' in outcome;
}
