import { randomUUID } from 'node:crypto';
import { type ConsumerConfig, Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { KafkaEventBus } from '../src/bus/KafkaEventBus.js';
import { KafkaSubscription } from '../src/bus/KafkaSubscription.js';
import { createEnvelope } from '../src/events/EventEnvelope.js';
import { waitFor } from '../src/testing/waitFor.js';

/** Against the real broker of test/setup/kafkaGlobalSetup.ts, else KAFKA_BROKERS. */
const brokersEnv = inject('kafkaBrokers') || process.env.KAFKA_BROKERS;
const brokers = (brokersEnv ?? '').split(',').filter(Boolean);
const uid = () => randomUUID().slice(0, 8);

describe.skipIf(!brokersEnv)('KafkaSubscription offset commits (real broker)', () => {
  const bus = new KafkaEventBus({ brokers, clientId: 'kafka-subscription-test', defaultPartitions: 6 });
  afterAll(() => bus.close());

  it('commits the batches of one fetch in one OffsetCommit, each partition up to its last record', async () => {
    const topic = `sub-commits-${uid()}`;
    const group = `g-${uid()}`;
    await bus.ensureTopics([{ name: topic, partitions: 6 }]);
    // Published before the consumer starts: its first fetch brings a batch from every partition.
    await bus.publish(
      Array.from({ length: 60 }, (_, i) => ({
        topic,
        key: `order-${i}`,
        envelope: createEnvelope('test', { type: 'N', correlationId: `order-${i}`, payload: { n: i } }),
      })),
    );

    // A real kafkajs client; the test only listens to the requests and batches of its consumer.
    const kafka = new Kafka({ brokers, clientId: 'kafka-subscription-test', logLevel: logLevel.NOTHING });
    const requests: string[] = [];
    const batchesOf = new Map<number, number>();
    const consumerOf = kafka.consumer.bind(kafka);
    kafka.consumer = (config: ConsumerConfig) => {
      const consumer = consumerOf(config);
      consumer.on(consumer.events.REQUEST, (e) => requests.push(e.payload.apiName));
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        if (e.payload.batchSize > 0)
          batchesOf.set(e.payload.partition, (batchesOf.get(e.payload.partition) ?? 0) + 1);
      });
      return consumer;
    };
    const handled = new Set<number>();
    const subscription = new KafkaSubscription(
      bus,
      kafka,
      {
        group,
        topics: [topic],
        handler: async (r) => {
          handled.add((r.envelope.payload as { n: number }).n);
        },
      },
      { groupId: group, maxWaitTimeInMs: 500, sessionTimeout: 10_000 },
    );
    await subscription.start(3);
    try {
      await waitFor(() => handled.size === 60, { timeoutMs: 30_000, what: 'all 60 records handled' });
      await waitFor(() => subscription.status().lag === 0, { timeoutMs: 30_000, what: 'lag 0' });
    } finally {
      await subscription.stop();
    }

    // Every handled record is committed: each partition's committed offset is its end.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const byPartition = new Map(committed!.partitions.map((p) => [p.partition, p.offset]));
      expect(ends).toHaveLength(6);
      for (const end of ends) expect(byPartition.get(end.partition)).toBe(end.high);
    } finally {
      await admin.disconnect();
    }

    const batches = [...batchesOf.values()].reduce((a, b) => a + b, 0);
    const commits = requests.filter((name) => name === 'OffsetCommit').length;
    expect(batchesOf.size).toBe(6);
    // One commit per batch would be `batches` (at least 6): the batches of a fetch share one.
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThanOrEqual(Math.floor(batches / 2));
  }, 60_000);
});
