import type { EventEnvelope } from '../events/EventEnvelope.js';

/** One record to append: Kafka's model (topic, key, value + headers derived from the envelope). */
export interface OutgoingRecord {
  topic: string;
  /** Partitioning key; the order id for saga events so one order's events stay in order. */
  key: string;
  envelope: EventEnvelope;
  /** Extra headers beside those derived from the envelope (dead-letter context, for example). */
  extraHeaders?: Record<string, string>;
}

export interface DeliveredRecord {
  topic: string;
  partition: number;
  /** Offset as a decimal string (Kafka offsets exceed 2^53 in theory). */
  offset: string;
  key: string | null;
  envelope: EventEnvelope;
  headers: Record<string, string>;
}

export interface TopicSpec {
  name: string;
  /** Default: the transport's default (4 embedded, KAFKA_PARTITIONS on Kafka). */
  partitions?: number;
  /** Kafka only; default KAFKA_REPLICATION_FACTOR or 1. */
  replicationFactor?: number;
}

export interface SubscribeOptions {
  /** Consumer group: each group gets every record once (at least once), offsets kept per group. */
  group: string;
  topics: string[];
  /**
   * Called for one record at a time per partition, in offset order. The offset is committed only
   * after it resolves. A rejection is retried with backoff; only an error no retry can fix is
   * dead-lettered (see `classifyFailure` in deliverWithRetry.ts): transient errors wait without limit.
   */
  handler: (record: DeliveredRecord) => Promise<void>;
  /** Attempts before a record failing with a permanent error goes to `<topic>.dlq`. Default 3. */
  maxAttempts?: number;
  /** How long an `UnknownEntityError` is retried before the DLQ. Default EVENT_UNKNOWN_ENTITY_RETRY_MS or 60000. */
  unknownEntityRetryMs?: number;
  /** Longest backoff between two attempts, in ms. Default 5000. */
  maxRetryDelayMs?: number;
  /**
   * Identity of the store the handler writes to (the service database's instance id). The embedded
   * log records it with the group and refuses a member writing to a different database: two
   * replicas on their own SQLite files would split the group's events. Unset: no check.
   */
  storeId?: string;
}

/** What /health and /ready report about one subscription. */
export interface ConsumerStatus {
  group: string;
  topics: string[];
  /**
   * running: consuming (or standing by while another member holds the group);
   * restarting: the loop failed outside the handler and restarts after a backoff;
   * stopped: stop() was called.
   */
  state: 'running' | 'restarting' | 'stopped';
  /** True while this member holds the group (embedded: the lease; Kafka: has joined the group). */
  active: boolean;
  /** Records not yet committed by the group (embedded: exact; Kafka: as of the last fetch). Null when unknown. */
  lag: number | null;
  /** Loop restarts after a failure outside the handler, since start. */
  restarts: number;
  /** Records this member dead-lettered since start. */
  deadLettered: number;
  /** The last failure outside the handler, while not yet recovered. */
  lastError: string | null;
  /**
   * Records whose handler failed and that wait to be tried again, oldest first (empty when none).
   * While one waits, its partition waits behind it (docs/events.md), so a long
   * `since` here is a partition that has stopped moving.
   */
  retrying: RetryingRecord[];
}

/** A record being retried: where it is, what failed last and since when. */
export interface RetryingRecord {
  topic: string;
  partition: number;
  offset: string;
  eventId: string;
  type: string;
  /** Failed attempts so far. */
  attempts: number;
  /** When the first attempt failed (ISO-8601). */
  since: string;
  /** The last attempt's error. */
  error: string;
}

export interface ConsumerHandle {
  /** Stop consuming; in-flight handler completes first. */
  stop(): Promise<void>;
  /** Where this subscription stands (health). */
  status(): Promise<ConsumerStatus>;
}

/**
 * The one small interface every service talks to. Implementations: the embedded durable log
 * (default, SQLite file shared by the processes on one machine) and Kafka (KAFKA_BROKERS).
 */
export interface EventBus {
  readonly kind: 'embedded' | 'kafka';
  /** Create topics (and their dead-letter topics) if missing. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Append records in order; resolves once the log has durably accepted all of them. */
  publish(records: OutgoingRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<ConsumerHandle>;
  /** True when the transport is reachable (used by /ready). */
  isHealthy(): Promise<boolean>;
  /**
   * Moves a consumer group back to the beginning of `topics`, so its next start replays them
   * (read-model rebuilds). The group must have no running member. Optional: a transport without
   * it cannot rebuild read models.
   */
  resetGroup?(group: string, topics: string[]): Promise<void>;
  /** Records currently held in `topic` (metrics: dead-letter topic size). Optional. */
  topicSize?(topic: string): Promise<number>;
  close(): Promise<void>;
}

export const dlqTopic = (topic: string): string => `${topic}.dlq`;
