import { randomUUID } from 'node:crypto';
import {
  type Admin,
  type Consumer,
  type ConsumerConfig,
  type EachBatchPayload,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  type logCreator,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { envInt } from '../config.js';
import { decodeEnvelope, encodeEnvelope } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import {
  type DeliveryHooks,
  deadLetter,
  deliverWithRetry,
  headersFor,
  malformedEnvelope,
} from './deliverWithRetry.js';
import {
  type ConsumerHandle,
  type ConsumerStatus,
  type DeliveredRecord,
  dlqTopic,
  type EventBus,
  type OutgoingRecord,
  type SubscribeOptions,
  type TopicSpec,
} from './EventBus.js';

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
  private producerPromise: Promise<Producer> | null = null;
  private adminPromise: Promise<Admin> | null = null;
  private health: { at: number; ok: Promise<boolean> } | null = null;
  private closed = false;

  constructor(private readonly options: KafkaEventBusOptions) {
    const env = options.env ?? process.env;
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
    // send before the broker knows the topic fails with UNKNOWN_TOPIC_OR_PARTITION.
    await waitForLeaders(
      admin,
      missing.map((t) => t.topic),
    );
  }

  async publish(records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('event bus closed');
    if (records.length === 0) return;
    // Consecutive records of one topic share an entry; kafkajs merges entries of the same topic in
    // order, so the whole call is one request per broker and per-partition order is the input order.
    const topicMessages: { topic: string; messages: { key: string; value: string; headers: IHeaders }[] }[] =
      [];
    for (const r of records) {
      const message = {
        key: r.key,
        value: encodeEnvelope(r.envelope),
        headers: headersFor(r.envelope, r.extraHeaders),
      };
      const last = topicMessages[topicMessages.length - 1];
      if (last?.topic === r.topic) last.messages.push(message);
      else topicMessages.push({ topic: r.topic, messages: [message] });
    }
    const pending = this.producer();
    try {
      const producer = await pending;
      await producer.sendBatch({ topicMessages, acks: -1 });
    } catch (err) {
      // A fresh producer (new connection, new producer id and sequence numbers) for the next try:
      // the simplest state to trust after a broker went away mid-request.
      this.discardProducer(pending);
      throw err;
    }
  }

  async subscribe(options: SubscribeOptions): Promise<ConsumerHandle> {
    if (this.closed) throw new Error('event bus closed');
    await this.ensureTopics(options.topics.map((name) => ({ name })));
    const subscription = new KafkaSubscription(this, this.kafka, options, {
      groupId: options.group,
      ...this.consumerConfig,
    });
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
        this.discardAdmin(pending);
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
    const producer = this.producerPromise;
    const admin = this.adminPromise;
    this.producerPromise = null;
    this.adminPromise = null;
    await Promise.all([
      producer?.then((p) => p.disconnect()).catch(() => {}),
      admin?.then((a) => a.disconnect()).catch(() => {}),
    ]);
  }

  /** One shared idempotent producer, connected on first use and replaced after any failure. */
  private producer(): Promise<Producer> {
    if (!this.producerPromise) {
      const producer = this.kafka.producer({
        idempotent: true,
        // With one request in flight a retried batch can never overtake the next one.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { initialRetryTime: 200, maxRetryTime: 1000, retries: 2 },
      });
      const pending = producer.connect().then(() => producer);
      pending.catch(() => this.discardProducer(pending));
      this.producerPromise = pending;
    }
    return this.producerPromise;
  }

  private discardProducer(pending: Promise<Producer>) {
    if (this.producerPromise !== pending) return;
    this.producerPromise = null;
    pending.then((p) => p.disconnect()).catch(() => {});
  }

  private admin(): Promise<Admin> {
    if (this.closed) return Promise.reject(new Error('event bus closed'));
    if (!this.adminPromise) {
      const admin = this.kafka.admin();
      const pending = admin.connect().then(() => admin);
      pending.catch(() => this.discardAdmin(pending));
      this.adminPromise = pending;
    }
    return this.adminPromise;
  }

  private discardAdmin(pending: Promise<Admin>) {
    if (this.adminPromise !== pending) return;
    this.adminPromise = null;
    pending.then((a) => a.disconnect()).catch(() => {});
  }
}

const RESTART_DELAY_MS = 5000;

/** One `subscribe()`: a kafkajs consumer in the group, replaced if kafkajs gives up on it. */
class KafkaSubscription {
  private consumer: Consumer | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;
  private state: ConsumerStatus['state'] = 'running';
  private joined = false;
  private restarts = 0;
  private deadLettered = 0;
  private lastError: string | null = null;
  /** Per partition: high watermark of the last fetch minus our next offset. */
  private readonly lag = new Map<string, bigint>();

  constructor(
    private readonly bus: KafkaEventBus,
    private readonly kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly config: ConsumerConfig,
  ) {}

  start(concurrency: number): Promise<void> {
    this.starting = this.connectAndRun(concurrency).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async connectAndRun(concurrency: number): Promise<void> {
    const consumer = this.kafka.consumer(this.config);
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer !== consumer) return;
      this.joined = true;
      this.state = 'running';
      this.lastError = null;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopping || this.consumer !== consumer) return;
      // Reported either way (health): until the group is joined again the consumer does no work.
      this.joined = false;
      this.state = 'restarting';
      this.restarts++;
      this.lastError = payload.error.message;
      logger.error('ALERT kafka consumer crashed', {
        alert: 'consumer-restarting',
        group: this.options.group,
        error: payload.error.message,
        restartedByClient: payload.restart,
      });
      // Retriable crashes (broker gone, coordinator moved) are restarted by kafkajs itself; anything
      // else leaves the consumer stopped, so start a fresh one after a pause.
      if (payload.restart) return;
      this.scheduleRestart(concurrency);
    });
    await consumer.connect();
    // A new group starts at the beginning so nothing published before its first start is missed.
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private scheduleRestart(concurrency: number) {
    if (this.stopping || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      logger.warn('restarting kafka consumer', { group: this.options.group });
      this.start(concurrency).catch((err) => {
        logger.error('kafka consumer restart failed', {
          group: this.options.group,
          error: (err as Error).message,
        });
        this.consumer?.disconnect().catch(() => {});
        this.scheduleRestart(concurrency);
      });
    }, RESTART_DELAY_MS);
  }

  status(): ConsumerStatus {
    let lag: bigint | null = null;
    for (const n of this.lag.values()) lag = (lag ?? 0n) + n;
    return {
      group: this.options.group,
      topics: this.options.topics,
      state: this.stopping ? 'stopped' : this.state,
      active: this.joined && !this.stopping,
      lag: lag === null ? null : Number(lag),
      restarts: this.restarts,
      deadLettered: this.deadLettered,
      lastError: this.lastError,
    };
  }

  /** Disconnects after the in-flight record; a record aborted by stopping stays uncommitted. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.joined = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // kafkajs ignores a disconnect that arrives while run() is still joining the group.
    await this.starting?.catch(() => {});
    await this.consumer?.disconnect().catch((err) => {
      logger.warn('kafka consumer disconnect failed', {
        group: this.options.group,
        error: (err as Error).message,
      });
    });
  }

  /**
   * One partition's batch, strictly in offset order. eachBatch rather than eachMessage because
   * kafkajs' `consumer.commitOffsets` silently does nothing once stop() has begun, which would lose
   * the commit of the record stop() waits for; the batch's own commit function always commits.
   */
  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const lagKey = `${topic}/${partition}`;
    const high = BigInt(batch.highWatermark);
    const first = batch.messages[0];
    if (first) this.lag.set(lagKey, high - BigInt(first.offset));
    const gone = () => this.stopping || !isRunning() || isStale();
    for (const message of batch.messages) {
      if (gone()) return;
      // Heartbeats while a record waits between retries keep the session (a failed heartbeat means a
      // rebalance: isStale() then aborts the record, which the new owner redelivers).
      const onWait = () => heartbeat().catch(() => undefined);
      const outcome = await this.whileHeartbeating(
        heartbeat,
        this.handle(topic, partition, message, { isStopping: gone, onWait }),
      );
      if (outcome === 'aborted') return;
      // Only now is the record done. A failed commit throws into kafkajs, which fetches the record
      // again: at least once.
      const next = BigInt(message.offset) + 1n;
      const offset = next.toString();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
      resolveOffset(message.offset);
      this.lag.set(lagKey, high > next ? high - next : 0n);
      await heartbeat();
    }
  }

  /**
   * kafkajs heartbeats only between batches and when asked to: one record handled for longer than
   * the session timeout (a slow downstream, retry backoff) would get this member evicted, its
   * partitions reassigned and the record handled again elsewhere. So heartbeat on an interval while
   * `work` runs. A failed heartbeat (a rebalance is under way) is left to kafkajs: the batch's
   * commit then fails and the record is redelivered, as before.
   */
  private async whileHeartbeating<T>(heartbeat: () => Promise<void>, work: Promise<T>): Promise<T> {
    let beating = false;
    const timer = setInterval(() => {
      if (beating) return;
      beating = true;
      heartbeat()
        .catch((err: unknown) =>
          logger.warn('kafka heartbeat during a long handler failed', {
            group: this.options.group,
            error: (err as Error).message,
          }),
        )
        .finally(() => {
          beating = false;
        });
    }, this.config.heartbeatInterval ?? 1000);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    hooks: DeliveryHooks,
  ): Promise<'done' | 'aborted'> {
    const { group } = this.options;
    let record: DeliveredRecord;
    try {
      record = toRecord(topic, partition, message);
    } catch (err) {
      const key = message.key?.toString('utf8') ?? null;
      const raw = message.value?.toString('utf8') ?? '';
      const producer = headerValue(message.headers?.producer) ?? 'unknown';
      await deadLetter(
        this.bus,
        group,
        { topic, partition, offset: message.offset, key, envelope: malformedEnvelope(raw, key, producer) },
        err,
      );
      this.deadLettered++;
      return 'done';
    }
    const outcome = await deliverWithRetry(
      this.bus,
      group,
      record,
      this.options.handler,
      {
        maxAttempts: this.options.maxAttempts,
        unknownEntityRetryMs: this.options.unknownEntityRetryMs,
        maxDelayMs: this.options.maxRetryDelayMs,
      },
      hooks,
    );
    if (outcome === 'dead-lettered') this.deadLettered++;
    return outcome === 'aborted' ? 'aborted' : 'done';
  }
}

/** Decodes a Kafka message; throws MalformedEventError when the value is not an envelope. */
function toRecord(topic: string, partition: number, message: KafkaMessage): DeliveredRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    headers: headersOf(message),
    envelope: decodeEnvelope(message.value),
  };
}

/** For tools: an undecodable message is shown wrapped, as the consumers would dead-letter it. */
function toRecordOrMalformed(topic: string, partition: number, message: KafkaMessage): DeliveredRecord {
  try {
    return toRecord(topic, partition, message);
  } catch {
    const key = message.key?.toString('utf8') ?? null;
    return {
      topic,
      partition,
      offset: message.offset,
      key,
      headers: headersOf(message),
      envelope: malformedEnvelope(message.value?.toString('utf8') ?? '', key),
    };
  }
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerValue(value);
    if (text !== undefined) headers[name] = text;
  }
  return headers;
}

function headerValue(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Polls the topics' metadata until every partition has a leader (default at most 15 s). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      const ready = meta.topics.filter(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (ready.length === topics.length) return;
    } catch (err) {
      lastError = err; // UNKNOWN_TOPIC_OR_PARTITION until the broker has the new topic's metadata
    }
    if (Date.now() > deadline) {
      const reason = lastError ? `: ${(lastError as Error).message}` : '';
      throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms${reason}`);
    }
    await new Promise((r) => setTimeout(r, 100));
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
