import type { ConsumerHandle, EventBus, OutgoingRecord, SubscribeOptions, TopicSpec } from './EventBus.js';

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
      handler: (record) => {
        const headers = record.headers['dlq-source-topic']
          ? { ...record.headers, 'dlq-source-topic': this.unwrap(record.headers['dlq-source-topic']) }
          : record.headers;
        return options.handler({ ...record, topic: this.unwrap(record.topic), headers });
      },
    });
  }

  async resetGroup(group: string, topics: string[]): Promise<void> {
    if (!this.inner.resetGroup) throw new Error(`${this.inner.kind} bus cannot reset consumer groups`);
    await this.inner.resetGroup(
      this.wrap(group),
      topics.map((t) => this.wrap(t)),
    );
  }

  isHealthy(): Promise<boolean> {
    return this.inner.isHealthy();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
