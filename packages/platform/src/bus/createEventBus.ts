import type { ServiceConfig } from '../config.js';
import { envInt } from '../config.js';
import { redoableSynchronousFromEnv, synchronousFromEnv } from '../db/Database.js';
import { EmbeddedEventBus } from './EmbeddedEventBus.js';
import type { EventBus } from './EventBus.js';
import { NamespacedEventBus } from './NamespacedEventBus.js';

/**
 * Picks the transport: Kafka when KAFKA_BROKERS is set, else the embedded durable log.
 * Everything above this line is transport-agnostic.
 */
export async function createEventBus(
  config: Pick<ServiceConfig, 'name' | 'kafkaBrokers' | 'eventLogPath'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EventBus> {
  if (config.kafkaBrokers) {
    const { KafkaEventBus } = await import('./KafkaEventBus.js');
    const kafka = new KafkaEventBus({
      brokers: config.kafkaBrokers,
      clientId: `baemin-${config.name}`,
      defaultPartitions: envInt(env, 'KAFKA_PARTITIONS', 6),
      replicationFactor: envInt(env, 'KAFKA_REPLICATION_FACTOR', 1),
      // EVENTLOG_BATCH_COMMITS=0: one offset commit per record (the behaviour before, for benchmarks).
      batchCommits: env.EVENTLOG_BATCH_COMMITS !== '0',
    });
    // KAFKA_NAMESPACE: prefix for topics and groups, for clusters shared between deployments.
    return env.KAFKA_NAMESPACE ? new NamespacedEventBus(kafka, env.KAFKA_NAMESPACE) : kafka;
  }
  return new EmbeddedEventBus({
    path: config.eventLogPath,
    defaultPartitions: envInt(env, 'EVENTLOG_PARTITIONS', 4),
    leaseMs: envInt(env, 'EVENTLOG_LEASE_MS', 5000),
    busyTimeoutMs: envInt(env, 'EVENTLOG_BUSY_TIMEOUT_MS', 10_000),
    synchronous: synchronousFromEnv(env),
    consumerSynchronous: redoableSynchronousFromEnv(env),
    // EVENTLOG_BATCH_COMMITS=0: one offset commit per record (the behaviour before, for benchmarks).
    batchCommits: env.EVENTLOG_BATCH_COMMITS !== '0',
  });
}
