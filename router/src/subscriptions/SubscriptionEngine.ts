import {
  buildOperationContext,
  executeQueryPlan,
  type GraphQLDataSource,
  type ServiceMap,
} from '@apollo/gateway';
import { operationFromDocument, type Schema, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { type Caller, ErrorCode, logger, PushIterator } from '@baemin/platform';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  parse,
  print,
} from 'graphql';
import { contextForCaller, type RouterContext } from '../routerContext.js';
import { EVENT_SOURCE, type PlannedSubscription, planSubscription } from './planSubscription.js';
import { SUBSCRIPTION_POLICIES, type SubscriptionPolicy } from './subscriptionPolicy.js';
import { loadSubscriptionLimits, type SubscriptionLimits } from './loadSubscriptionLimits.js';
import { Semaphore } from './Semaphore.js';
import { UpstreamPool } from './UpstreamPool.js';
import { SubscriptionErrorCode } from './SubscriptionErrorCode.js';
import { UpstreamSubscription } from './UpstreamSubscription.js';
import { type OutboundQueue, type Result, sizeOf, type Watcher, type WatcherGroup } from './WatcherGroup.js';

/** A subscription checked and holding its slots: `start()` must be called exactly once. */
export interface PreparedSubscription {
  /** Admits (policy's subscribe-time check) and attaches it, or refuses it (slots released). */
  start(): Promise<AsyncIterableIterator<Result> | { errors: GraphQLError[] }>;
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
  /**
   * Complete an event once per client operation and variables for every caller's group when its
   * plan fetches from no other subgraph (the result cannot depend on the caller then). Default true.
   */
  sharedEventCompletion?: boolean;
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
  /**
   * Completions of events since start (the gateway's executor run on an event for a group); groups
   * of different callers share one when the plan needs no other subgraph.
   */
  eventsCompleted: number;
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
  readonly counters = { eventsReceived: 0, eventsCompleted: 0, resumes: 0 };
  private readonly giveUpMs: number;
  readonly limits: SubscriptionLimits;
  /** Active subscriptions (and those with a client-chosen afterChangeId) per caller. */
  private readonly perCaller = new Map<string, { subscriptions: number; replays: number }>();
  /** Replay upstreams reserved by prepared subscribes not attached yet, by upstream key (count of them). */
  private readonly reservedReplayUpstreams = new Map<string, number>();
  /** Plans of the router's own queries ({@link queryAs}), per query text; emptied with a new supergraph. */
  private readonly queryPlans = new Map<
    string,
    {
      document: DocumentNode;
      plan: ReturnType<QueryPlanner['buildQueryPlan']>;
      operationContext: ReturnType<typeof buildOperationContext>;
    }
  >();
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
    this.queryPlans.clear();
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
      eventsCompleted: this.counters.eventsCompleted,
      resumes: this.counters.resumes,
      replayUpstreams: this.replayUpstreamCount(),
      upstreamDeadPeers: this.pool.deadPeers,
      fetchesRunning: this.fetchSlots.inUse,
      fetchesQueued: this.fetchSlots.queued,
    };
  }

  /** Upstreams started from a client-chosen position, and those reserved by subscribes not attached yet. */
  private replayUpstreamCount(): number {
    let n = 0;
    for (const u of this.upstreams.values()) if (u.fromClientPosition) n++;
    for (const key of this.reservedReplayUpstreams.keys()) if (!this.upstreams.has(key)) n++;
    return n;
  }

  /**
   * Checks a subscription (caller, limits, variables, policy, plan) and reserves its slots in the
   * per-caller and replay limits at once, or returns the errors to refuse it with. Synchronous on
   * purpose: checking a limit and taking a slot must not be split by an await, or a burst of
   * subscribes all pass the check before any is counted. The caller must then call `start()` once:
   * it runs the policy's subscribe-time check (which may ask another context) and attaches the
   * subscription, or refuses it; either way the slots are released when it ends or is refused.
   */
  prepare(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    caller: Caller | null,
    queue?: OutboundQueue,
  ): PreparedSubscription | { errors: GraphQLError[] } {
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
    // Variables are coerced as an HTTP request's are (graphql-js, BAD_USER_INPUT), before planning:
    // the upstream and every group then see only values of the declared types, defaults filled in.
    const operation = getOperationAST(document, operationName);
    const coerced = operation
      ? getVariableValues(this.graphqlApiSchema, operation.variableDefinitions ?? [], variables, {
          maxErrors: 20,
        })
      : { coerced: variables };
    if ('errors' in coerced && coerced.errors) {
      return {
        errors: coerced.errors.map(
          (e) =>
            new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }),
        ),
      };
    }
    const values = coerced.coerced as Record<string, unknown>;
    let plan: PlannedSubscription;
    try {
      plan = planSubscription(this.supergraph, this.planner, document, operationName, values);
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
    const upstreamKey = upstreamKeyOf(plan);
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
        !this.upstreams.has(upstreamKey) &&
        !this.reservedReplayUpstreams.has(upstreamKey) &&
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
    // The slots are taken now, before anything awaits; release() gives them back exactly once.
    this.perCaller.set(callerKey, counts);
    counts.subscriptions++;
    if (replay) {
      counts.replays++;
      this.reservedReplayUpstreams.set(upstreamKey, (this.reservedReplayUpstreams.get(upstreamKey) ?? 0) + 1);
    }
    let upstreamReserved = replay;
    /** An upstream that exists counts itself: the reservation is dropped once it does (or on refusal). */
    const unreserveUpstream = () => {
      if (!upstreamReserved) return;
      upstreamReserved = false;
      const n = (this.reservedReplayUpstreams.get(upstreamKey) ?? 1) - 1;
      if (n > 0) this.reservedReplayUpstreams.set(upstreamKey, n);
      else this.reservedReplayUpstreams.delete(upstreamKey);
    };
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      unreserveUpstream();
      counts.subscriptions--;
      if (replay) counts.replays--;
      if (counts.subscriptions === 0 && this.perCaller.get(callerKey) === counts)
        this.perCaller.delete(callerKey);
    };
    return {
      start: async () => {
        let refusal: GraphQLError | null = null;
        try {
          refusal =
            (await policy.admit?.(caller, plan.rootArguments, (c, q, v) => this.queryAs(c, q, v))) ?? null;
        } catch (err) {
          // An unexpected failure keeps its cause, so the error formatter masks and logs it.
          refusal =
            err instanceof GraphQLError
              ? err
              : new GraphQLError((err as Error).message, { originalError: err as Error });
        }
        if (refusal) {
          release();
          return { errors: [refusal] };
        }
        try {
          return this.attach(plan, policy, document, operationName, values, caller, queue, release);
        } catch (err) {
          release();
          throw err;
        } finally {
          unreserveUpstream();
        }
      },
    };
  }

  /**
   * Runs a query through the supergraph as `caller`, with the router's own planner and executor
   * (the HTTP path's plugins, rate limit included, are for client requests): subscribe-time checks
   * against another context's facts.
   */
  private async queryAs(
    caller: Caller,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<ExecutionResult> {
    let prepared = this.queryPlans.get(query);
    if (!prepared) {
      const document = parse(query);
      prepared = {
        document,
        plan: this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, document)),
        operationContext: buildOperationContext({
          schema: this.graphqlApiSchema,
          operationDocument: document,
        }),
      };
      this.queryPlans.set(query, prepared);
    }
    return (await this.runPlan(
      prepared.plan,
      this.services,
      caller,
      { query, variables },
      prepared.operationContext,
    )) as ExecutionResult;
  }

  /**
   * Executes a query plan with the gateway's executor as `caller` (signed now: a subscription
   * outlives the signature's validity window), outside Apollo Server's request pipeline.
   */
  private runPlan(
    plan: Parameters<typeof executeQueryPlan>[0],
    services: ServiceMap,
    caller: Caller,
    request: { query: string; variables: Record<string, unknown>; operationName?: string },
    operationContext: ReturnType<typeof buildOperationContext>,
  ): ReturnType<typeof executeQueryPlan> {
    const requestContext = {
      request,
      context: contextForCaller(caller, this.options.internalSecret),
      logger,
      metrics: {},
      cache: undefined,
    };
    return executeQueryPlan(
      plan,
      services,
      requestContext as unknown as Parameters<typeof executeQueryPlan>[2],
      operationContext,
      this.supergraphSchema,
      this.apiSchema,
    );
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
    const operationKey = `${query}\n${operationName ?? ''}\n${stableJson(variables)}`;
    const groupKey = `${operationKey}\n${caller.role}:${caller.id}`;
    let group = upstream.groups.get(groupKey);
    if (!group) {
      group = {
        key: groupKey,
        operationKey,
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

  /** Whether groups of different callers may share one completed result of an event. */
  get sharesEventCompletion(): boolean {
    return this.options.sharedEventCompletion ?? true;
  }

  /** Completes one event for one group: the event as the primary fetch, then the planner's `rest`. */
  async complete(group: WatcherGroup, eventData: Record<string, unknown>): Promise<Result> {
    this.counters.eventsCompleted++;
    const services: ServiceMap = Object.create(this.services);
    services[EVENT_SOURCE] = {
      process: async () => ({ data: eventData }),
    } as unknown as ServiceMap[string];
    // Signed per event (runPlan): a subscription outlives the signature's validity window.
    const result = await this.withFetchSlots(group.plan, () =>
      this.runPlan(
        group.plan.eventPlan,
        services,
        group.caller,
        { query: group.query, variables: group.variables, operationName: group.operationName },
        group.operationContext,
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

function upstreamKeyOf(plan: PlannedSubscription): string {
  return `${plan.serviceName}\n${plan.upstreamQuery}\n${stableJson(plan.upstreamVariables)}\n${plan.initialAfterChangeId ?? ''}`;
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
