import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaEventBus } from '../src/bus/KafkaEventBus.js';
import { fixKafkajsIdleTimer } from '../src/bus/kafkajsIdleTimerFix.js';
import { createEnvelope } from '../src/events/EventEnvelope.js';

const brokersEnv = inject('kafkaBrokers') || process.env.KAFKA_BROKERS;
const brokers = (brokersEnv ?? '').split(',').filter(Boolean);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts kafkajs' looks at its connections' queues of waiting requests. */
function countQueueChecks(): { count: () => number; restore: () => void } {
  const require = createRequire(import.meta.url);
  const proto = (
    require('kafkajs/src/network/requestQueue/index.js') as { prototype: Record<string, unknown> }
  ).prototype;
  const original = proto.checkPendingRequests as (this: unknown) => void;
  let n = 0;
  proto.checkPendingRequests = function (this: unknown) {
    n++;
    return original.call(this);
  };
  return { count: () => n, restore: () => (proto.checkPendingRequests = original) };
}

describe.skipIf(!brokersEnv)('kafkajs idle timer (real broker)', () => {
  const topic = `idle-timer-${Date.now()}`;
  let bus: KafkaEventBus;

  beforeAll(async () => {
    bus = new KafkaEventBus({ brokers, clientId: 'idle-timer-test', defaultPartitions: 1 });
    await bus.ensureTopics([{ name: topic }]);
  });
  afterAll(async () => {
    await bus?.close();
  });

  it('an idle connection no longer looks at its empty queue a thousand times a second', async () => {
    expect(fixKafkajsIdleTimer()).toBe(process.env.KAFKAJS_IDLE_TIMER_FIX !== '0');
    const envelope = createEnvelope('test', { type: 'Ping', correlationId: 'c-1', payload: {} });
    // Connected and answered: where kafkajs 2.2.4 starts its loop on each connection.
    await bus.publish([{ topic, key: 'k', envelope }]);
    const checks = countQueueChecks();
    try {
      await sleep(500);
      // Nothing is sent in these 500 ms, so nothing to look at. Unpatched (KAFKAJS_IDLE_TIMER_FIX=0,
      // which also makes this test fail): 880 looks here, on the bus's two connections.
      expect(checks.count()).toBeLessThan(20);
    } finally {
      checks.restore();
    }
  });

  it('requests that wait for a free slot are still all sent (one request in flight, 40 sends at once)', async () => {
    const kafka = new Kafka({ brokers, clientId: 'idle-timer-queue', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const sends = Array.from({ length: 40 }, (_, i) =>
        producer.send({ topic, acks: -1, messages: [{ key: String(i), value: `v${i}` }] }),
      );
      const results = await Promise.all(sends);
      expect(results.flat().map((r) => r.errorCode)).toEqual(new Array(40).fill(0));
    } finally {
      await producer.disconnect();
    }
  });
});
