import type {
  ConsumerHandle,
  DeliveredRecord,
  EventBus,
  OutgoingRecord,
  SubscribeOptions,
  TopicSpec,
} from './EventBus.js';
import type { ReadTopicOptions } from './KafkaEventBus.js';

/** The read methods of the concrete transports (tools only; not part of EventBus). */
type ReadableBus = EventBus & {
  readTopic?: (topic: string, options?: ReadTopicOptions) => Promise<DeliveredRecord[]>;
  read?: (topic: string, fromOffset?: number, limit?: number) => DeliveredRecord[];
};

/**
 * Prefixes every topic and consumer group with `<namespace>.` so several deployments (staging and
 * production, or parallel test systems) can share one Kafka cluster without seeing each other's
 * events. Services keep using the plain names; delivered records carry the plain names too.
 */
export class NamespacedEventBus implements EventBus {
  private readonly prefix: string;

  constructor(
    private readonly inner: EventBus,
    namespace: string,
  ) {
    if (!/^[A-Za-z0-9._-]+$/.test(namespace)) throw new Error(`invalid bus namespace "${namespace}"`);
    this.prefix = `${namespace}.`;
  }

  get kind() {
    return this.inner.kind;
  }

  private wrap(name: string): string {
    return this.prefix + name;
  }

  private unwrap(name: string): string {
    return name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name;
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(topics.map((t) => ({ ...t, name: this.wrap(t.name) })));
  }

  publish(records: OutgoingRecord[]): Promise<void> {
    return this.inner.publish(records.map((r) => ({ ...r, topic: this.wrap(r.topic) })));
  }

  subscribe(options: SubscribeOptions): Promise<ConsumerHandle> {
    return this.inner.subscribe({
      ...options,
      group: this.wrap(options.group),
      topics: options.topics.map((t) => this.wrap(t)),
      handler: (record) => options.handler(this.unwrapRecord(record)),
    });
  }

  /**
   * Reads a topic of this namespace (tools: DLQ inspection and replay) through the inner bus's
   * `readTopic` (Kafka) or `read` (embedded log). Records carry the plain names, as in subscribe.
   */
  async readTopic(topic: string, options: ReadTopicOptions = {}): Promise<DeliveredRecord[]> {
    const inner = this.inner as ReadableBus;
    const name = this.wrap(topic);
    let records: DeliveredRecord[];
    if (inner.readTopic) records = await inner.readTopic(name, options);
    else if (inner.read) records = inner.read(name, 0, options.limit ?? 1000);
    else throw new Error(`${inner.kind} bus cannot read topics`);
    return records.map((r) => this.unwrapRecord(r));
  }

  private unwrapRecord(record: DeliveredRecord): DeliveredRecord {
    const source = record.headers['dlq-source-topic'];
    const headers = source ? { ...record.headers, 'dlq-source-topic': this.unwrap(source) } : record.headers;
    return { ...record, topic: this.unwrap(record.topic), headers };
  }

  async resetGroup(group: string, topics: string[]): Promise<void> {
    if (!this.inner.resetGroup) throw new Error(`${this.inner.kind} bus cannot reset consumer groups`);
    await this.inner.resetGroup(
      this.wrap(group),
      topics.map((t) => this.wrap(t)),
    );
  }

  async topicSize(topic: string): Promise<number> {
    return this.inner.topicSize ? this.inner.topicSize(this.wrap(topic)) : 0;
  }

  isHealthy(): Promise<boolean> {
    return this.inner.isHealthy();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
