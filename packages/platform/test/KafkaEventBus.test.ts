import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumerHandle, DeliveredRecord } from '../src/bus/EventBus.js';
import { PermanentEventError } from '../src/bus/deliverWithRetry.js';
import { KafkaEventBus } from '../src/bus/KafkaEventBus.js';
import { partitionFor } from '../src/bus/partitionFor.js';
import { createEnvelope, encodeEnvelope, envelopeHeaders } from '../src/events/EventEnvelope.js';
import { freePort } from '../src/testing/freePort.js';
import { waitFor } from '../src/testing/waitFor.js';

/**
 * Against a real broker: the one test/setup/kafkaGlobalSetup.ts provides, else KAFKA_BROKERS (e.g.
 * from `scripts/kafka.sh start`). The broker-restart test starts and stops a second, private broker
 * through scripts/kafka.sh on free ports, so it never disturbs the shared one.
 */
const brokersEnv = inject('kafkaBrokers') || process.env.KAFKA_BROKERS;
const brokers = (brokersEnv ?? '').split(',').filter(Boolean);
const kafkaScript = fileURLToPath(new URL('../../../scripts/kafka.sh', import.meta.url));

const uid = () => randomUUID().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function event(orderId: string, type: string, payload: unknown) {
  return createEnvelope('test', { type, correlationId: orderId, payload });
}

describe.skipIf(!brokersEnv)('KafkaEventBus (real broker)', () => {
  let bus: KafkaEventBus;
  const handles: ConsumerHandle[] = [];
  const raw = new Kafka({ brokers, clientId: 'kafka-bus-test', logLevel: logLevel.NOTHING });

  beforeAll(() => {
    bus = new KafkaEventBus({ brokers, clientId: 'kafka-bus-test', defaultPartitions: 3 });
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop()));
  });
  afterAll(async () => {
    await bus.close();
  });

  async function subscribe(
    topic: string,
    group: string,
    handler: (r: DeliveredRecord) => Promise<void>,
    maxAttempts?: number,
  ) {
    const handle = await bus.subscribe({ group, topics: [topic], handler, maxAttempts });
    handles.push(handle);
    return handle;
  }

  it('publishes key, value and headers as documented and delivers them back', async () => {
    const topic = `bus-roundtrip-${uid()}`;
    await bus.ensureTopics([{ name: topic }]);
    const envelope = {
      ...event('order-1', 'OrderPlaced', { total: 12000 }),
      causationId: 'cause-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    await bus.publish([{ topic, key: 'order-1', envelope, extraHeaders: { 'x-extra': 'yes' } }]);

    // What is on the topic, read by a plain kafkajs consumer.
    const consumer = raw.consumer({ groupId: `verify-${uid()}` });
    const seen: {
      partition: number;
      key: string | undefined;
      value: string | undefined;
      headers: Record<string, string>;
    }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        seen.push({ partition, key: message.key?.toString(), value: message.value?.toString(), headers });
      },
    });
    try {
      await waitFor(() => seen.length === 1, { timeoutMs: 20_000, what: 'raw message' });
    } finally {
      await consumer.disconnect();
    }
    expect(seen[0]).toEqual({
      partition: partitionFor('order-1', 3),
      key: 'order-1',
      value: encodeEnvelope(envelope),
      headers: { ...envelopeHeaders(envelope), 'x-extra': 'yes' },
    });
    expect(seen[0]?.headers['causation-id']).toBe('cause-1');
    expect(seen[0]?.headers.traceparent).toBe(envelope.traceparent);

    // The same record through the bus.
    const delivered: DeliveredRecord[] = [];
    await subscribe(topic, `g-${uid()}`, async (r) => {
      delivered.push(r);
    });
    await waitFor(() => delivered.length === 1, { timeoutMs: 20_000, what: 'bus delivery' });
    expect(delivered[0]).toMatchObject({
      topic,
      partition: partitionFor('order-1', 3),
      offset: '0',
      key: 'order-1',
      envelope,
      headers: { ...envelopeHeaders(envelope), 'x-extra': 'yes' },
    });

    // Topic and its DLQ exist with the documented settings.
    const admin = raw.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic, `${topic}.dlq`] });
      expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configNames: ['retention.ms', 'cleanup.policy', 'min.insync.replicas'],
          },
        ],
      });
      const entries = Object.fromEntries(
        (configs.resources[0]?.configEntries ?? []).map((c) => [c.configName, c.configValue]),
      );
      expect(entries).toEqual({
        'retention.ms': '-1',
        'cleanup.policy': 'delete',
        'min.insync.replicas': '1',
      });
    } finally {
      await admin.disconnect();
    }
    // Idempotent: a second call with topics that exist is a no-op.
    await bus.ensureTopics([{ name: topic }]);
    expect(await bus.isHealthy()).toBe(true);
  }, 40_000);

  it('ensureTopics resolves only once every partition of the new topics takes records', async () => {
    // A KRaft broker names a new partition's leader in its metadata a few ms before that leader
    // serves it, and answers a produce in between with NOT_LEADER_OR_FOLLOWER (the cause of a
    // flaky produce right after ensureTopics). A producer that never retries sees that window:
    // without the wait, most of these rounds fail on an idle machine.
    const producer = raw.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const failures: string[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const topic = `bus-fresh-${uid()}`;
        await bus.ensureTopics([{ name: topic, partitions: 6 }]);
        const messages = Array.from({ length: 6 }, (_, partition) => ({ partition, value: 'x' }));
        await producer
          .send({ topic, acks: -1, messages })
          .catch((err: Error) => failures.push(`round ${round}: ${err.message}`));
        // The dead-letter topic is created by the same call and must take records as well.
        await producer
          .send({ topic: `${topic}.dlq`, acks: -1, messages })
          .catch((err: Error) => failures.push(`round ${round} (dlq): ${err.message}`));
      }
    } finally {
      await producer.disconnect();
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('keeps per-key order across 3 partitions (500 records, 20 keys)', async () => {
    const topic = `bus-order-${uid()}`;
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    const keys = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    const records = Array.from({ length: 500 }, (_, i) => {
      const key = keys[i % 20]!;
      return { topic, key, envelope: event(key, 'Step', { seq: Math.floor(i / 20) }) };
    });
    // Several publish calls of different sizes, as the Outbox relay makes them.
    for (let i = 0; i < records.length; i += 73) await bus.publish(records.slice(i, i + 73));

    const byKey = new Map<string, { seq: number; partition: number }[]>();
    let total = 0;
    const handle = await subscribe(topic, `g-${uid()}`, async (r) => {
      if (Math.random() < 0.1) await sleep(1);
      const list = byKey.get(r.key!) ?? [];
      list.push({ seq: (r.envelope.payload as { seq: number }).seq, partition: r.partition });
      byKey.set(r.key!, list);
      total++;
    });
    await waitFor(() => total >= 500, { timeoutMs: 30_000, what: '500 records' });
    // Caught up on every partition: nothing more is coming (a redelivery would show as total > 500).
    await waitFor(async () => (await handle.status()).lag === 0, { timeoutMs: 30_000, what: 'lag 0' });
    expect(total).toBe(500);
    const partitionsUsed = new Set<number>();
    for (const key of keys) {
      const list = byKey.get(key) ?? [];
      expect(list.map((x) => x.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect(new Set(list.map((x) => x.partition))).toEqual(new Set([partitionFor(key, 3)]));
      partitionsUsed.add(partitionFor(key, 3));
    }
    expect(partitionsUsed.size).toBe(3);
  }, 60_000);

  it('keeps committed offsets across a consumer restart, and resetGroup rewinds them', async () => {
    const topic = `bus-offsets-${uid()}`;
    const group = `g-${uid()}`;
    await bus.ensureTopics([{ name: topic }]);
    const publish = (from: number, n: number) =>
      bus.publish(
        Array.from({ length: n }, (_, i) => ({
          topic,
          key: `k${(from + i) % 4}`,
          envelope: event('o', 'N', { n: from + i }),
        })),
      );
    await publish(0, 10);

    const first: number[] = [];
    const h1 = await subscribe(topic, group, async (r) => {
      first.push((r.envelope.payload as { n: number }).n);
    });
    await waitFor(() => first.length === 10, { timeoutMs: 20_000, what: 'first 10' });
    await h1.stop();

    await publish(10, 5);
    const second: number[] = [];
    const h2 = await subscribe(topic, group, async (r) => {
      second.push((r.envelope.payload as { n: number }).n);
    });
    await waitFor(() => second.length === 5, { timeoutMs: 20_000, what: 'next 5' });
    // An old record replayed from a lost commit would precede the new one of its key: lag 0 = all came.
    await waitFor(async () => (await h2.status()).lag === 0, { timeoutMs: 20_000, what: 'lag 0' });
    expect(second.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14]);
    await h2.stop();

    await bus.resetGroup(group, [topic]);
    const third: number[] = [];
    await subscribe(topic, group, async (r) => {
      third.push((r.envelope.payload as { n: number }).n);
    });
    await waitFor(() => third.length === 15, { timeoutMs: 20_000, what: 'all 15 after reset' });
    expect(third.sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
  }, 60_000);

  it('stop() waits for the in-flight record and commits it; a record failing while stopping is redelivered', async () => {
    const topic = `bus-stop-${uid()}`;
    const group = `g-${uid()}`;
    await bus.ensureTopics([{ name: topic }]);
    const publish = (n: number) => bus.publish([{ topic, key: 'k', envelope: event('k', 'N', { n }) }]);
    const numberOf = (r: DeliveredRecord) => (r.envelope.payload as { n: number }).n;
    await publish(1);
    await publish(2);

    // A slow handler in flight when stop() is called: it finishes and its offset is committed.
    let started = false;
    const done: number[] = [];
    const h1 = await subscribe(topic, group, async (r) => {
      started = true;
      await sleep(1500);
      done.push(numberOf(r));
    });
    await waitFor(() => started, { timeoutMs: 20_000, what: 'slow handler to start' });
    await h1.stop();
    expect(done).toEqual([1]);

    // A handler failing while the consumer stops: not committed, not dead-lettered.
    let failures = 0;
    const h2 = await subscribe(topic, group, async () => {
      failures++;
      throw new Error('not yet');
    });
    await waitFor(() => failures === 1, { timeoutMs: 20_000, what: 'first failure' });
    await h2.stop();

    const third: number[] = [];
    const h3 = await subscribe(topic, group, async (r) => {
      third.push(numberOf(r));
    });
    await waitFor(() => third.length === 1, { timeoutMs: 20_000, what: 'record 2 again' });
    await waitFor(async () => (await h3.status()).lag === 0, { timeoutMs: 20_000, what: 'lag 0' });
    expect(third).toEqual([2]);
    expect(await bus.readTopic(`${topic}.dlq`, { timeoutMs: 5000 })).toEqual([]);
  }, 60_000);

  it('redelivers a record whose handler failed once, in order, without dead-lettering', async () => {
    const topic = `bus-retry-${uid()}`;
    await bus.ensureTopics([{ name: topic }]);
    const envs = [1, 2, 3].map((n) => event('order-r', 'Step', { n }));
    await bus.publish(envs.map((envelope) => ({ topic, key: 'order-r', envelope })));

    const calls: number[] = [];
    const handled: number[] = [];
    await subscribe(topic, `g-${uid()}`, async (r) => {
      const n = (r.envelope.payload as { n: number }).n;
      calls.push(n);
      if (n === 2 && calls.filter((c) => c === 2).length === 1) throw new Error('transient');
      handled.push(n);
    });
    await waitFor(() => handled.length === 3, { timeoutMs: 20_000, what: 'three handled' });
    expect(calls).toEqual([1, 2, 2, 3]);
    expect(handled).toEqual([1, 2, 3]);
    expect(await bus.readTopic(`${topic}.dlq`, { timeoutMs: 5000 })).toEqual([]);
  }, 40_000);

  it('a record handled for longer than the session timeout is handled once, with no rebalance', async () => {
    // The broker's smallest allowed session timeout (group.min.session.timeout.ms, 6 s); the
    // handler takes 2.5 times that. Without heartbeats during the handler the member is evicted,
    // its commit refused, and the record handled a second time.
    const sessionTimeoutMs = 6000;
    const slowBus = new KafkaEventBus({
      brokers,
      clientId: 'kafka-bus-slow',
      defaultPartitions: 1,
      sessionTimeoutMs,
    });
    const topic = `bus-slow-${uid()}`;
    const group = `g-slow-${uid()}`;
    const admin = raw.admin();
    try {
      await admin.connect();
      await slowBus.ensureTopics([{ name: topic }]);
      const envelope = event('order-slow', 'Slow', { n: 1 });
      await slowBus.publish([{ topic, key: 'order-slow', envelope }]);
      const started: number[] = [];
      const finished: number[] = [];
      const handle = await slowBus.subscribe({
        group,
        topics: [topic],
        handler: async () => {
          started.push(Date.now());
          // Only the first delivery is slow: a redelivery would be quick, and counted.
          if (started.length === 1) await sleep(sessionTimeoutMs * 2.5);
          finished.push(Date.now());
        },
      });
      try {
        await waitFor(() => finished.length >= 1, { timeoutMs: 60_000, what: 'the slow handler to finish' });
        // Committed past the record by this member (a refused commit would leave it at -1).
        const committed = async () =>
          (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions[0]!.offset;
        await waitFor(async () => (await committed()) === '1', {
          timeoutMs: 30_000,
          intervalMs: 100,
          what: 'the offset committed past the slow record',
        });
        // Still one member, in the generation it joined: nobody took the partition over.
        const groups = await admin.describeGroups([group]);
        expect(groups.groups[0]!.state).toBe('Stable');
        expect(groups.groups[0]!.members).toHaveLength(1);
        expect(started).toHaveLength(1);
        expect(finished).toHaveLength(1);
      } finally {
        await handle.stop();
      }
    } finally {
      await admin.disconnect();
      await slowBus.close();
    }
  }, 120_000);

  it('dead-letters a poison record (and a malformed one) without blocking later records', async () => {
    const topic = `bus-poison-${uid()}`;
    const group = `g-${uid()}`;
    await bus.ensureTopics([{ name: topic }]);
    const poison = event('order-p', 'Poison', { n: 1 });
    await bus.publish([
      { topic, key: 'order-p', envelope: poison },
      { topic, key: 'order-p', envelope: event('order-p', 'Fine', { n: 2 }) },
    ]);
    // An undecodable value written by someone else, on the same key (same partition).
    const producer = raw.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: 'order-p', value: 'not json', headers: { producer: 'rogue' } }],
    });
    await producer.disconnect();
    await bus.publish([{ topic, key: 'order-p', envelope: event('order-p', 'Fine', { n: 3 }) }]);

    const handled: number[] = [];
    let poisonCalls = 0;
    await subscribe(
      topic,
      group,
      async (r) => {
        if (r.envelope.type === 'Poison') {
          poisonCalls++;
          throw new PermanentEventError('cannot handle this');
        }
        handled.push((r.envelope.payload as { n: number }).n);
      },
      2,
    );
    await waitFor(() => handled.length === 2, { timeoutMs: 20_000, what: 'later records' });
    expect(handled).toEqual([2, 3]);
    expect(poisonCalls).toBe(2);

    const dlq = await bus.readTopic(`${topic}.dlq`, { timeoutMs: 10_000 });
    expect(dlq).toHaveLength(2);
    const [dead, malformed] = dlq.sort(
      (a, b) => Number(a.headers['dlq-source-offset']) - Number(b.headers['dlq-source-offset']),
    );
    expect(dead?.envelope).toEqual(poison);
    expect(dead?.key).toBe('order-p');
    expect(dead?.headers).toMatchObject({
      'dlq-error': 'cannot handle this',
      'dlq-group': group,
      'dlq-source-topic': topic,
      'dlq-source-offset': '0',
      'event-id': poison.id,
    });
    expect(malformed?.envelope).toMatchObject({
      type: 'MalformedMessage',
      producer: 'rogue',
      payload: { raw: 'not json' },
    });
    expect(malformed?.headers['dlq-source-offset']).toBe('2');
    expect(malformed?.headers['dlq-error']).toMatch(/not JSON/);

    // readTopic: limits and the tail.
    const all = await bus.readTopic(topic);
    expect(all.map((r) => r.offset)).toEqual(['0', '1', '2', '3']);
    expect(all[2]?.envelope.type).toBe('MalformedMessage');
    expect((await bus.readTopic(topic, { limit: 2 })).map((r) => r.offset)).toEqual(['0', '1']);
    expect((await bus.readTopic(topic, { fromBeginning: false, limit: 1 })).map((r) => r.offset)).toEqual([
      '3',
    ]);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// BROKER RESTART: stops and restarts a private broker (scripts/kafka.sh) inside the test.
// ---------------------------------------------------------------------------------------------

const run = promisify(execFile);

describe.skipIf(!brokersEnv)(
  'KafkaEventBus with a broker that goes down (private broker, stop/start)',
  () => {
    let env: NodeJS.ProcessEnv;
    let dataDir: string;
    let bus: KafkaEventBus | null = null;
    const script = (cmd: 'start' | 'stop') => run('bash', [kafkaScript, cmd], { env, timeout: 120_000 });

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'kafka-restart-'));
      env = {
        ...process.env,
        KAFKA_PORT: String(await freePort()),
        KAFKA_CONTROLLER_PORT: String(await freePort()),
        KAFKA_DATA_DIR: dataDir,
      };
      await script('start');
    }, 120_000);
    afterAll(async () => {
      await bus?.close();
      await script('stop').catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('rejects a publish within seconds while the broker is down, then recovers (producer and consumer)', async () => {
      const restarted = new KafkaEventBus({
        brokers: [`127.0.0.1:${env.KAFKA_PORT}`],
        clientId: 'restart-test',
        defaultPartitions: 2,
      });
      bus = restarted;
      const topic = `bus-restart-${uid()}`;
      await bus.ensureTopics([{ name: topic }]);
      const received: number[] = [];
      const handle = await bus.subscribe({
        group: `g-${uid()}`,
        topics: [topic],
        handler: async (r) => {
          received.push((r.envelope.payload as { n: number }).n);
        },
      });
      await bus.publish([{ topic, key: 'a', envelope: event('a', 'N', { n: 1 }) }]);
      await waitFor(() => received.length === 1, { timeoutMs: 20_000, what: 'first record' });

      await script('stop');
      const t0 = Date.now();
      await expect(bus.publish([{ topic, key: 'a', envelope: event('a', 'N', { n: 2 }) }])).rejects.toThrow();
      const rejectedAfter = Date.now() - t0;
      expect(rejectedAfter).toBeLessThan(10_000);
      // Once its cache (1 s) has expired, health reports the broker gone.
      await waitFor(async () => (await restarted.isHealthy()) === false, {
        timeoutMs: 5000,
        what: 'unhealthy',
      });
      // The consumer lost its broker: reported (not active, restarting, with the error) until it rejoined.
      const down = await waitFor(
        async () => {
          const status = await handle.status();
          return status.state === 'restarting' && !status.active ? status : null;
        },
        { timeoutMs: 45_000, intervalMs: 200, what: 'the consumer failure to be reported' },
      );
      expect(down.lastError).toBeTruthy();
      expect(down.restarts).toBeGreaterThan(0);

      await script('start');
      const t1 = Date.now();
      // As the Outbox relay does: the same record again (it was never acked).
      await bus.publish([{ topic, key: 'a', envelope: event('a', 'N', { n: 2 }) }]);
      const publishedAfter = Date.now() - t1;
      await waitFor(() => received.length === 2, { timeoutMs: 30_000, what: 'record after restart' });
      const consumedAfter = Date.now() - t1;
      expect(received).toEqual([1, 2]);
      await waitFor(() => restarted.isHealthy(), { timeoutMs: 5000, what: 'healthy again' });
      // The lag is as of the consumer's last fetch: wait for the fetch after record 2's commit.
      await waitFor(async () => (await handle.status()).lag === 0, { timeoutMs: 10_000, what: 'lag 0' });
      expect(await handle.status()).toMatchObject({
        state: 'running',
        active: true,
        lastError: null,
        lag: 0,
      });
      await handle.stop();
      console.info(
        `broker restart: publish to the dead broker rejected after ${rejectedAfter} ms; after the restart ` +
          `publish acked after ${publishedAfter} ms, consumer caught up after ${consumedAfter} ms`,
      );
    }, 90_000);
  },
);
