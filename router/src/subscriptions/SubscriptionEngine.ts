import {
  buildOperationContext,
  executeQueryPlan,
  type GraphQLDataSource,
  type ServiceMap,
} from '@apollo/gateway';
import { type Schema, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { type Caller, ErrorCode, logger, metrics, PushIterator, secondsSince } from '@baemin/platform';
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLSchema, print } from 'graphql';
import { contextForCaller, type RouterContext } from '../routerContext.js';
import {
  AUDIENCE_KEYS,
  EVENT_SOURCE,
  type PlannedSubscription,
  planSubscription,
  RESUME_VARIABLE,
} from './planSubscription.js';
import {
  type Audience,
  FIELD_RULES,
  SUBSCRIPTION_POLICIES,
  type SubscriptionPolicy,
} from './subscriptionPolicy.js';
import { loadSubscriptionLimits, type SubscriptionLimits } from './loadSubscriptionLimits.js';
import { Semaphore } from './Semaphore.js';
import { UpstreamPool } from './UpstreamPool.js';

/** Stable error codes of live subscriptions (a public contract, like every extensions.code). */
export const SubscriptionErrorCode = {
  /** The supergraph changed; subscribe again. */
  SCHEMA_RELOAD: 'SUBSCRIPTION_SCHEMA_RELOAD',
  /** The owning subgraph stayed unreachable past the give-up time; subscribe again later. */
  UPSTREAM_UNAVAILABLE: 'SUBSCRIPTION_UPSTREAM_UNAVAILABLE',
  /** The router is shutting down. */
  SHUTTING_DOWN: 'SUBSCRIPTION_SHUTTING_DOWN',
  /**
   * Too many subscriptions: `extensions.scope` says which limit (`socket`, `caller`, `replays`,
   * `replayUpstreams`) and `extensions.limit` its value. Unsubscribe something first.
   */
  LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
} as const;

/** Results queued for one client connection, in bytes (the server drops a client that falls behind). */
export interface OutboundQueue {
  add(bytes: number): void;
  remove(bytes: number): void;
}

const resultSizes = new WeakMap<object, number>();
/** Serialized size of a result, computed once per result however many watchers get it. */
function sizeOf(result: Result): number {
  let n = resultSizes.get(result);
  if (n === undefined) {
    n = Buffer.byteLength(JSON.stringify(result));
    resultSizes.set(result, n);
  }
  return n;
}

const limitError = (message: string, scope: string, limit: number) =>
  new GraphQLError(message, { extensions: { code: SubscriptionErrorCode.LIMIT_EXCEEDED, scope, limit } });

export interface SubscriptionEngineOptions {
  supergraphSdl: string;
  /** Base URL (`http://host:port`) of each subgraph. */
  subgraphUrls: Record<string, string>;
  internalSecret: string;
  /** The gateway's data source of each subgraph (entity fetches go through the same ones). */
  dataSources: Record<string, GraphQLDataSource<RouterContext>>;
  /** Give up on an unreachable upstream after this long, ending its watchers with an error. Default 30 s. */
  upstreamGiveUpMs?: number;
  /** Limits (defaults: {@link loadSubscriptionLimits} with an empty environment). */
  limits?: Partial<SubscriptionLimits>;
}

export interface SubscriptionStats {
  /** Client subscriptions (one per client subscribe). */
  watchers: number;
  /** Distinct (operation, variables, caller) groups: each event is completed once per group. */
  groups: number;
  /** Upstream subscriptions to subgraphs (identical client subscriptions share one). */
  upstreams: number;
  /** Upstream subscriptions by root field. */
  upstreamsByField: Record<string, number>;
  /** Open WebSocket connections to subgraphs. */
  upstreamConnections: number;
  /** Events received from upstream since start. */
  eventsReceived: number;
  /** Upstream re-subscriptions after a lost connection. */
  resumes: number;
  /** Upstream subscriptions that started from a client-chosen `afterChangeId`. */
  replayUpstreams: number;
  /** Upstream connections cut because a ping went unanswered (dead peer). */
  upstreamDeadPeers: number;
  /** Per-event completions (entity fetches) running / waiting for a slot. */
  fetchesRunning: number;
  fetchesQueued: number;
}

type Result = ExecutionResult;

interface Watcher {
  group: WatcherGroup;
  out: PushIterator<Result>;
  /** Bytes pushed to `out` and not yet taken by the client's socket. */
  queuedBytes: number;
  queue: OutboundQueue | undefined;
  /** Highest sequence delivered per order: nothing older or repeated is ever sent. */
  delivered: Map<string, number>;
}

/** Watchers that see the same thing: same upstream, same client operation and variables, same caller. */
interface WatcherGroup {
  key: string;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/**
 * Federated subscriptions for @apollo/gateway, which plans but cannot execute them. Like the
 * Apollo Router: the subscription goes to the owning subgraph (over graphql-ws), and every event
 * is completed with entity fetches to the other subgraphs, planned by the gateway's query
 * planner and run by its executor. Beyond it:
 * - identical subscriptions share one upstream subscription (dedup), and each event is
 *   completed once per group of identical watchers;
 * - per-client authorization of every event (the upstream runs as the router);
 * - no silent gaps: events carry a per-order sequence and a change feed position; after a lost
 *   connection the upstream resumes from the last position, and watchers never get a stale or
 *   repeated event.
 */
export class SubscriptionEngine {
  private supergraph!: Supergraph;
  private apiSchema!: Schema;
  private graphqlApiSchema!: GraphQLSchema;
  private supergraphSchema!: GraphQLSchema;
  private planner!: QueryPlanner;
  private readonly services: ServiceMap;
  private readonly pool: UpstreamPool;
  private readonly upstreams = new Map<string, UpstreamSubscription>();
  private watcherCount = 0;
  readonly counters = { eventsReceived: 0, resumes: 0 };
  private readonly giveUpMs: number;
  readonly limits: SubscriptionLimits;
  /** Active subscriptions (and those with a client-chosen afterChangeId) per caller. */
  private readonly perCaller = new Map<string, { subscriptions: number; replays: number }>();
  private readonly fetchSlots: Semaphore;
  private readonly subgraphSlots = new Map<string, Semaphore>();

  constructor(private readonly options: SubscriptionEngineOptions) {
    this.load(options.supergraphSdl);
    this.services = Object.assign(Object.create(null), options.dataSources) as ServiceMap;
    this.limits = { ...loadSubscriptionLimits({}), ...options.limits };
    this.pool = new UpstreamPool(
      options.subgraphUrls,
      options.internalSecret,
      this.limits.upstreamKeepAliveMs,
      this.limits.upstreamPongTimeoutMs,
    );
    this.giveUpMs = options.upstreamGiveUpMs ?? 30_000;
    this.fetchSlots = new Semaphore(Math.max(1, this.limits.fetchConcurrency));
  }

  private load(sdl: string) {
    this.supergraph = Supergraph.build(sdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.graphqlApiSchema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
  }

  /** The client-facing schema subscriptions are validated against. */
  get schema(): GraphQLSchema {
    return this.graphqlApiSchema;
  }

  stats(): SubscriptionStats {
    let groups = 0;
    const upstreamsByField: Record<string, number> = {};
    for (const u of this.upstreams.values()) {
      groups += u.groups.size;
      upstreamsByField[u.fieldName] = (upstreamsByField[u.fieldName] ?? 0) + 1;
    }
    return {
      watchers: this.watcherCount,
      groups,
      upstreams: this.upstreams.size,
      upstreamsByField,
      upstreamConnections: this.pool.openConnections,
      eventsReceived: this.counters.eventsReceived,
      resumes: this.counters.resumes,
      replayUpstreams: this.replayUpstreamCount(),
      upstreamDeadPeers: this.pool.deadPeers,
      fetchesRunning: this.fetchSlots.inUse,
      fetchesQueued: this.fetchSlots.queued,
    };
  }

  private replayUpstreamCount(): number {
    let n = 0;
    for (const u of this.upstreams.values()) if (u.fromClientPosition) n++;
    return n;
  }

  /**
   * Checks a subscription (policy, plan) and returns a function that starts it, or the errors to
   * refuse it with. Split so graphql-ws can answer refusals with an `error` message.
   */
  prepare(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    caller: Caller | null,
    queue?: OutboundQueue,
  ): { start: () => AsyncIterableIterator<Result> } | { errors: GraphQLError[] } {
    // Who is asking comes first: an anonymous or over-limit client costs no planning work.
    if (!caller) {
      return {
        errors: [
          new GraphQLError('Sign in first: send a token in the connection params', {
            extensions: { code: ErrorCode.UNAUTHENTICATED },
          }),
        ],
      };
    }
    const callerKey = `${caller.role}:${caller.id}`;
    const counts = this.perCaller.get(callerKey) ?? { subscriptions: 0, replays: 0 };
    // Counted when started: several may be prepared before any starts, so starting re-reads the entry.
    if (counts.subscriptions >= this.limits.maxPerCaller) {
      return {
        errors: [
          limitError(
            `At most ${this.limits.maxPerCaller} active subscriptions per caller`,
            'caller',
            this.limits.maxPerCaller,
          ),
        ],
      };
    }
    let plan: PlannedSubscription;
    try {
      plan = planSubscription(this.supergraph, this.planner, document, operationName, variables);
    } catch (err) {
      return { errors: [err instanceof GraphQLError ? err : new GraphQLError((err as Error).message)] };
    }
    const policy = SUBSCRIPTION_POLICIES[plan.fieldName];
    if (!policy) {
      return {
        errors: [
          new GraphQLError(`No authorization policy for ${plan.fieldName}`, {
            extensions: { code: ErrorCode.FORBIDDEN },
          }),
        ],
      };
    }
    if (!policy.roles.includes(caller.role)) {
      return {
        errors: [
          new GraphQLError(`${plan.fieldName} is for ${policy.roles.join(', ')}`, {
            extensions: { code: ErrorCode.FORBIDDEN },
          }),
        ],
      };
    }
    const replay = plan.initialAfterChangeId !== null;
    if (replay) {
      // Each distinct client-chosen position is an upstream subscription (and a replay) of its own.
      if (counts.replays >= this.limits.maxReplaysPerCaller) {
        return {
          errors: [
            limitError(
              `At most ${this.limits.maxReplaysPerCaller} active subscriptions with afterChangeId per caller`,
              'replays',
              this.limits.maxReplaysPerCaller,
            ),
          ],
        };
      }
      if (
        !this.upstreams.has(upstreamKeyOf(plan)) &&
        this.replayUpstreamCount() >= this.limits.maxReplayUpstreams
      ) {
        return {
          errors: [
            limitError(
              'Too many replaying subscriptions on this router; subscribe without afterChangeId or retry later',
              'replayUpstreams',
              this.limits.maxReplayUpstreams,
            ),
          ],
        };
      }
    }
    return {
      start: () => {
        const entry = this.perCaller.get(callerKey) ?? { subscriptions: 0, replays: 0 };
        this.perCaller.set(callerKey, entry);
        entry.subscriptions++;
        if (replay) entry.replays++;
        const release = () => {
          entry.subscriptions--;
          if (replay) entry.replays--;
          if (entry.subscriptions === 0 && this.perCaller.get(callerKey) === entry)
            this.perCaller.delete(callerKey);
        };
        return this.attach(plan, policy, document, operationName, variables, caller, queue, release);
      },
    };
  }

  private attach(
    plan: PlannedSubscription,
    policy: SubscriptionPolicy,
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    caller: Caller,
    queue: OutboundQueue | undefined,
    release: () => void,
  ): AsyncIterableIterator<Result> {
    const upstreamKey = upstreamKeyOf(plan);
    let upstream = this.upstreams.get(upstreamKey);
    if (!upstream) {
      upstream = new UpstreamSubscription(this, upstreamKey, plan, policy);
      this.upstreams.set(upstreamKey, upstream);
      upstream.start();
    }
    const query = print(document);
    const groupKey = `${query}\n${operationName ?? ''}\n${stableJson(variables)}\n${caller.role}:${caller.id}`;
    let group = upstream.groups.get(groupKey);
    if (!group) {
      group = {
        key: groupKey,
        upstream,
        caller,
        query,
        operationName,
        variables,
        plan,
        operationContext: buildOperationContext({
          schema: this.graphqlApiSchema,
          operationDocument: document,
          operationName,
        }),
        watchers: new Set(),
        last: null,
        queue: Promise.resolve(),
      };
      upstream.groups.set(groupKey, group);
    }
    const g = group;
    const u = upstream;
    const watcher: Watcher = {
      group: g,
      delivered: new Map(),
      queuedBytes: 0,
      queue,
      out: new PushIterator<Result>(() => {
        this.watcherCount--;
        release();
        // Whatever was still queued for this subscription is no longer owed to the client.
        watcher.queue?.remove(watcher.queuedBytes);
        watcher.queuedBytes = 0;
        g.watchers.delete(watcher);
        if (g.watchers.size === 0) u.groups.delete(g.key);
        if (u.groups.size === 0) this.dropUpstream(u);
      }),
    };
    this.watcherCount++;
    g.watchers.add(watcher);
    // A new watcher of one order first gets its current state: the last event this upstream saw.
    if (policy.kind === 'order') u.replayLatestTo(g, watcher);
    const out = watcher.out;
    // What the socket takes is no longer queued here.
    return {
      next: async () => {
        const r = await out.next();
        if (!r.done) {
          const n = sizeOf(r.value);
          watcher.queuedBytes -= n;
          watcher.queue?.remove(n);
        }
        return r;
      },
      return: () => out.return(),
      throw: (e?: unknown) => out.throw(e),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * Runs one event's completion holding a slot of the global fetch bound and of each subgraph its
   * plan fetches from (taken in name order, so no two completions wait on each other in a cycle).
   */
  async withFetchSlots<T>(plan: PlannedSubscription, fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const name of plan.fetchServices) {
        let slots = this.subgraphSlots.get(name);
        if (!slots) {
          slots = new Semaphore(Math.max(1, this.limits.fetchConcurrencyPerSubgraph));
          this.subgraphSlots.set(name, slots);
        }
        releases.push(await slots.acquire());
      }
      releases.push(await this.fetchSlots.acquire());
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private dropUpstream(u: UpstreamSubscription) {
    if (this.upstreams.get(u.key) === u) this.upstreams.delete(u.key);
    u.stop();
  }

  /** Completes one event for one group: the event as the primary fetch, then the planner's `rest`. */
  async complete(group: WatcherGroup, eventData: Record<string, unknown>): Promise<Result> {
    const services: ServiceMap = Object.create(this.services);
    services[EVENT_SOURCE] = {
      process: async () => ({ data: eventData }),
    } as unknown as ServiceMap[string];
    const requestContext = {
      request: { query: group.query, variables: group.variables, operationName: group.operationName },
      // Signed per event: a subscription outlives the signature's validity window.
      context: contextForCaller(group.caller, this.options.internalSecret),
      logger,
      metrics: {},
      cache: undefined,
    };
    const result = await this.withFetchSlots(group.plan, () =>
      executeQueryPlan(
        group.plan.eventPlan,
        services,
        requestContext as unknown as Parameters<typeof executeQueryPlan>[2],
        group.operationContext,
        this.supergraphSchema,
        this.apiSchema,
      ),
    );
    return {
      data: (result.data ?? null) as Result['data'],
      ...(result.errors?.length ? { errors: result.errors as GraphQLError[] } : {}),
    };
  }

  client(serviceName: string) {
    return this.pool.client(serviceName);
  }

  whenConnected(serviceName: string, listener: () => void): () => void {
    return this.pool.whenConnected(serviceName, listener);
  }

  get giveUpAfterMs(): number {
    return this.giveUpMs;
  }

  /** Ends every active subscription with `code` (schema reload, shutdown). */
  endAll(code: string, message: string): void {
    const error = new GraphQLError(message, { extensions: { code } });
    for (const u of [...this.upstreams.values()]) u.failAll(error);
    this.upstreams.clear();
  }

  /** New supergraph: active subscriptions end with SUBSCRIPTION_SCHEMA_RELOAD (their plans are stale). */
  reload(sdl: string): void {
    this.load(sdl);
    this.endAll(SubscriptionErrorCode.SCHEMA_RELOAD, 'The supergraph changed; subscribe again');
  }

  /** Test/ops hook: drops every upstream connection (they resume from their last position). */
  async dropUpstreamConnections(): Promise<void> {
    await this.pool.terminateAll();
  }

  async close(): Promise<void> {
    this.endAll(SubscriptionErrorCode.SHUTTING_DOWN, 'The router is shutting down; reconnect');
    await this.pool.dispose();
  }
}

/**
 * One subscription to a subgraph, shared by every group that needs it. It re-subscribes after a
 * lost connection, resuming after the last change feed position it received.
 */
class UpstreamSubscription {
  readonly groups = new Map<string, WatcherGroup>();
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
    for (const group of this.groups.values()) {
      this.enqueue(group, audience, data);
      queues.push(group.queue);
    }
    // Fan-out time: from the upstream event to its results queued for every watcher group.
    const field = this.plan.fieldName;
    void Promise.all(queues).then(() => metrics.subscriptionFanout.observe({ field }, secondsSince(start)));
  }

  /** Each group completes its events in order, independently of the others (a slow one holds only itself). */
  private enqueue(group: WatcherGroup, audience: Audience, data: Record<string, unknown>): void {
    group.queue = group.queue
      .then(() => this.deliver(group, audience, data))
      .catch((err) => {
        logger.error('delivering a subscription event failed', { error: (err as Error).message });
      });
  }

  private async deliver(
    group: WatcherGroup,
    audience: Audience,
    data: Record<string, unknown>,
  ): Promise<void> {
    if (group.watchers.size === 0) return;
    if (!this.policy.allows(group.caller, audience)) {
      if (this.policy.kind === 'order') {
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
        : applyFieldRules(await this.engine.complete(group, data), group.plan, group.caller, audience);
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

/** Sends a final result carrying the error, then completes: the client learns why, the socket stays up. */
function endWith(w: Watcher, error: GraphQLError): void {
  push(w, { errors: [error] } as Result);
  w.out.end();
}

/** Queues a result for one watcher, counting its bytes against the client's outbound queue. */
function push(w: Watcher, result: Result): void {
  if (w.out.closed) return;
  const n = sizeOf(result);
  w.queuedBytes += n;
  w.out.push(result);
  // May drop the client (it fell too far behind): its iterators end, nothing else waits.
  w.queue?.add(n);
}

function upstreamKeyOf(plan: PlannedSubscription): string {
  return `${plan.serviceName}\n${plan.upstreamQuery}\n${stableJson(plan.upstreamVariables)}\n${plan.initialAfterChangeId ?? ''}`;
}

function toGraphQLError(e: unknown): GraphQLError {
  if (e instanceof GraphQLError) return e;
  const f = e as { message?: string; extensions?: Record<string, unknown> };
  return new GraphQLError(f?.message ?? 'Subscription error', { extensions: f?.extensions });
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
