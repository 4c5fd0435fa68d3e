import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, parse } from 'graphql';
import type { Caller } from '../auth/Caller.js';
import { UntrustedCallerError, verifyCallerHeaders } from '../auth/internalIdentity.js';
import { createEventBus } from '../bus/createEventBus.js';
import { deadLetterCount } from '../bus/deliverWithRetry.js';
import { type ConsumerHandle, dlqTopic, type EventBus } from '../bus/EventBus.js';
import { ConfigError, envInt, type ServiceConfig } from '../config.js';
import { Database } from '../db/Database.js';
import type { EventEnvelope } from '../events/EventEnvelope.js';
import { ErrorCode } from '../errors.js';
import { apolloHttpHandler } from '../http/apolloHttpHandler.js';
import { startDraining } from '../http/shutdown.js';
import {
  type HttpService,
  type ReadinessCheck,
  type RouteHandler,
  startHttpService,
} from '../http/startHttpService.js';
import { logger } from '../logger.js';
import { type EventHandler, startEventConsumer } from '../outbox/EventConsumer.js';
import { Outbox } from '../outbox/Outbox.js';
import { graphqlMetricsPlugin } from '../telemetry/graphqlMetricsPlugin.js';
import { metrics, metricsRoute } from '../telemetry/metrics.js';
import { metricsPortFromEnv, startMetricsServer, startTelemetry } from '../telemetry/startTelemetry.js';
import { stopTracing } from '../telemetry/tracing.js';
import { testHooks } from '../testHooks.js';

/** What every subgraph's resolvers get in their context. */
export interface SubgraphContext extends BaseContext {
  /** The verified caller (signed by the router), or null for an anonymous request. */
  caller: Caller | null;
}

/** The infrastructure a subgraph is handed to build its resolvers and handlers on. */
export interface SubgraphKit<S extends Record<string, unknown>> {
  config: ServiceConfig;
  database: Database<S>;
  bus: EventBus;
  /** The context's outbox (publishes to its own topic); null for contexts that publish nothing. */
  outbox: Outbox | null;
}

export interface ConsumerSpec<S extends Record<string, unknown>> {
  /** Consumer group (and inbox consumer name). */
  group: string;
  topics: string[];
  handlers: Partial<Record<string, EventHandler<S>>>;
  /** Called after each newly handled event committed (e.g. to push live updates). */
  afterCommit?: (envelope: EventEnvelope) => void;
}

export interface SubgraphParts<S extends Record<string, unknown>, C extends SubgraphContext> {
  /** Resolver map (typed per subgraph by its generated `Resolvers` type). */
  resolvers: object;
  /** Extends the base context per request. */
  context?: (base: SubgraphContext, req: IncomingMessage) => C | Promise<C>;
  consumers?: ConsumerSpec<S>[];
  /** Internal routes (`/internal/*`, each built with `internalRoute`), e.g. `/internal/payments/capture`. */
  routes?: Record<string, RouteHandler>;
  readiness?: ReadinessCheck[];
  /** Extra fields for the `/health` and `/ready` bodies, after the platform's (liveness stays 200 whatever they say). */
  healthDetails?: () => Record<string, unknown>;
  /** Runs after migrations and before the server listens (seeding). */
  beforeListen?: () => Promise<void>;
  /** Runs after the server listens (e.g. attaching a WebSocket server). */
  afterListen?: (http: HttpService, schema: GraphQLSchema) => Promise<void> | void;
  /** Runs first at shutdown (stop starting work: timers, live sockets). */
  onClose?: () => Promise<void> | void;
  /**
   * Runs at shutdown once the HTTP server has finished its in-flight requests, before the
   * consumers stop: close the clients those requests use (order's payment client), so a request
   * caught by the shutdown still completes its calls and their compensations.
   */
  afterRequests?: () => Promise<void> | void;
}

export interface StartSubgraphOptions<S extends Record<string, unknown>, C extends SubgraphContext> {
  config: ServiceConfig;
  /** Folder of the subgraph package (holds schema.graphql and drizzle/). */
  packageDir: string;
  dbSchema: S;
  /** The topic this context publishes to; omit for contexts that publish nothing. */
  topic?: string;
  build: (kit: SubgraphKit<S>) => SubgraphParts<S, C> | Promise<SubgraphParts<S, C>>;
  /** Use this bus instead of creating one from config (the caller then closes it). */
  bus?: EventBus;
}

export interface RunningSubgraph<S extends Record<string, unknown>> extends SubgraphKit<S> {
  url: string;
  port: number;
  http: HttpService;
  schema: GraphQLSchema;
  close(): Promise<void>;
}

/**
 * Boots one bounded context: its store (SQLite or PostgreSQL, migrated), the event bus, the outbox relay, its
 * consumers, and its subgraph over HTTP with health endpoints. Every subgraph's `server.ts` is a
 * thin call to this, so all five behave the same at start, on failure and at shutdown.
 */
export async function startSubgraph<S extends Record<string, unknown>, C extends SubgraphContext>(
  options: StartSubgraphOptions<S, C>,
): Promise<RunningSubgraph<S>> {
  const { config } = options;
  // Refuses a production start with a test hook armed, before anything is opened.
  testHooks();
  logger.setService(config.name);
  await startTelemetry(config.name);
  const metricsPort = metricsPortFromEnv();
  const database = await Database.open({
    path: join(config.dataDir, `${config.name}.db`),
    url: config.databaseUrl,
    schema: options.dbSchema,
    migrationsFolder: join(options.packageDir, 'drizzle'),
  });
  const ownsBus = !options.bus;
  const bus = options.bus ?? (await createEventBus(config));
  const outbox = options.topic
    ? new Outbox(database, bus, { producer: config.name, topic: options.topic })
    : null;
  if (options.topic) await bus.ensureTopics([{ name: options.topic }]);
  const kit: SubgraphKit<S> = { config, database, bus, outbox };
  const parts = await options.build(kit);

  const typeDefs = parse(readFileSync(join(options.packageDir, 'schema.graphql'), 'utf8'));
  // biome-ignore lint/suspicious/noExplicitAny: the generated resolver types are checked per subgraph
  const schema = buildSubgraphSchema({ typeDefs, resolvers: parts.resolvers as any });
  const apollo = new ApolloServer<C>({
    schema,
    introspection: true,
    // Sandbox is served by the router; subgraphs answer only signed requests.
    // Inline (ftv1) tracing is for GraphOS usage reporting, which we do not use: it only costs CPU.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      graphqlMetricsPlugin<C>(),
    ],
    formatError: maskInternalErrors,
    includeStacktraceInErrorResponses: false,
    // closeOnSignals owns shutdown order (HTTP, consumers, outbox, then Apollo).
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  await parts.beforeListen?.();
  outbox?.start();
  const consumers: ConsumerHandle[] = [];
  try {
    for (const c of parts.consumers ?? []) {
      consumers.push(
        await startEventConsumer({
          bus,
          database,
          group: c.group,
          topics: c.topics,
          handlers: c.handlers,
          outbox: outbox ?? undefined,
          afterCommit: c.afterCommit,
        }),
      );
    }
  } catch (err) {
    // E.g. the group belongs to another database (a second replica on its own file): do not start.
    for (const c of consumers) await c.stop().catch(() => undefined);
    await outbox?.stop();
    await apollo.stop();
    await parts.onClose?.();
    await parts.afterRequests?.();
    if (ownsBus) await bus.close();
    await database.close();
    throw err;
  }

  const graphql = apolloHttpHandler(apollo, async (req) => {
    let caller: Caller | null;
    try {
      caller = verifyCallerHeaders(req.headers, config.internalSecret);
    } catch (err) {
      if (err instanceof UntrustedCallerError) {
        throw new GraphQLError(`Untrusted request: ${err.message}`, {
          extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
        });
      }
      throw err;
    }
    const base: SubgraphContext = { caller };
    return (parts.context ? await parts.context(base, req) : base) as C;
  });

  // The bus's state for the health bodies, never awaited there: /health is liveness and must not
  // wait on another service (a Kafka metadata call can take its full 2 s timeout when Kafka is down).
  let busHealthy: boolean | null = null;
  const refreshBusHealth = () => {
    bus.isHealthy().then(
      (ok) => {
        busHealthy = ok;
      },
      () => {
        busHealthy = false;
      },
    );
  };
  refreshBusHealth();
  const http = await startHttpService({
    name: config.name,
    port: config.port,
    host: config.host,
    routes: {
      '/graphql': graphql,
      // Subgraph ports are cluster-internal (NetworkPolicy); METRICS_PORT moves /metrics off them.
      ...(metricsPort === null ? { '/metrics': metricsRoute } : {}),
      ...(parts.routes ?? {}),
    },
    // Ready = this context can serve: its own database is open (and migrated: that happened above).
    // The bus and the consumers are deliberately NOT here: a Kafka outage is absorbed by the outbox
    // (writes keep being accepted and are relayed when it returns) and a consumer restarting only
    // delays projections. Taking the pod out of its Service for either would turn a bus blip into
    // an API outage. Both are reported in the details below (`eventBus`, `consumers`, `outbox`).
    readiness: [{ name: 'database', check: () => database.isHealthy() }, ...(parts.readiness ?? [])],
    details: async () => {
      refreshBusHealth();
      const consumerStatus = await Promise.all(consumers.map((c) => c.status()));
      return {
        // Last known answer (null until the first probe settled); the probe itself is cached by the bus.
        eventBus: { kind: bus.kind, healthy: busHealthy },
        consumers: consumerStatus,
        deadLettered: deadLetterCount(),
        outbox: outbox ? await outbox.status() : null,
        ...parts.healthDetails?.(),
      };
    },
  });
  const metricsServer = metricsPort === null ? null : await startMetricsServer(metricsPort, config.host);
  const statuses = () => Promise.all(consumers.map((c) => c.status()));
  const unregisterMetrics = [
    metrics.consumerLag.register(async () =>
      (await statuses()).map((s) => ({ labels: { group: s.group }, value: s.lag ?? 0 })),
    ),
    // A record being retried holds only its partition, so the group's lag can stay small while one
    // partition stands still: these two say so directly (alert on the age).
    metrics.consumerRetrying.register(async () =>
      (await statuses()).map((s) => ({ labels: { group: s.group }, value: s.retrying.length })),
    ),
    metrics.consumerRetryingOldest.register(async () =>
      (await statuses()).map((s) => ({
        labels: { group: s.group },
        value: s.retrying.length ? (Date.now() - Date.parse(s.retrying[0]!.since)) / 1000 : 0,
      })),
    ),
    ...(options.topic && bus.topicSize
      ? [
          metrics.dlqSize.register(async () => {
            const topic = dlqTopic(options.topic as string);
            return [{ labels: { topic }, value: (await bus.topicSize?.(topic)) ?? 0 }];
          }),
        ]
      : []),
  ];
  await parts.afterListen?.(http, schema);
  logger.info('subgraph listening', { url: `${http.url}/graphql`, bus: bus.kind });

  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      await parts.onClose?.();
      for (const unregister of unregisterMetrics) unregister();
      await http.close();
      await parts.afterRequests?.();
      await metricsServer?.close();
      for (const c of consumers) await c.stop();
      await outbox?.stop();
      await apollo.stop();
      if (ownsBus) await bus.close();
      await database.close();
    })();
    return closed;
  };
  return { ...kit, url: http.url, port: http.port, http, schema, close };
}

/** Errors we did not raise on purpose are masked: no stack traces or SQL leak to clients. */
export function maskInternalErrors(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  const original = (error as { originalError?: unknown })?.originalError;
  if (original === undefined || original instanceof GraphQLError) return formatted;
  logger.error('unexpected resolver error', {
    error: (original as Error)?.message,
    stack: (original as Error)?.stack,
  });
  return {
    message: 'Internal server error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * Wires SIGINT/SIGTERM to a graceful shutdown; every `index.ts` uses it. On the signal the process
 * at once fails `/ready` and answers with `Connection: close` (startDraining), keeps serving for
 * `drainMs` (SHUTDOWN_DRAIN_MS, default 0: local Ctrl-C stops at once; the Kubernetes ConfigMap
 * sets it) so load balancers take it out of rotation, then calls `close` (which finishes in-flight
 * requests and stops consumers). It exits 1 if all that takes over `drainMs` + 10 s.
 */
export function closeOnSignals(
  close: () => Promise<void>,
  { drainMs = envInt(process.env, 'SHUTDOWN_DRAIN_MS', 0) }: { drainMs?: number } = {},
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    startDraining();
    logger.info('shutting down', { signal, drainMs });
    const timer = setTimeout(() => process.exit(1), drainMs + 10_000);
    timer.unref();
    const drained = new Promise<void>((resolve) => setTimeout(resolve, drainMs));
    // Spans still buffered are exported before the process exits.
    const closeAndFlush = () => close().then(stopTracing);
    drained.then(closeAndFlush).then(
      () => process.exit(0),
      (err) => {
        logger.error('shutdown failed', { error: (err as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * The entry point of every process (`index.ts`): starts it and wires shutdown to signals. A
 * ConfigError (a missing or weak production secret, a malformed number) ends the process with
 * exit code 1 and its one-line message on stderr instead of a stack trace.
 */
export async function runService(start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  let service: { close(): Promise<void> };
  try {
    service = await start();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  closeOnSignals(service.close);
}
