import { randomUUID } from 'node:crypto';
import { type Admin, type ConsumerConfig, Kafka, type logCreator, logLevel } from 'kafkajs';
import { envInt } from '../config.js';
import { logger } from '../logger.js';
import {
  type ConsumerHandle,
  type DeliveredRecord,
  dlqTopic,
  type EventBus,
  type OutgoingRecord,
  type SubscribeOptions,
  type TopicSpec,
} from './EventBus.js';
import { fixKafkajsIdleTimer } from './kafkajsIdleTimerFix.js';
import { KafkaProducer } from './KafkaProducer.js';
import { KafkaSubscription, toRecordOrMalformed } from './KafkaSubscription.js';
import { LazyConnection } from './LazyConnection.js';

export interface KafkaEventBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Client id shown in broker logs and metrics, e.g. `baemin-order`. */
  clientId: string;
  /** Partitions for topics created without an explicit count. Default 6. */
  defaultPartitions?: number;
  /** Replication factor for created topics. Default 1 (single broker). */
  replicationFactor?: number;
  /**
   * Consumer session timeout in ms (a dead consumer's partitions move after this long; also how
   * long consumers need to resume after a broker restart). Must lie within the broker's
   * group.min/max.session.timeout.ms (default 6 s .. 30 min). Default KAFKA_SESSION_TIMEOUT_MS or 10000.
   */
  sessionTimeoutMs?: number;
  /**
   * Partitions one subscription works on at the same time (each partition still strictly in offset
   * order), so one record in retry backoff does not stall the other partitions. Default 3.
   */
  partitionsConsumedConcurrently?: number;
  /** kafkajs log level: nothing | error | warn | info | debug. Default KAFKA_LOG_LEVEL or warn. */
  logLevel?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Commit a partition's offsets once per fetched batch (or every 50 ms within a long one) rather
   * than once per record. Default true.
   */
  batchCommits?: boolean;
}

export interface ReadTopicOptions {
  /**
   * true: read from the start of each partition; false: only its newest `limit` records. Topics have
   * no order across partitions, so a capped result is simply partition by partition. Default true.
   */
  fromBeginning?: boolean;
  /** Most records returned. Default 1000. */
  limit?: number;
  /** Gives up (returning what was read so far) after this many ms. Default 10000. */
  timeoutMs?: number;
}

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** Routes kafkajs' own logs through the platform's JSON logger. */
const kafkaLogCreator: logCreator =
  () =>
  ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
    // Expected: retries are bounded on purpose (the Outbox relay retries, with a fresh producer).
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const text = `kafkajs ${namespace}: ${message}`;
    if (level === logLevel.ERROR) logger.error(text, fields);
    else if (level === logLevel.WARN) logger.warn(text, fields);
    else if (level === logLevel.INFO) logger.info(text, fields);
    else logger.debug(text, fields);
  };

/**
 * The event bus on Apache Kafka (kafkajs). Same semantics as the embedded log: keyed records
 * (murmur2 partitioner, as `partitionFor`), per-key order, at-least-once delivery with offsets
 * committed only after the handler succeeded, retries then `<topic>.dlq` via the shared
 * `deliverWithRetry`. Topics are created with infinite retention (retention.ms -1) so any read
 * model, e.g. the dashboard, can be rebuilt by replaying from offset 0.
 */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly defaultPartitions: number;
  private readonly replicationFactor: number;
  private readonly consumerConfig: Omit<ConsumerConfig, 'groupId'>;
  private readonly concurrency: number;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly producer: KafkaProducer;
  private readonly adminConnection: LazyConnection<Admin>;
  private health: { at: number; ok: Promise<boolean> } | null = null;
  private closed = false;

  constructor(private readonly options: KafkaEventBusOptions) {
    const env = options.env ?? process.env;
    fixKafkajsIdleTimer(env);
    const level = (options.logLevel ?? env.KAFKA_LOG_LEVEL ?? 'warn').toLowerCase();
    this.kafka = new Kafka({
      brokers: options.brokers,
      clientId: options.clientId,
      // Short and bounded: a dead broker must fail a publish within seconds (the Outbox relay
      // retries with its own backoff) instead of kafkajs' default ~30 s of reconnect attempts.
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 3 },
      logLevel: LOG_LEVELS[level] ?? logLevel.WARN,
      logCreator: kafkaLogCreator,
    });
    this.producer = new KafkaProducer(this.kafka);
    this.adminConnection = new LazyConnection(
      async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        return admin;
      },
      (admin) => admin.disconnect(),
    );
    this.defaultPartitions = options.defaultPartitions ?? 6;
    this.replicationFactor = options.replicationFactor ?? 1;
    const sessionTimeout = options.sessionTimeoutMs ?? envInt(env, 'KAFKA_SESSION_TIMEOUT_MS', 10_000);
    this.consumerConfig = {
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 10_000),
      heartbeatInterval: Math.max(100, Math.min(1000, Math.floor(sessionTimeout / 3))),
      // An idle fetch returns after 1 s, so stop() never waits long for a pending long poll.
      maxWaitTimeInMs: 1000,
      allowAutoTopicCreation: false,
    };
    this.concurrency = options.partitionsConsumedConcurrently ?? 3;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const wanted = topics.flatMap((t) => {
      const spec = {
        numPartitions: t.partitions ?? this.defaultPartitions,
        replicationFactor: t.replicationFactor ?? this.replicationFactor,
      };
      return [
        { topic: t.name, ...spec },
        { topic: dlqTopic(t.name), ...spec },
      ];
    });
    const missing = wanted.filter(
      (t, i) => !existing.has(t.topic) && wanted.findIndex((w) => w.topic === t.topic) === i,
    );
    if (missing.length === 0) return;
    // Returns false instead of throwing when another process created them first.
    await admin.createTopics({
      // kafkajs' own wait retries only LEADER_NOT_AVAILABLE, but a KRaft broker answers
      // UNKNOWN_TOPIC_OR_PARTITION until it has applied the new topic: waitForLeaders below.
      waitForLeaders: false,
      topics: missing.map((t) => ({
        ...t,
        configEntries: [
          // Keep every event forever: read models are rebuilt by replaying from the start.
          { name: 'retention.ms', value: '-1' },
          { name: 'cleanup.policy', value: 'delete' },
          // 1 on a single broker; with replicas, tolerate one broker down but no more.
          { name: 'min.insync.replicas', value: String(Math.max(1, t.replicationFactor - 1)) },
        ],
      })),
    });
    // Also when another process (services start in parallel) created them first: a subscribe or
    // send before the broker serves the topic fails. A topic already listed is not waited for (it
    // may be that fresh too, rarely): the producer's retries cover that window (KafkaProducer).
    await waitForLeaders(
      admin,
      missing.map((t) => t.topic),
    );
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('event bus closed');
    await this.producer.send(records);
  }

  async subscribe(options: SubscribeOptions): Promise<ConsumerHandle> {
    if (this.closed) throw new Error('event bus closed');
    await this.ensureTopics(options.topics.map((name) => ({ name })));
    const subscription = new KafkaSubscription(
      this,
      this.kafka,
      options,
      { groupId: options.group, ...this.consumerConfig },
      this.options.batchCommits ?? true,
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start(this.concurrency);
    } catch (err) {
      this.subscriptions.delete(subscription);
      await subscription.stop();
      throw err;
    }
    return {
      stop: async () => {
        await subscription.stop();
        this.subscriptions.delete(subscription);
      },
      status: async () => subscription.status(),
    };
  }

  /** Cluster metadata answered within 2 s; the result is cached for 1 s (it backs /ready). */
  async isHealthy(): Promise<boolean> {
    if (this.closed) return false;
    if (this.health && Date.now() - this.health.at < 1000) return this.health.ok;
    const pending = this.admin();
    const ok = withTimeout(
      pending.then((admin) => admin.describeCluster()),
      2000,
    ).then(
      () => true,
      () => {
        void this.adminConnection.discard(pending);
        return false;
      },
    );
    this.health = { at: Date.now(), ok };
    return ok;
  }

  /**
   * Rewinds a consumer group to the earliest offsets of `topics` (replay, read-model rebuild).
   * Kafka refuses while the group has active members: stop its consumers (in every process) first.
   */
  /** Records held in `topic` (high minus low watermark, summed over partitions); 0 when it does not exist. */
  async topicSize(topic: string): Promise<number> {
    const admin = await this.admin();
    const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
    return offsets.reduce((n, o) => n + Math.max(0, Number(o.high) - Number(o.low)), 0);
  }

  async resetGroup(group: string, topics: string[]): Promise<void> {
    const admin = await this.admin();
    for (const topic of topics) await admin.resetOffsets({ groupId: group, topic, earliest: true });
  }

  /**
   * Reads a topic up to its current end (tools: DLQ inspection and replay), through a throw-away
   * consumer group that commits nothing and is deleted afterwards. Sorted by partition, offset.
   */
  async readTopic(topic: string, options: ReadTopicOptions = {}): Promise<DeliveredRecord[]> {
    const { fromBeginning = true, limit = 1000, timeoutMs = 10_000 } = options;
    const admin = await this.admin();
    const ranges = new Map<number, { start: bigint; end: bigint; count: number }>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      const low = BigInt(o.low);
      const end = BigInt(o.high);
      const start = fromBeginning ? low : maxBigInt(low, end - BigInt(limit));
      if (start < end) ranges.set(o.partition, { start, end, count: 0 });
    }
    if (ranges.size === 0 || limit <= 0) return [];

    const groupId = `${this.options.clientId}-read-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, ...this.consumerConfig });
    const records: DeliveredRecord[] = [];
    const open = new Set(ranges.keys());
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = ranges.get(partition);
          const offset = BigInt(message.offset);
          if (!range || !open.has(partition) || offset < range.start) return;
          if (offset < range.end && range.count < limit) {
            records.push(toRecordOrMalformed(topic, partition, message));
            range.count++;
          }
          if (offset >= range.end - 1n || range.count >= limit) {
            open.delete(partition);
            consumer.pause([{ topic, partitions: [partition] }]);
            if (open.size === 0) finish();
          }
        },
      });
      if (!fromBeginning) {
        for (const [partition, range] of ranges)
          consumer.seek({ topic, partition, offset: String(range.start) });
      }
      const timedOut = await withTimeout(finished, timeoutMs).then(
        () => false,
        () => true,
      );
      if (timedOut)
        logger.warn('readTopic timed out; returning a partial read', { topic, read: records.length });
    } finally {
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
    records.sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset));
    return fromBeginning ? records.slice(0, limit) : records.slice(-limit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    await Promise.all([this.producer.close(), this.adminConnection.close()]);
  }

  private admin(): Promise<Admin> {
    if (this.closed) return Promise.reject(new Error('event bus closed'));
    return this.adminConnection.use();
  }
}

/**
 * Waits until every partition of `topics` has a leader that serves it: polled with a backoff from
 * 25 ms up to 500 ms, failing after `timeoutMs` (default 15 s) with the topics still waiting.
 *
 * A leader in the metadata is not enough. A KRaft broker publishes a new topic to its metadata cache
 * before its replica manager has created the partitions (BrokerMetadataPublisher: setImage, then
 * applyDelta); in between it names itself leader yet answers Produce with NOT_LEADER_OR_FOLLOWER.
 * ListOffsets is answered by that same replica manager, so once it succeeds for every partition
 * (fetchTopicOffsets asks each partition's leader), a produce does too.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waiting = [...new Set(topics)];
  let lastError: unknown = null;
  for (let delay = 25; ; delay = Math.min(500, delay * 2)) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: waiting });
      const led = new Set(
        meta.topics
          .filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
          .map((t) => t.name),
      );
      const served = await Promise.all(
        waiting.map(async (topic) => {
          if (!led.has(topic)) return false;
          try {
            await admin.fetchTopicOffsets(topic);
            return true;
          } catch (err) {
            lastError = err; // NOT_LEADER_OR_FOLLOWER until the replica manager has the partitions
            return false;
          }
        }),
      );
      waiting = waiting.filter((_, i) => !served[i]);
      if (waiting.length === 0) return;
    } catch (err) {
      lastError = err; // UNKNOWN_TOPIC_OR_PARTITION until the broker has the new topic's metadata
    }
    if (Date.now() + delay > deadline) {
      const reason = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(
        `Kafka topics ${waiting.join(', ')} still have partitions without a serving leader after ${timeoutMs} ms${reason}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const maxBigInt = (a: bigint, b: bigint) => (a > b ? a : b);
const compareOffsets = (a: string, b: string) => {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};
