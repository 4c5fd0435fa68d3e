import { readFileSync, watch } from 'node:fs';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  apolloHttpHandler,
  type Caller,
  graphqlMetricsPlugin,
  type HttpService,
  logger,
  metrics,
  metricsPortFromEnv,
  metricsRoute,
  startMetricsServer,
  startTelemetry,
  type RouteHandler,
  internalRoute,
  startHttpService,
} from '@baemin/platform';
import type { GraphQLSchema } from 'graphql';
import { useFastResultShaping } from './computeResponse.js';
import { createRouterErrorFormatter, errorRequestIds } from './formatRouterError.js';
import { loadRouterConfig, type RouterConfig } from './loadRouterConfig.js';
import { type OperationLimits, operationLimits } from './operationLimits.js';
import { operationRules } from './operationRules.js';
import { type RateLimit, RateLimiter, rateLimitKey } from './RateLimiter.js';
import { contextForCaller, createRouterContext, type RouterContext } from './routerContext.js';
import { SubgraphDataSource } from './SubgraphDataSource.js';
import { serveWebApp } from './serveWebApp.js';
import { SubgraphHealth } from './SubgraphHealth.js';
import {
  attachSubscriptionServer,
  type SubscriptionServer,
} from './subscriptions/attachSubscriptionServer.js';
import { loadSubscriptionLimits } from './subscriptions/loadSubscriptionLimits.js';
import { SubscriptionEngine, type SubscriptionStats } from './subscriptions/SubscriptionEngine.js';
import { baseUrlOf, supergraphSubgraphs } from './supergraphSubgraphs.js';

export interface RouterOverrides extends Partial<Omit<RouterConfig, 'urls' | 'limits' | 'rateLimit'>> {
  /** Subgraph URLs by subgraph name (base `http://host:port` or the full `/graphql` URL). */
  urls?: Partial<Record<string, string>>;
  limits?: Partial<OperationLimits>;
  rateLimit?: Partial<RateLimit>;
  /** Serve this supergraph instead of reading `supergraphPath` (tests compose their own). */
  supergraphSdl?: string;
}

export interface RunningRouter {
  config: RouterConfig;
  /** `http://host:port` of the router. */
  url: string;
  /** The one API endpoint, `<url>/graphql`. */
  graphqlUrl: string;
  port: number;
  http: HttpService;
  /** The admin listener (ROUTER_ADMIN_PORT) serving `/internal/*`, when configured. */
  admin: HttpService | null;
  /** The node:http server: a graphql-ws server can attach to it on the same `/graphql` path. */
  server: Server;
  apollo: ApolloServer<RouterContext>;
  gateway: ApolloGateway;
  /** The client-facing (API) schema of the supergraph. */
  schema: GraphQLSchema;
  supergraphSdl: string;
  /** Base URL of each subgraph the router talks to, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** Authenticates a request's headers into a context exactly as /graphql does (reuse for WebSockets). */
  createContext(headers: IncomingHttpHeaders | Record<string, string | undefined>): Promise<RouterContext>;
  /** Live subscriptions (graphql-ws on the same `/graphql` path). */
  subscriptions: SubscriptionEngine;
  /** Subscription counts, as served at `/internal/subscriptions`. */
  subscriptionStats(): SubscriptionStats & {
    clientConnections: number;
    clientDrops: { slowClients: number; expiredTokens: number };
    rssBytes: number;
  };
  /**
   * Serves a new supergraph: queries use it at once; active subscriptions end with
   * SUBSCRIPTION_SCHEMA_RELOAD. Called when the supergraph file changes (ROUTER_WATCH_SUPERGRAPH).
   */
  reloadSupergraph(sdl: string): void;
  close(): Promise<void>;
}

/** Adapts the platform's structured logger to the `Logger` Apollo Server and the gateway expect. */
const apolloLogger = {
  debug: (m: unknown) => logger.debug(String(m)),
  info: (m: unknown) => logger.info(String(m)),
  warn: (m: unknown) => logger.warn(String(m)),
  error: (m: unknown) => logger.error(String(m)),
};

/** Echoes the request id so clients can quote it when reporting a problem. */
const requestIdHeader: ApolloServerPlugin<RouterContext> = {
  async requestDidStart({ contextValue }) {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('x-request-id', contextValue.requestId);
      },
    };
  },
};

/**
 * Starts the router: an Apollo Gateway over the static supergraph, served at /graphql by the
 * platform HTTP shell, with /health and /ready (ready once the schema is loaded and it listens; the
 * subgraphs' reachability is reported in both bodies, never a reason to go unready).
 */
export async function start(overrides: RouterOverrides = {}): Promise<RunningRouter> {
  logger.setService('router');
  await startTelemetry('router');
  const {
    urls: urlOverrides,
    limits: limitOverrides,
    rateLimit: rateLimitOverrides,
    supergraphSdl: sdlOverride,
    ...rest
  } = overrides;
  const base = loadRouterConfig();
  const config: RouterConfig = {
    ...base,
    ...rest,
    limits: { ...base.limits, ...limitOverrides },
    rateLimit: { ...base.rateLimit, ...rateLimitOverrides },
  };
  // One formatter and one limiter for HTTP and WebSocket operations alike.
  const formatError = createRouterErrorFormatter({ hideSuggestions: !config.introspection });
  const rateLimiter = new RateLimiter(config.rateLimit);
  const supergraphSdl = sdlOverride ?? readFileSync(config.supergraphPath, 'utf8');

  // The committed supergraph bakes in local default URLs; config decides where subgraphs really are.
  const configured: Partial<Record<string, string>> = { ...config.urls, ...urlOverrides };
  const subgraphUrls: Record<string, string> = {};
  for (const { name, url } of supergraphSubgraphs(supergraphSdl)) {
    subgraphUrls[name] = baseUrlOf(configured[name] ?? url);
  }

  let currentSdl = supergraphSdl;
  let updateGateway: ((sdl: string) => void) | null = null;
  // One data source per subgraph, shared by the gateway and the subscription engine.
  const dataSources: Record<string, SubgraphDataSource> = {};
  if (config.fastResultShaping) useFastResultShaping();
  // The gateway reads this one variable when it is constructed; it has no option for it.
  process.env.APOLLO_TELEMETRY_DISABLED = config.apolloTelemetry ? 'false' : 'true';
  const gateway = new ApolloGateway({
    // The hook form of a static supergraph: it lets reloadSupergraph() swap it at run time.
    supergraphSdl: async ({ update }) => {
      updateGateway = update;
      return { supergraphSdl };
    },
    logger: apolloLogger,
    buildService: ({ name, url }) => {
      dataSources[name] ??= new SubgraphDataSource(
        name,
        subgraphUrls[name] ? `${subgraphUrls[name]}/graphql` : (url ?? ''),
        config.subgraphTimeoutMs,
        config.internalSecret,
        { client: config.subgraphClient, dedup: config.dedupSubgraphFetches },
      );
      return dataSources[name];
    },
  });
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    logger: apolloLogger,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    formatError,
    parseOptions: { maxTokens: config.maxTokens },
    // Signals are handled once, by closeOnSignals in index.ts.
    stopOnTerminationSignals: false,
    plugins: [
      // First: a request whose operation cannot run gets that answer, not a limit's.
      operationRules<RouterContext>(),
      operationLimits<RouterContext>(config.limits),
      requestIdHeader,
      errorRequestIds<RouterContext>(),
      graphqlMetricsPlugin<RouterContext>(),
      config.landingPage
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  const schema = gateway.schema;
  if (!schema) throw new Error('gateway started without a schema');

  const createContext = (headers: IncomingHttpHeaders | Record<string, string | undefined>) =>
    createRouterContext(headers, config);
  const subscriptionLimits = loadSubscriptionLimits();
  const subscriptions = new SubscriptionEngine({
    supergraphSdl,
    subgraphUrls,
    internalSecret: config.internalSecret,
    dataSources,
    upstreamGiveUpMs: config.subscriptionGiveUpMs,
    limits: subscriptionLimits,
    sharedEventCompletion: config.sharedEventCompletion,
  });
  let wsServer: SubscriptionServer | null = null;
  const subscriptionStats = () => ({
    ...subscriptions.stats(),
    clientConnections: wsServer?.connections() ?? 0,
    clientDrops: wsServer?.drops() ?? { slowClients: 0, expiredTokens: 0 },
    rssBytes: process.memoryUsage().rss,
  });
  // Counts and fault injection: operators and tests only, never on the public port in production.
  // The same shape as every subgraph's internal routes (internalRoute: method check, JSON answers,
  // `{ error: { code } }` refusals); open to anyone who reaches the port, like their counts.
  const internalRoutes: Record<string, RouteHandler> = {
    // Counts only (no business data): leak checks, dashboards, benchmarks.
    '/internal/subscriptions': internalRoute({ methods: ['GET'], access: 'anyone' }, () =>
      subscriptionStats(),
    ),
    // Prometheus scrape: the admin listener in production, like the other internal routes.
    '/metrics': metricsRoute,
    // Fault injection for tests (ROUTER_TEST_HOOKS=1, refused in production): cut every upstream connection.
    ...(config.testHooks
      ? {
          '/internal/subscriptions/drop-upstream': internalRoute({ access: 'anyone' }, async () => {
            await subscriptions.dropUpstreamConnections();
            return { dropped: true };
          }),
        }
      : {}),
  };
  // Ready = the router can serve: its schema is loaded (apollo.start() above) and its listeners are
  // up (they are, when /ready answers). Subgraphs are not readiness dependencies (see
  // SubgraphHealth); their last known state is reported in the bodies of /health and /ready.
  const subgraphHealth = new SubgraphHealth(subgraphUrls, config.readinessTimeoutMs);
  void subgraphHealth.refresh();
  const readiness = [{ name: 'schema', check: () => gateway.schema !== undefined }];
  const details = () => ({ subgraphs: subgraphHealth.snapshot() });
  const unregisterMetrics = metrics.subscriptionGauge.register(() => {
    const s = subscriptionStats();
    return [
      { labels: { kind: 'clients' }, value: s.clientConnections },
      { labels: { kind: 'watchers' }, value: s.watchers },
      { labels: { kind: 'groups' }, value: s.groups },
      { labels: { kind: 'upstreams' }, value: s.upstreams },
    ];
  });
  // The customer/owner/rider app and GraphiQL (static build), plus dev tokens outside production.
  const web = serveWebApp({ explorer: config.landingPage, devTokensSecret: config.jwtSecret });
  const http = await startHttpService({
    name: 'router',
    port: config.port,
    host: config.host,
    requestLogContext: config.requestLogContext,
    fallback: web.fallback,
    routes: {
      ...web.routes,
      '/graphql': apolloHttpHandler(
        apollo,
        async (req) => {
          let context: RouterContext;
          try {
            context = await createContext(req.headers);
          } catch (err) {
            // Requests with bad tokens count against the client address: guessing is limited too.
            rateLimiter.check(rateLimitKey(null, req.socket.remoteAddress));
            throw err;
          }
          // Before parsing: a flood of operations costs a map lookup each, valid or not.
          rateLimiter.check(rateLimitKey(context.caller, req.socket.remoteAddress));
          return context;
        },
        config.maxBodyBytes,
      ),
      ...(config.internalRoutesOnApiPort ? internalRoutes : {}),
    },
    readiness,
    details,
  });
  const admin =
    config.adminPort === null
      ? null
      : await startHttpService({
          name: 'router-admin',
          port: config.adminPort,
          host: config.host,
          routes: internalRoutes,
          readiness,
          details,
        });
  // METRICS_PORT: a listener of its own for Prometheus (as every subgraph has), beside the admin one.
  const metricsPort = metricsPortFromEnv();
  const metricsServer = metricsPort === null ? null : await startMetricsServer(metricsPort, config.host);
  const contextFor = (caller: Caller | null) => contextForCaller(caller, config.internalSecret);
  wsServer = attachSubscriptionServer({
    server: http.server,
    engine: subscriptions,
    apollo,
    contextFor,
    jwtSecret: config.jwtSecret,
    jwtChecks: config.jwt,
    limits: config.limits,
    maxTokens: config.maxTokens,
    rateLimiter,
    formatError,
    subscriptionLimits,
  });
  logger.info('router listening', {
    url: `${http.url}/graphql`,
    ...(admin ? { admin: admin.url } : {}),
    subgraphs: subgraphUrls,
  });

  const reloadSupergraph = (sdl: string) => {
    if (sdl === currentSdl) return;
    // Validate by building the subscription side first: a broken file leaves everything as it was.
    subscriptions.reload(sdl);
    currentSdl = sdl;
    updateGateway?.(sdl);
    logger.info('supergraph reloaded');
  };
  let watcher: ReturnType<typeof watch> | null = null;
  if (config.watchSupergraph && !sdlOverride) {
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(config.supergraphPath, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          reloadSupergraph(readFileSync(config.supergraphPath, 'utf8'));
        } catch (err) {
          logger.error('supergraph reload failed; keeping the current one', {
            error: (err as Error).message,
          });
        }
      }, 200);
    });
  }

  let closed: Promise<void> | null = null;
  return {
    config,
    url: http.url,
    graphqlUrl: `${http.url}/graphql`,
    port: http.port,
    http,
    admin,
    server: http.server,
    apollo,
    gateway,
    schema,
    supergraphSdl,
    subgraphUrls,
    createContext,
    subscriptions,
    subscriptionStats,
    reloadSupergraph,
    close: () => {
      closed ??= (async () => {
        watcher?.close();
        unregisterMetrics();
        await subscriptions.close();
        await wsServer?.close();
        await http.close();
        await admin?.close();
        await metricsServer?.close();
        await apollo.stop();
        await Promise.all(Object.values(dataSources).map((d) => d.close()));
      })();
      return closed;
    },
  };
}
