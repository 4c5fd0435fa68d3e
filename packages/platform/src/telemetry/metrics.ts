import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';

/**
 * The process's Prometheus registry and every metric the platform records, created once per
 * process (prom-client refuses a second metric of the same name). Served as text at `/metrics`
 * (see {@link metricsRoute}). Each service stamps its name as the `service` label
 * ({@link setMetricsService}); Node process metrics (CPU, memory, event-loop lag, GC) are
 * collected with prom-client's defaults, prefixed `nodejs_`/`process_` as usual.
 */
export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry });

/** Latency buckets in seconds: 1 ms to 10 s (GraphQL operations, fetches, handlers). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Delay buckets in seconds for event lags (relay, delivery): 1 ms to 5 min. */
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Sets the `service` label on every metric of this process. */
export function setMetricsService(service: string): void {
  metricsRegistry.setDefaultLabels({ service });
}

const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
  new client.Counter<L>({ name, help, labelNames, registers: [metricsRegistry] });
const histogram = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets = LATENCY_BUCKETS,
) => new client.Histogram<L>({ name, help, labelNames, buckets, registers: [metricsRegistry] });

/** Source of a gauge's values, asked at scrape time (one per component that registers it). */
type GaugeSource<L extends string> = () =>
  | Promise<{ labels: Partial<Record<L, string>>; value: number }[]>
  | { labels: Partial<Record<L, string>>; value: number }[];

/**
 * A gauge whose values are read at scrape time from registered sources (outbox backlog, consumer
 * lag, live subscription counts): nothing is computed between scrapes. A failing source is
 * skipped for that scrape rather than failing `/metrics`.
 */
function collectedGauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  const sources = new Set<GaugeSource<L>>();
  const gauge = new client.Gauge<L>({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      for (const source of sources) {
        try {
          for (const { labels, value } of await source())
            this.set(labels as Partial<Record<L, string | number>>, value);
        } catch {
          // The component is closing or its database is busy: report what the others have.
        }
      }
    },
  });
  return {
    gauge,
    /** Adds a source; returns its removal (call at shutdown). */
    register(source: GaugeSource<L>): () => void {
      sources.add(source);
      return () => sources.delete(source);
    },
  };
}

export const metrics = {
  // GraphQL operations, at the router and at every subgraph (graphqlMetricsPlugin).
  graphqlRequests: counter(
    'graphql_requests_total',
    'GraphQL operations served, by operation name, type and outcome (ok/error).',
    ['operation', 'type', 'outcome'],
  ),
  graphqlDuration: histogram(
    'graphql_request_duration_seconds',
    'Time to serve a GraphQL operation, from request to response.',
    ['operation', 'type'],
  ),
  graphqlErrors: counter('graphql_errors_total', 'GraphQL errors returned, by operation and error code.', [
    'operation',
    'code',
  ]),
  // The router's fetches to subgraphs (instrumentFetch).
  subgraphFetchDuration: histogram(
    'router_subgraph_fetch_duration_seconds',
    'Router to subgraph HTTP fetches, by subgraph and outcome.',
    ['subgraph', 'outcome'],
  ),
  // Circuit breakers (order's payment client).
  breakerState: collectedGauge(
    'circuit_breaker_state',
    'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    ['breaker'],
  ),
  breakerCalls: counter(
    'circuit_breaker_calls_total',
    'Calls through a circuit breaker, by result (success, failure, timeout, reject).',
    ['breaker', 'result'],
  ),
  breakerRejections: counter(
    'circuit_breaker_rejections_total',
    'Calls refused at once by an open circuit breaker.',
    ['breaker'],
  ),
  // Outbox relay.
  outboxPending: collectedGauge(
    'outbox_pending_events',
    'Outbox rows not yet published (parked ones included).',
    ['topic'],
  ),
  outboxParked: collectedGauge('outbox_parked_events', 'Outbox rows parked because the bus refuses them.', [
    'topic',
  ]),
  outboxPublished: counter(
    'outbox_published_total',
    'Events the outbox relay published, by topic and event type.',
    ['topic', 'type'],
  ),
  outboxRelayLag: histogram(
    'outbox_relay_lag_seconds',
    'Time from an event committed to the outbox to the bus acknowledging it.',
    ['topic'],
    LAG_BUCKETS,
  ),
  outboxFailures: counter(
    'outbox_relay_failures_total',
    'Failed relay attempts (the bus refused or was down).',
    ['topic'],
  ),
  // Consumers.
  eventsConsumed: counter(
    'events_consumed_total',
    'Events a consumer group received, by type and outcome (handled, duplicate, ignored: no handler).',
    ['group', 'type', 'outcome'],
  ),
  eventHandlingDuration: histogram(
    'event_handling_duration_seconds',
    'Time to handle one event (transaction included), by group and type.',
    ['group', 'type'],
  ),
  eventDeliveryLag: histogram(
    'event_delivery_lag_seconds',
    'Time from an event being committed by its producer to a consumer having handled it.',
    ['group', 'type'],
    LAG_BUCKETS,
  ),
  eventHandlerFailures: counter(
    'event_handler_failures_total',
    'Failed handler attempts (retried or dead-lettered), by group, type and failure class.',
    ['group', 'type', 'failure'],
  ),
  consumerLag: collectedGauge(
    'consumer_lag_events',
    'Records not yet committed by a consumer group (Kafka: as of the last fetch).',
    ['group'],
  ),
  consumerRetrying: collectedGauge(
    'consumer_retrying_events',
    'Records whose handler failed and that wait to be tried again; each holds its partition.',
    ['group'],
  ),
  consumerRetryingOldest: collectedGauge(
    'consumer_retrying_oldest_seconds',
    'How long the oldest record being retried has been failing (0: none): a partition that stopped moving.',
    ['group'],
  ),
  deadLettered: counter('events_dead_lettered_total', 'Events this process moved to a dead-letter topic.', [
    'group',
    'topic',
  ]),
  dlqSize: collectedGauge('dlq_events', 'Records in a dead-letter topic (reported by the topic owner).', [
    'topic',
  ]),
  // SQLite.
  dbTransactionDuration: histogram(
    'db_transaction_duration_seconds',
    'SQLite write transactions (queued behind the process write lock included), by kind.',
    ['kind'],
  ),
  // Live subscriptions (router).
  subscriptionGauge: collectedGauge(
    'router_subscriptions',
    'Live subscription counts: clients (WebSockets), watchers, groups, upstreams.',
    ['kind'],
  ),
  subscriptionFanout: histogram(
    'router_subscription_fanout_duration_seconds',
    'Time from an upstream event to its results being queued for every watcher.',
    ['field'],
  ),
} as const;

/**
 * The router's per-subgraph fetch observer for {@link instrumentFetch}: the labelled histogram
 * children are resolved once per subgraph and outcome, not hashed on every fetch.
 */
export function subgraphFetchObserver(subgraph: string): (seconds: number, outcome: string) => void {
  const children = new Map<string, client.Histogram.Internal<'subgraph' | 'outcome'>>();
  return (seconds, outcome) => {
    let child = children.get(outcome);
    if (!child) {
      child = metrics.subgraphFetchDuration.labels({ subgraph, outcome });
      children.set(outcome, child);
    }
    child.observe(seconds);
  };
}

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Caps a label's distinct values (client-chosen operation names) so a client cannot blow up cardinality. */
export function boundedLabel(seen: Set<string>, value: string, max = 200): string {
  if (seen.has(value)) return value;
  if (seen.size >= max) return 'other';
  seen.add(value);
  return value;
}

/** Serves the registry in the Prometheus text format (GET `/metrics`). */
export async function metricsRoute(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await metricsRegistry.metrics();
  res.statusCode = 200;
  res.setHeader('content-type', metricsRegistry.contentType);
  res.end(body);
}
