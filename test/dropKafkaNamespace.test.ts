import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dropKafkaNamespace } from './harness/dropKafkaNamespace.js';

/** Against the real broker of test/setup/kafkaGlobalSetup.ts, else KAFKA_BROKERS. */
const brokers = inject('kafkaBrokers') || process.env.KAFKA_BROKERS;

describe.skipIf(!brokers)('dropKafkaNamespace (real broker)', () => {
  const kafka = new Kafka({
    brokers: (brokers ?? '').split(','),
    clientId: 'drop-test',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  afterAll(() => admin.disconnect());

  it("deletes one namespace's topics and consumer groups, and nothing of another namespace", async () => {
    const mine = `drop-${randomUUID().slice(0, 8)}`;
    const other = `${mine}x`; // shares the prefix without the dot: must survive
    await admin.connect();
    const topics = [`${mine}.order.events`, `${mine}.order.events.dlq`, `${other}.order.events`];
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
    // A group with committed offsets, as each service's consumer leaves behind.
    await admin.setOffsets({
      groupId: `${mine}.store`,
      topic: topics[0]!,
      partitions: [{ partition: 0, offset: '0' }],
    });

    const dropped = await dropKafkaNamespace(brokers!, mine);

    expect(dropped).toEqual({ topics: 2, groups: 1 });
    // A fresh client: this one's metadata still names the deleted topics, and kafkajs refreshes it
    // (and fails) before every call.
    const check = kafka.admin();
    await check.connect();
    const left = (await check.listTopics()).filter((t) => t.startsWith(mine));
    expect(left).toEqual([`${other}.order.events`]);
    const groups = (await check.listGroups()).groups.map((g) => g.groupId);
    expect(groups).not.toContain(`${mine}.store`);
    await check.deleteTopics({ topics: [`${other}.order.events`] });
    await check.disconnect();
  });

  it('returns at once, deleting nothing, when nothing listens on the broker address', async () => {
    const started = Date.now();
    // A port nothing listens on: the connection is refused.
    const dropped = await dropKafkaNamespace('127.0.0.1:1', 'nothing', 3000);
    expect(dropped).toEqual({ topics: 0, groups: 0 });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up at its time limit when the broker accepts the connection and never answers', async () => {
    // Accepts and reads, never writes: kafkajs waits for an answer to its first request.
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const dropped = await dropKafkaNamespace(`127.0.0.1:${port}`, 'nothing', 2000);
      const took = Date.now() - started;
      expect(dropped).toEqual({ topics: 0, groups: 0 });
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(6000);
    } finally {
      silent.close();
    }
  });
});
