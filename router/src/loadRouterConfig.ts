import {
  ConfigError,
  DEFAULT_JWT_MAX_AGE_SECONDS,
  envInt,
  type JwtChecks,
  loadServiceConfig,
  type ServiceConfig,
  testHooks,
} from '@baemin/platform';
import { fileURLToPath } from 'node:url';
import type { OperationLimits } from './operationLimits.js';
import type { RateLimit } from './RateLimiter.js';
import type { SubgraphClientKind } from './SubgraphHttpClient.js';

/** The router's settings: the shared service config plus its own request limits and toggles. */
export interface RouterConfig extends ServiceConfig {
  /**
   * Checks on client tokens besides the signature: JWT_ISSUER and JWT_AUDIENCE (checked when set),
   * JWT_MAX_AGE_SECONDS (default 86400).
   */
  jwt: JwtChecks;
  /** ROUTER_SUPERGRAPH_PATH; default the committed `schema/supergraph.graphql`. */
  supergraphPath: string;
  /** ROUTER_INTROSPECTION (true/false); default on unless NODE_ENV=production. */
  introspection: boolean;
  /** Apollo Sandbox at GET /graphql; default on unless NODE_ENV=production. */
  landingPage: boolean;
  /** Reload the supergraph when its file changes (ROUTER_WATCH_SUPERGRAPH, default true). */
  watchSupergraph: boolean;
  /**
   * How long a subscription's subgraph may stay unreachable before its clients get
   * SUBSCRIPTION_UPSTREAM_UNAVAILABLE (ROUTER_SUBSCRIPTION_GIVE_UP_MS, default 30000).
   */
  subscriptionGiveUpMs: number;
  /** ROUTER_MAX_BODY_BYTES; default 1 MiB (larger bodies get 413). */
  maxBodyBytes: number;
  /**
   * ROUTER_MAX_TOKENS; default 15000. Bounds parsing and validation cost before any limit below
   * is checked (validation of huge documents is itself a denial-of-service vector).
   */
  maxTokens: number;
  /**
   * ROUTER_MAX_DEPTH (15), ROUTER_MAX_ALIASES (30), ROUTER_MAX_ROOT_FIELDS (20),
   * ROUTER_MAX_INTROSPECTION_DEPTH (20), ROUTER_MAX_COST (5000), ROUTER_COST_LIST_SIZE (10).
   */
  limits: OperationLimits;
  /** ROUTER_RATE_LIMIT_PER_SECOND (200; 0 = off) and ROUTER_RATE_LIMIT_BURST (1000), per caller. */
  rateLimit: RateLimit;
  /** ROUTER_SUBGRAPH_TIMEOUT_MS; default 30000. A subgraph call taking longer fails as SERVICE_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  /**
   * ROUTER_ADMIN_PORT: a second listener serving only `/internal/*` (and /health, /ready), for
   * operators and probes inside the cluster. Unset by default. With NODE_ENV=production
   * `/internal/*` is served only there (off when unset); otherwise on the API port as well.
   */
  adminPort: number | null;
  /** `/internal/*` on the public API port: on unless NODE_ENV=production. */
  internalRoutesOnApiPort: boolean;
  /**
   * ROUTER_TEST_HOOKS=1: fault-injection routes for tests (a platform `testHooks` variable).
   * Refused (ConfigError) with NODE_ENV=production, so no deployment can switch them on.
   */
  testHooks: boolean;
  /** ROUTER_READINESS_TIMEOUT_MS; default 1000: each probe of a subgraph's /health reported in the router's /health and /ready bodies (never awaited by them). */
  readinessTimeoutMs: number;
  /**
   * ROUTER_SUBGRAPH_CLIENT: `pool` (default: undici Pool, keep-alive, timeouts by the pool) or
   * `fetch` (Node's WHATWG fetch with a per-call AbortSignal, the client before; benchmarks).
   */
  subgraphClient: SubgraphClientKind;
  /**
   * ROUTER_DEDUP (default true): identical query fetches to a subgraph in flight at the same time
   * for the same caller share one request.
   */
  dedupSubgraphFetches: boolean;
  /**
   * ROUTER_OPERATION_CACHE (default true): limit checks and verified tokens are remembered per
   * document and per token instead of being computed on every request.
   */
  operationCache: boolean;
  /**
   * ROUTER_FAST_RESULT_SHAPING (default true): query results are shaped by
   * router/src/computeResponse.ts instead of @apollo/gateway's own post-processing (the same
   * results and errors, in about half the CPU). Process-wide once a router has turned it on.
   */
  fastResultShaping: boolean;
  /**
   * ROUTER_REQUEST_LOG_CONTEXT (default false): run each HTTP request inside the platform's log
   * context (an AsyncLocalStorage scope). Off, the router names the request itself on its one
   * request-time log line (a masked internal error) and Node's promise hooks stay off: 5–16 %
   * more requests/s (BENCHMARKS.md). On only to compare.
   */
  requestLogContext: boolean;
  /**
   * ROUTER_SHARED_EVENT_COMPLETION (default true): a live event whose plan needs no other
   * subgraph is completed once per client operation and variables, and the result shared by every
   * caller's group (field rules still apply per caller), instead of once per caller. Off only to
   * compare: a feed every rider watches otherwise costs one completion per rider per event.
   */
  sharedEventCompletion: boolean;
  /**
   * @apollo/gateway's anonymous data collection; off unless APOLLO_TELEMETRY_DISABLED=false. On,
   * the gateway probes cloud metadata addresses (169.254.169.254, 100.100.100.200, Google's
   * metadata server) when it is constructed and reports hourly to
   * usage-reporting.api.apollographql.com. A router in someone's cluster makes no connection its
   * operator did not ask for, so unset means off (the package's own default is on).
   */
  apolloTelemetry: boolean;
}

export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(
  new URL('../../schema/supergraph.graphql', import.meta.url),
);

export function envBool(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  if (raw === 'false' || raw === '0' || raw === 'no') return false;
  throw new ConfigError(`${key} must be true or false, got "${env[key]}"`);
}

function subgraphClientOf(env: NodeJS.ProcessEnv): SubgraphClientKind {
  const raw = env.ROUTER_SUBGRAPH_CLIENT?.trim() || 'pool';
  if (raw !== 'pool' && raw !== 'fetch')
    throw new ConfigError(`ROUTER_SUBGRAPH_CLIENT must be pool or fetch, got "${raw}"`);
  return raw;
}

export function loadRouterConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const production = env.NODE_ENV === 'production';
  // Refuses any test hook armed in production (ConfigError).
  const hooks = testHooks(env);
  const adminPort = env.ROUTER_ADMIN_PORT ? envInt(env, 'ROUTER_ADMIN_PORT', 0) : null;
  return {
    ...loadServiceConfig('router', env),
    jwt: {
      issuer: env.JWT_ISSUER || undefined,
      audience: env.JWT_AUDIENCE || undefined,
      maxAgeSeconds: envInt(env, 'JWT_MAX_AGE_SECONDS', DEFAULT_JWT_MAX_AGE_SECONDS),
    },
    supergraphPath: env.ROUTER_SUPERGRAPH_PATH || DEFAULT_SUPERGRAPH_PATH,
    introspection: envBool(env, 'ROUTER_INTROSPECTION', !production),
    landingPage: !production,
    watchSupergraph: envBool(env, 'ROUTER_WATCH_SUPERGRAPH', true),
    subscriptionGiveUpMs: envInt(env, 'ROUTER_SUBSCRIPTION_GIVE_UP_MS', 30_000),
    maxBodyBytes: envInt(env, 'ROUTER_MAX_BODY_BYTES', 1024 * 1024),
    maxTokens: envInt(env, 'ROUTER_MAX_TOKENS', 15_000),
    limits: {
      maxDepth: envInt(env, 'ROUTER_MAX_DEPTH', 15),
      maxAliases: envInt(env, 'ROUTER_MAX_ALIASES', 30),
      maxRootFields: envInt(env, 'ROUTER_MAX_ROOT_FIELDS', 20),
      maxIntrospectionDepth: envInt(env, 'ROUTER_MAX_INTROSPECTION_DEPTH', 20),
      maxCost: envInt(env, 'ROUTER_MAX_COST', 5000),
      assumedListSize: envInt(env, 'ROUTER_COST_LIST_SIZE', 10),
    },
    rateLimit: {
      perSecond: envInt(env, 'ROUTER_RATE_LIMIT_PER_SECOND', 200),
      burst: envInt(env, 'ROUTER_RATE_LIMIT_BURST', 1000),
    },
    subgraphTimeoutMs: envInt(env, 'ROUTER_SUBGRAPH_TIMEOUT_MS', 30_000),
    readinessTimeoutMs: envInt(env, 'ROUTER_READINESS_TIMEOUT_MS', 1000),
    subgraphClient: subgraphClientOf(env),
    dedupSubgraphFetches: envBool(env, 'ROUTER_DEDUP', true),
    operationCache: envBool(env, 'ROUTER_OPERATION_CACHE', true),
    fastResultShaping: envBool(env, 'ROUTER_FAST_RESULT_SHAPING', true),
    requestLogContext: envBool(env, 'ROUTER_REQUEST_LOG_CONTEXT', false),
    sharedEventCompletion: envBool(env, 'ROUTER_SHARED_EVENT_COMPLETION', true),
    apolloTelemetry: !envBool(env, 'APOLLO_TELEMETRY_DISABLED', true),
    adminPort,
    internalRoutesOnApiPort: !production,
    testHooks: hooks.value('ROUTER_TEST_HOOKS') !== undefined,
  };
}
