import type { Consumer, ConsumerConfig, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { decodeEnvelope } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import {
  type DeliveryHooks,
  deadLetter,
  deliverWithRetry,
  malformedEnvelope,
  RetryBoard,
  retryPolicyOf,
} from './deliverWithRetry.js';
import type { ConsumerStatus, DeliveredRecord, EventBus, SubscribeOptions } from './EventBus.js';

const RESTART_DELAY_MS = 5000;

/** Longest a handled record waits for its offset commit while its batch goes on. */
const COMMIT_AFTER_MS = 50;

/** One `subscribe()`: a kafkajs consumer in the group, replaced if kafkajs gives up on it. */
export class KafkaSubscription {
  private consumer: Consumer | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;
  private state: ConsumerStatus['state'] = 'running';
  /** Records whose handler failed and that wait to be tried again (status). */
  private readonly retrying = new RetryBoard();
  private joined = false;
  private restarts = 0;
  private deadLettered = 0;
  private lastError: string | null = null;
  /** Per partition: high watermark of the last fetch minus our next offset. */
  private readonly lag = new Map<string, bigint>();
  /**
   * Per partition: the next offset of records handled by batches that have ended, not committed
   * yet. The last batch of a fetch to end commits them all in one OffsetCommit (see endBatch).
   */
  private readonly ended = new Map<
    string,
    { topic: string; partition: number; next: bigint; high: bigint }
  >();
  /** When the oldest entry of `ended` was added (0: none). */
  private endedSince = 0;
  /** Batches of this consumer being handled now. */
  private batchesRunning = 0;
  /** Per partition paused for a failed record: the timer that resumes it when the record is due. */
  private readonly resumeTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly bus: Pick<EventBus, 'publish'>,
    private readonly kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly config: ConsumerConfig,
    /** false: one offset commit per record (EVENTLOG_BATCH_COMMITS=0, for comparison). */
    private readonly batchCommits = true,
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
      // A new generation: partitions may have moved, and a commit for one this member no longer owns
      // could move its new owner's offset back. Their records are redelivered instead (at least once).
      this.ended.clear();
      this.endedSince = 0;
      // The records this member was retrying may now be another member's (which starts afresh);
      // those it keeps are fetched again, as the paused partitions are resumed when they are due.
      this.retrying.clear();
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
      retrying: this.retrying.list(),
    };
  }

  /** Disconnects after the in-flight record; a record aborted by stopping stays uncommitted. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.joined = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const timer of this.resumeTimers.values()) clearTimeout(timer);
    this.resumeTimers.clear();
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
    pause,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const lagKey = `${topic}/${partition}`;
    const high = BigInt(batch.highWatermark);
    const first = batch.messages[0];
    if (first) this.lag.set(lagKey, high - BigInt(first.offset));
    const gone = () => this.stopping || !isRunning() || isStale();
    // Handled records whose offset is not committed yet: committed with the other batches of the
    // fetch once the batch ends (see endBatch), or sooner once the oldest waited COMMIT_AFTER_MS (a
    // long batch: then the partition alone). A failed commit throws into kafkajs, which fetches
    // the records again: at least once.
    let pending = null as { offset: string; next: bigint; since: number } | null;
    const commitPending = async () => {
      if (!pending) return;
      const { offset, next } = pending;
      pending = null;
      // Anything an ended batch left for this partition is older: never commit it after this.
      this.ended.delete(lagKey);
      await commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: next.toString() }] }],
      });
      resolveOffset(offset);
      this.lag.set(lagKey, high > next ? high - next : 0n);
      await heartbeat();
    };
    this.batchesRunning++;
    try {
      for (const message of batch.messages) {
        if (gone()) break;
        // Heartbeats while a record waits between retries keep the session (a failed heartbeat means a
        // rebalance: isStale() then aborts the record, which the new owner redelivers).
        const onWait = () => heartbeat().catch(() => undefined);
        const outcome = await this.whileHeartbeating(
          heartbeat,
          this.handle(topic, partition, message, { isStopping: gone, onWait }),
        );
        if (outcome === 'aborted') break;
        if (outcome === 'deferred') {
          // Failed, and due again later: pause only this partition until then. Its offset stays
          // unresolved, so kafkajs fetches the record again once resumed; the group's other
          // partitions go on meanwhile (kafkajs fetches again once every batch of this fetch ended).
          this.resumeWhenDue(topic, partition, pause());
          break;
        }
        // Only now is the record done.
        const next = BigInt(message.offset) + 1n;
        pending = { offset: message.offset, next, since: pending?.since ?? Date.now() };
        if (!this.batchCommits || Date.now() - pending.since >= COMMIT_AFTER_MS) await commitPending();
      }
    } catch (err) {
      this.batchesRunning--;
      // What was handled before the failure is done: commit it (best effort) before kafkajs retries.
      await commitPending().catch(() => undefined);
      await this.endBatch(commitOffsetsIfNecessary).catch(() => undefined);
      throw err;
    }
    this.batchesRunning--;
    if (!pending) return this.endBatch(commitOffsetsIfNecessary);
    // The batch is done: the next fetch starts after it, and its commit joins the fetch's one.
    resolveOffset(pending.offset);
    const known = this.ended.get(lagKey);
    if (!known || known.next < pending.next)
      this.ended.set(lagKey, { topic, partition, next: pending.next, high });
    if (this.endedSince === 0) this.endedSince = pending.since;
    await this.endBatch(commitOffsetsIfNecessary);
    await heartbeat();
  }

  /**
   * Commits the offsets of ended batches in one OffsetCommit when no other batch of this consumer
   * is still running: kafkajs hands out one fetch's batches and fetches again once all have ended,
   * so this is about one commit per fetch instead of one per partition in it (bench/saga.ts on
   * Kafka: 1.3–1.4 OffsetCommits per fetch instead of 2.2, which were half of the services'
   * requests to the broker). Or once the oldest waited COMMIT_AFTER_MS: the fetches of several
   * brokers may overlap without a pause. A failed commit throws into kafkajs, as a batch's own
   * commit did, and its offsets are kept for the next try: at least once either way.
   */
  private async endBatch(commit: EachBatchPayload['commitOffsetsIfNecessary']): Promise<void> {
    if (this.ended.size === 0) return;
    if (this.batchesRunning > 0 && Date.now() - this.endedSince < COMMIT_AFTER_MS) return;
    const offsets = [...this.ended.values()];
    this.ended.clear();
    this.endedSince = 0;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) {
      const partitions = byTopic.get(o.topic) ?? [];
      partitions.push({ partition: o.partition, offset: o.next.toString() });
      byTopic.set(o.topic, partitions);
    }
    try {
      await commit({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
    } catch (err) {
      for (const o of offsets) {
        const key = `${o.topic}/${o.partition}`;
        const newer = this.ended.get(key);
        if (!newer || newer.next < o.next) this.ended.set(key, o);
      }
      if (this.endedSince === 0) this.endedSince = Date.now();
      throw err;
    }
    for (const o of offsets)
      this.lag.set(`${o.topic}/${o.partition}`, o.high > o.next ? o.high - o.next : 0n);
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

  /** Resumes a partition paused for its failed record once that record is due (retrying.dueIn). */
  private resumeWhenDue(topic: string, partition: number, resume: () => void) {
    const key = `${topic}/${partition}`;
    clearTimeout(this.resumeTimers.get(key));
    const timer = setTimeout(
      () => {
        this.resumeTimers.delete(key);
        // Also after a rebalance: resuming a partition this member no longer has changes nothing.
        resume();
      },
      this.retrying.dueIn(topic, partition),
    );
    this.resumeTimers.set(key, timer);
  }

  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    hooks: DeliveryHooks,
  ): Promise<'done' | 'aborted' | 'deferred'> {
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
      retryPolicyOf(this.options),
      { ...hooks, retrying: this.retrying, defer: true },
    );
    if (outcome === 'dead-lettered') this.deadLettered++;
    return outcome === 'aborted' || outcome === 'deferred' ? outcome : 'done';
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
export function toRecordOrMalformed(
  topic: string,
  partition: number,
  message: KafkaMessage,
): DeliveredRecord {
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
