import { createRequire } from 'node:module';

/** kafkajs' own wait before it looks at a queue whose requests wait for a free slot (10 ms). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

let applied: boolean | null = null;

/**
 * Stops kafkajs 2.2.4's timer loop on every broker connection (tulios/kafkajs#1556 and #1704; the
 * fix of #1667, never released: kafkajs is in maintenance mode).
 *
 * Its RequestQueue arms a timer after every look at its queue of waiting requests, whether one
 * waits or not, and with a negative delay when the connection is not throttled, which Node runs
 * after 1 ms. So from a connection's first response on, each connection looks about a thousand
 * times a second, forever: timers and event-loop wake-ups in every process that talks to Kafka, on
 * CPU the other processes of this two-core machine wait for.
 *
 * The replacement arms the timer only when it has something to do: a request waits (in 10 ms, or
 * when the throttle the broker asked for ends), or the connection is throttled. Nothing is lost by
 * not arming it otherwise: `push()` arms it for every request it has to queue, and every response
 * looks at the queue again.
 *
 * Applied once per process; `KAFKAJS_IDLE_TIMER_FIX=0` leaves kafkajs as it is (to compare). Left
 * alone, and false returned, when kafkajs' method is not the one this replaces (another version).
 */
export function fixKafkajsIdleTimer(env: NodeJS.ProcessEnv = process.env): boolean {
  if (applied !== null) return applied;
  applied = false;
  if (env.KAFKAJS_IDLE_TIMER_FIX === '0') return false;
  const require = createRequire(import.meta.url);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueInternals;
  };
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  const source = typeof original === 'function' ? original.toString() : '';
  if (!source.includes('throttleCheckTimeoutId') || !source.includes('this.throttledUntil - Date.now()'))
    return false;
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
    this: RequestQueueInternals,
  ) {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    let delay: number;
    if (this.pending.length > 0)
      delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (untilUnthrottled > 0) delay = untilUnthrottled;
    else return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  applied = true;
  return true;
}
