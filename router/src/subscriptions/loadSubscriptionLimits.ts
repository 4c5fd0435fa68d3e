import { envInt } from '@baemin/platform';

/** Limits of live subscriptions (router, graphql-ws). Every one is per process. */
export interface SubscriptionLimits {
  /** ROUTER_MAX_SUBSCRIPTIONS_PER_SOCKET: active subscriptions on one WebSocket. Default 100. */
  maxPerSocket: number;
  /** ROUTER_MAX_SUBSCRIPTIONS_PER_CALLER: active subscriptions of one caller (token subject) over all its sockets. Default 200. */
  maxPerCaller: number;
  /**
   * ROUTER_MAX_REPLAYS_PER_CALLER: active subscriptions of one caller with a client-chosen
   * `afterChangeId` (each distinct value needs an upstream subscription of its own). Default 10.
   */
  maxReplaysPerCaller: number;
  /** ROUTER_MAX_REPLAY_UPSTREAMS: upstream subscriptions created from client-chosen `afterChangeId` values, all callers. Default 200. */
  maxReplayUpstreams: number;
  /**
   * ROUTER_MAX_QUEUED_BYTES_PER_SOCKET: results waiting for one client (in the router plus the
   * socket's send buffer). A client that stays further behind is dropped with close code 4002.
   * Default 1 MiB.
   */
  maxQueuedBytes: number;
  /**
   * ROUTER_SLOW_CLIENT_GRACE_MS: how long a client may stay over `maxQueuedBytes` before it is
   * dropped (over four times the limit drops it at once). Default 2000.
   */
  slowClientGraceMs: number;
  /** ROUTER_SUBSCRIPTION_FETCH_CONCURRENCY: entity fetch plans running at once for live events, all groups. Default 32. */
  fetchConcurrency: number;
  /**
   * ROUTER_SUBSCRIPTION_FETCH_CONCURRENCY_PER_SUBGRAPH: of those, at most this many waiting on one
   * subgraph, so a slow subgraph leaves room for events that do not need it. Default 16.
   */
  fetchConcurrencyPerSubgraph: number;
  /** ROUTER_UPSTREAM_KEEPALIVE_MS: ping interval on router→subgraph graphql-ws connections. Default 10000. */
  upstreamKeepAliveMs: number;
  /**
   * ROUTER_UPSTREAM_PONG_TIMEOUT_MS: a subgraph that does not answer a ping (or a connection
   * init) within this time is treated as dead: the connection is cut and subscriptions resume.
   * Default 5000.
   */
  upstreamPongTimeoutMs: number;
}

export function loadSubscriptionLimits(env: NodeJS.ProcessEnv = process.env): SubscriptionLimits {
  return {
    maxPerSocket: envInt(env, 'ROUTER_MAX_SUBSCRIPTIONS_PER_SOCKET', 100),
    maxPerCaller: envInt(env, 'ROUTER_MAX_SUBSCRIPTIONS_PER_CALLER', 200),
    maxReplaysPerCaller: envInt(env, 'ROUTER_MAX_REPLAYS_PER_CALLER', 10),
    maxReplayUpstreams: envInt(env, 'ROUTER_MAX_REPLAY_UPSTREAMS', 200),
    maxQueuedBytes: envInt(env, 'ROUTER_MAX_QUEUED_BYTES_PER_SOCKET', 1024 * 1024),
    slowClientGraceMs: envInt(env, 'ROUTER_SLOW_CLIENT_GRACE_MS', 2000),
    fetchConcurrency: envInt(env, 'ROUTER_SUBSCRIPTION_FETCH_CONCURRENCY', 32),
    fetchConcurrencyPerSubgraph: envInt(env, 'ROUTER_SUBSCRIPTION_FETCH_CONCURRENCY_PER_SUBGRAPH', 16),
    upstreamKeepAliveMs: envInt(env, 'ROUTER_UPSTREAM_KEEPALIVE_MS', 10_000),
    upstreamPongTimeoutMs: envInt(env, 'ROUTER_UPSTREAM_PONG_TIMEOUT_MS', 5000),
  };
}
