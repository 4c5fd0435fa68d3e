import { logger, metrics, secondsSince } from '@baemin/platform';
import { GraphQLError } from 'graphql';
import { AUDIENCE_KEYS, type PlannedSubscription, RESUME_VARIABLE } from './planSubscription.js';
import type { SubscriptionEngine } from './SubscriptionEngine.js';
import { SubscriptionErrorCode } from './SubscriptionErrorCode.js';
import type { Audience, SubscriptionPolicy } from './subscriptionPolicy.js';
import { deliverToGroup, endWith, type Result, type Watcher, type WatcherGroup } from './WatcherGroup.js';

/** Completes one event for one group (the gateway's executor over the event's plan). */
type Completer = (group: WatcherGroup, eventData: Record<string, unknown>) => Promise<Result>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Who may see an upstream event, read from the fields the planner added to it (null: not an event). */
function audienceOf(data: Record<string, unknown> | null | undefined, responseKey: string): Audience | null {
  const payload = data?.[responseKey] as Record<string, unknown> | null | undefined;
  if (!payload) return null;
  const access = payload[AUDIENCE_KEYS.access] as Record<string, unknown> | null | undefined;
  const a = {
    orderId: payload[AUDIENCE_KEYS.orderId],
    sequence: payload[AUDIENCE_KEYS.sequence],
    changeId: payload[AUDIENCE_KEYS.changeId],
    customerId: access?.customerId,
    ownerId: access?.ownerId,
    riderId: access?.riderId ?? null,
    awaitingRider: access?.awaitingRider,
  };
  if (
    typeof a.orderId !== 'string' ||
    typeof a.sequence !== 'number' ||
    typeof a.changeId !== 'number' ||
    typeof a.customerId !== 'string' ||
    typeof a.ownerId !== 'string' ||
    typeof a.awaitingRider !== 'boolean'
  )
    return null;
  return a as Audience;
}

/**
 * One subscription to a subgraph, shared by every group that needs it. It re-subscribes after a
 * lost connection, resuming after the last change feed position it received.
 */
export class UpstreamSubscription {
  readonly groups = new Map<string, WatcherGroup>();
  /** One event for one group, on its own (no sharing). */
  private readonly completeOne: Completer = (g, e) => this.engine.complete(g, e);
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private cancelConnected: (() => void) | null = null;
  private lastChangeId: number | null;
  /** The latest event, for watchers of one order that join later. */
  private latest: { audience: Audience; data: Record<string, unknown> } | null = null;
  /** Started from a client-chosen `afterChangeId` (bounded: ROUTER_MAX_REPLAY_UPSTREAMS). */
  readonly fromClientPosition: boolean;

  constructor(
    private readonly engine: SubscriptionEngine,
    readonly key: string,
    private readonly plan: PlannedSubscription,
    private readonly policy: SubscriptionPolicy,
  ) {
    this.lastChangeId = plan.initialAfterChangeId;
    this.fromClientPosition = plan.initialAfterChangeId !== null;
  }

  /** Until every group has delivered what it was given. */
  private async drained(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.queue));
  }

  get fieldName(): string {
    return this.plan.fieldName;
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.cancelConnected?.();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private async run(): Promise<void> {
    let failingSince: number | null = null;
    let attempt = 0;
    while (!this.stopped) {
      const outcome = await new Promise<
        { kind: 'complete' } | { kind: 'errors'; errors: GraphQLError[] } | { kind: 'lost' }
      >((resolve) => {
        const variables = { ...this.plan.upstreamVariables, [RESUME_VARIABLE]: this.lastChangeId };
        // A (re)subscribe that reached the subgraph resets the give-up clock and the back-off, not
        // only an event: a quiet upstream that came back and drops again later gets the full time.
        this.cancelConnected = this.engine.whenConnected(this.plan.serviceName, () => {
          failingSince = null;
          attempt = 0;
        });
        this.unsubscribe = this.engine.client(this.plan.serviceName).subscribe(
          { query: this.plan.upstreamQuery, variables },
          {
            next: (result) => {
              failingSince = null;
              attempt = 0;
              // A result without `data` is the subgraph refusing the subscription before it began
              // (graphql-js answers a subscribe resolver's error so, then completes: e.g.
              // BAD_USER_INPUT, REPLAY_WINDOW_EXCEEDED). Its watchers get that error, not a bare
              // complete. (An event whose fields failed has `data`, null or not: skipped below.)
              if (result.data === undefined && result.errors?.length) {
                resolve({ kind: 'errors', errors: result.errors.map(toGraphQLError) });
                return;
              }
              this.onEvent(result as Result);
            },
            error: (err) => {
              // An array of GraphQL errors is the subgraph refusing the subscription; anything
              // else (a close event, a network error) is a lost connection.
              if (Array.isArray(err)) resolve({ kind: 'errors', errors: err.map(toGraphQLError) });
              else resolve({ kind: 'lost' });
            },
            complete: () => resolve({ kind: 'complete' }),
          },
        );
      }).finally(() => this.cancelConnected?.());
      // A refusal that came as a result is followed by the subgraph's complete: not waited for.
      if (outcome.kind === 'errors') this.unsubscribe?.();
      this.unsubscribe = null;
      if (this.stopped) return;
      if (outcome.kind === 'errors') {
        await this.drained();
        this.failAll(outcome.errors[0] ?? new GraphQLError('Subscription refused'));
        return;
      }
      if (outcome.kind === 'complete') {
        await this.drained();
        this.endAll();
        return;
      }
      failingSince ??= Date.now();
      if (Date.now() - failingSince > this.engine.giveUpAfterMs) {
        await this.drained();
        this.failAll(
          new GraphQLError(
            `Live updates from ${this.plan.serviceName} are unavailable; subscribe again later`,
            {
              extensions: {
                code: SubscriptionErrorCode.UPSTREAM_UNAVAILABLE,
                serviceName: this.plan.serviceName,
              },
            },
          ),
        );
        return;
      }
      attempt++;
      this.engine.counters.resumes++;
      logger.warn('upstream subscription lost; resuming', {
        subgraph: this.plan.serviceName,
        field: this.plan.fieldName,
        afterChangeId: this.lastChangeId,
        attempt,
      });
      await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt - 1, 6)));
    }
  }

  private onEvent(result: Result): void {
    this.engine.counters.eventsReceived++;
    const data = (result.data ?? null) as Record<string, unknown> | null;
    const audience = audienceOf(data, this.plan.responseKey);
    if (!data || !audience) {
      logger.warn('upstream event without data', {
        field: this.plan.fieldName,
        errors: result.errors?.map((e) => e.message),
      });
      return;
    }
    if (this.lastChangeId === null || audience.changeId > this.lastChangeId)
      this.lastChangeId = audience.changeId;
    if (this.policy.kind === 'order') this.latest = { audience, data };
    const start = process.hrtime.bigint();
    const queues: Promise<void>[] = [];
    const complete = this.completerFor();
    for (const group of this.groups.values()) {
      this.enqueue(group, audience, data, complete);
      queues.push(group.queue);
    }
    // Fan-out time: from the upstream event to its results queued for every watcher group.
    const field = this.plan.fieldName;
    void Promise.all(queues).then(() => metrics.subscriptionFanout.observe({ field }, secondsSince(start)));
  }

  /**
   * How one event is completed for its groups. A plan that fetches from no other subgraph gives
   * the same result whoever asks (the caller only signs entity fetches), so groups with the same
   * operation and variables share one completion, however many callers watch: a feed every rider
   * watches costs one completion per event, not one per rider. Field rules still apply per group.
   */
  private completerFor(): Completer {
    const complete = this.completeOne;
    if (!this.engine.sharesEventCompletion) return complete;
    const shared = new Map<string, Promise<Result>>();
    return (g, e) => {
      // Per group: groups of one upstream may differ in what their operation fetches elsewhere.
      if (g.plan.fetchServices.length > 0) return complete(g, e);
      let result = shared.get(g.operationKey);
      if (!result) {
        result = complete(g, e);
        shared.set(g.operationKey, result);
      }
      return result;
    };
  }

  /** Each group completes its events in order, independently of the others (a slow one holds only itself). */
  private enqueue(
    group: WatcherGroup,
    audience: Audience,
    data: Record<string, unknown>,
    complete: Completer = this.completeOne,
  ): void {
    group.queue = group.queue
      .then(() => deliverToGroup(group, audience, data, this.policy, complete))
      .catch((err) => {
        logger.error('delivering a subscription event failed', { error: (err as Error).message });
      });
  }

  /** Gives a newly joined watcher the order's current state, if this upstream has seen it. */
  replayLatestTo(group: WatcherGroup, _watcher: Watcher): void {
    const latest = this.latest;
    if (!latest) return;
    this.enqueue(group, latest.audience, latest.data);
  }

  failAll(error: GraphQLError): void {
    this.stop();
    for (const group of this.groups.values()) for (const w of [...group.watchers]) endWith(w, error);
  }

  private endAll(): void {
    this.stop();
    for (const group of this.groups.values()) for (const w of [...group.watchers]) w.out.end();
  }
}

function toGraphQLError(e: unknown): GraphQLError {
  if (e instanceof GraphQLError) return e;
  const f = e as { message?: string; extensions?: Record<string, unknown> };
  return new GraphQLError(f?.message ?? 'Subscription error', { extensions: f?.extensions });
}
