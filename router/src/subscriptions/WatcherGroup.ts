import type { Caller, PushIterator } from '@baemin/platform';
import { ErrorCode } from '@baemin/platform';
import type { buildOperationContext } from '@apollo/gateway';
import { type ExecutionResult, GraphQLError } from 'graphql';
import type { PlannedSubscription } from './planSubscription.js';
import { type Audience, FIELD_RULES, type SubscriptionPolicy } from './subscriptionPolicy.js';
import type { UpstreamSubscription } from './UpstreamSubscription.js';

/**
 * The fan-out side of live subscriptions: the watchers (client subscriptions) of one upstream,
 * grouped by what they see, and how one event reaches a group: authorized per caller, completed
 * once per group, masked by field rules, never stale or repeated per watcher.
 */

export type Result = ExecutionResult;

/** Results queued for one client connection, in bytes (the server drops a client that falls behind). */
export interface OutboundQueue {
  add(bytes: number): void;
  remove(bytes: number): void;
}

const resultSizes = new WeakMap<object, number>();
/** Serialized size of a result, computed once per result however many watchers get it. */
export function sizeOf(result: Result): number {
  let n = resultSizes.get(result);
  if (n === undefined) {
    n = Buffer.byteLength(JSON.stringify(result));
    resultSizes.set(result, n);
  }
  return n;
}

export interface Watcher {
  group: WatcherGroup;
  out: PushIterator<Result>;
  /** Bytes pushed to `out` and not yet taken by the client's socket. */
  queuedBytes: number;
  queue: OutboundQueue | undefined;
  /** Highest sequence delivered per order: nothing older or repeated is ever sent. */
  delivered: Map<string, number>;
}

/** Watchers that see the same thing: same upstream, same client operation and variables, same caller. */
export interface WatcherGroup {
  key: string;
  /** The client operation and its variables, without the caller (the group key less its caller). */
  operationKey: string;
  upstream: UpstreamSubscription;
  caller: Caller;
  /** The client's operation, printed once: the group key and each event's request. */
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  plan: PlannedSubscription;
  /** Built once per group, not per event. */
  operationContext: ReturnType<typeof buildOperationContext>;
  watchers: Set<Watcher>;
  /** The last completed event (changeId + result), reused for watchers that join later. */
  last: { changeId: number; orderId: string; sequence: number; result: Result } | null;
  /** This group's events, completed and delivered strictly one after another (other groups do not wait). */
  queue: Promise<void>;
}

/** Orders whose last delivered sequence a feed watcher remembers. */
const MAX_TRACKED_ORDERS = 10_000;

/** The result with null in every root-object field whose own rule refuses this caller (FIELD_RULES). */
function applyFieldRules(
  result: Result,
  plan: PlannedSubscription,
  caller: Caller,
  audience: Audience,
): Result {
  const root = result.data?.[plan.clientResponseKey] as Record<string, unknown> | null | undefined;
  if (!root) return result;
  let masked: Record<string, unknown> | null = null;
  for (const [fieldName, visible] of Object.entries(FIELD_RULES)) {
    const keys = plan.clientFieldKeys.get(fieldName);
    if (!keys || visible(caller, audience)) continue;
    masked ??= { ...root };
    for (const k of keys) if (k in masked) masked[k] = null;
  }
  return masked ? { ...result, data: { ...result.data, [plan.clientResponseKey]: masked } } : result;
}

/** Delivers one upstream event to one group's watchers (called in the group's own order). */
export async function deliverToGroup(
  group: WatcherGroup,
  audience: Audience,
  data: Record<string, unknown>,
  policy: SubscriptionPolicy,
  complete: (group: WatcherGroup, eventData: Record<string, unknown>) => Promise<Result>,
): Promise<void> {
  if (group.watchers.size === 0) return;
  if (!policy.allows(group.caller, audience)) {
    if (policy.kind === 'order') {
      const refused = new GraphQLError('This order is not yours to watch', {
        extensions: { code: ErrorCode.FORBIDDEN },
      });
      for (const w of [...group.watchers]) endWith(w, refused);
    }
    return;
  }
  // Watchers that already have this change (or a later one) get nothing: never stale, never twice.
  const needed = [...group.watchers].filter(
    (w) => (w.delivered.get(audience.orderId) ?? 0) < audience.sequence,
  );
  if (needed.length === 0) return;
  const result =
    group.last?.changeId === audience.changeId
      ? group.last.result
      : applyFieldRules(await complete(group, data), group.plan, group.caller, audience);
  group.last = {
    changeId: audience.changeId,
    orderId: audience.orderId,
    sequence: audience.sequence,
    result,
  };
  for (const w of needed) {
    if ((w.delivered.get(audience.orderId) ?? 0) >= audience.sequence) continue;
    w.delivered.delete(audience.orderId);
    w.delivered.set(audience.orderId, audience.sequence);
    // Feeds see many orders: forget the least recently updated ones (they are long finished).
    if (w.delivered.size > MAX_TRACKED_ORDERS) w.delivered.delete(w.delivered.keys().next().value!);
    push(w, result);
  }
}

/** Sends a final result carrying the error, then completes: the client learns why, the socket stays up. */
export function endWith(w: Watcher, error: GraphQLError): void {
  push(w, { errors: [error] } as Result);
  w.out.end();
}

/** Queues a result for one watcher, counting its bytes against the client's outbound queue. */
export function push(w: Watcher, result: Result): void {
  if (w.out.closed) return;
  const n = sizeOf(result);
  w.queuedBytes += n;
  w.out.push(result);
  // May drop the client (it fell too far behind): its iterators end, nothing else waits.
  w.queue?.add(n);
}
