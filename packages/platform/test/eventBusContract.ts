import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentEventError } from '../src/bus/deliverWithRetry.js';
import type { DeliveredRecord, EventBus } from '../src/bus/EventBus.js';
import { partitionFor } from '../src/bus/partitionFor.js';
import { createEnvelope } from '../src/events/EventEnvelope.js';
import { waitFor } from '../src/testing/waitFor.js';

export interface BusFactory {
  /** A new bus instance sharing the same log (a second process, conceptually). */
  create(): Promise<EventBus>;
  /** Called once after the suite. */
  cleanup?(): Promise<void>;
}

const envelope = (key: string, n: number, type = 'TestEvent') =>
  createEnvelope('contract-test', { type, correlationId: key, payload: { n } });

/**
 * The behaviour every EventBus transport must have. Run against the embedded log and Kafka.
 */
export function describeEventBusContract(name: string, factory: BusFactory): void {
  describe(`EventBus contract: ${name}`, () => {
    const buses: EventBus[] = [];
    const newBus = async () => {
      const bus = await factory.create();
      buses.push(bus);
      return bus;
    };
    let producer: EventBus;

    beforeAll(async () => {
      producer = await newBus();
    });
    afterAll(async () => {
      for (const b of buses.reverse()) await b.close().catch(() => undefined);
      await factory.cleanup?.();
    });

    it('delivers every record of a key in publish order, across partitions', async () => {
      const topic = `contract-order-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 3 }]);
      const keys = Array.from({ length: 20 }, (_, i) => `order-${i}`);
      const records = [];
      for (let n = 0; n < 300; n++) {
        const key = keys[n % keys.length]!;
        records.push({ topic, key, envelope: envelope(key, n) });
      }
      for (let i = 0; i < records.length; i += 50) await producer.publish(records.slice(i, i + 50));
      const seen = new Map<string, number[]>();
      let count = 0;
      const consumerBus = await newBus();
      const handle = await consumerBus.subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        handler: async (r) => {
          const list = seen.get(r.key!) ?? [];
          list.push((r.envelope.payload as { n: number }).n);
          seen.set(r.key!, list);
          count++;
        },
      });
      await waitFor(() => count >= 300, { timeoutMs: 30_000, what: '300 records' });
      await handle.stop();
      expect(count).toBe(300);
      for (const key of keys) {
        const ns = seen.get(key)!;
        expect(ns).toEqual([...ns].sort((a, b) => a - b));
        expect(ns).toHaveLength(15);
      }
    });

    it('keeps the envelope, key and headers intact', async () => {
      const topic = `contract-shape-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic }]);
      const env = createEnvelope('contract-test', {
        type: 'ShapeChecked',
        correlationId: 'order-shape',
        causationId: 'cause-1',
        payload: { nested: { a: [1, 2] }, text: '한글 ok' },
      });
      await producer.publish([{ topic, key: 'order-shape', envelope: env }]);
      const got: DeliveredRecord[] = [];
      const handle = await (await newBus()).subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        handler: async (r) => {
          got.push(r);
        },
      });
      await waitFor(() => got.length === 1, { timeoutMs: 20_000, what: 'one record' });
      await handle.stop();
      const r = got[0]!;
      expect(r.key).toBe('order-shape');
      expect(r.envelope).toEqual(env);
      expect(r.headers['event-type']).toBe('ShapeChecked');
      expect(r.headers['event-id']).toBe(env.id);
      expect(r.headers['causation-id']).toBe('cause-1');
    });

    it('gives each consumer group every record, and commits offsets per group across restarts', async () => {
      const topic = `contract-groups-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 2 }]);
      await producer.publish(
        Array.from({ length: 10 }, (_, n) => ({
          topic,
          key: `k${n % 3}`,
          envelope: envelope(`k${n % 3}`, n),
        })),
      );
      const groupA = `a-${randomUUID()}`;
      const groupB = `b-${randomUUID()}`;
      const a: number[] = [];
      const b: number[] = [];
      const busA = await newBus();
      const ha = await busA.subscribe({
        group: groupA,
        topics: [topic],
        handler: async (r) => void a.push((r.envelope.payload as { n: number }).n),
      });
      const hb = await (await newBus()).subscribe({
        group: groupB,
        topics: [topic],
        handler: async (r) => void b.push((r.envelope.payload as { n: number }).n),
      });
      await waitFor(() => a.length >= 10 && b.length >= 10, { timeoutMs: 30_000, what: 'both groups' });
      await ha.stop();
      await hb.stop();
      expect(new Set(a).size).toBe(10);
      expect(new Set(b).size).toBe(10);

      // Restart group A after more records: only the new ones arrive.
      await producer.publish(
        Array.from({ length: 5 }, (_, i) => ({ topic, key: `k${i}`, envelope: envelope(`k${i}`, 100 + i) })),
      );
      const again: number[] = [];
      const ha2 = await (await newBus()).subscribe({
        group: groupA,
        topics: [topic],
        handler: async (r) => void again.push((r.envelope.payload as { n: number }).n),
      });
      await waitFor(() => again.length >= 5, { timeoutMs: 30_000, what: 'new records after restart' });
      // Caught up: an old record wrongly redelivered shares a partition with a new one of its key,
      // at a lower offset, so it would have arrived first; lag 0 says nothing is left to come.
      await waitFor(async () => (await ha2.status()).lag === 0, { timeoutMs: 30_000, what: 'lag 0' });
      await ha2.stop();
      expect(again.sort((x, y) => x - y)).toEqual([100, 101, 102, 103, 104]);
    });

    it('redelivers a record whose handler failed (at-least-once), without losing order', async () => {
      const topic = `contract-retry-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 1 }]);
      await producer.publish([0, 1, 2].map((n) => ({ topic, key: 'same', envelope: envelope('same', n) })));
      const attempts: number[] = [];
      let failedOnce = false;
      const done: number[] = [];
      const handle = await (await newBus()).subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        handler: async (r) => {
          const n = (r.envelope.payload as { n: number }).n;
          attempts.push(n);
          if (n === 1 && !failedOnce) {
            failedOnce = true;
            throw new Error('transient failure');
          }
          done.push(n);
        },
      });
      await waitFor(() => done.length >= 3, { timeoutMs: 20_000, what: 'three handled' });
      await handle.stop();
      expect(done).toEqual([0, 1, 2]);
      expect(attempts).toEqual([0, 1, 1, 2]);
    });

    it('shows a record it is retrying in its status (where, what failed, since when) until it is handled', async () => {
      const topic = `contract-retrying-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 1 }]);
      const stuck = envelope('k', 1);
      await producer.publish([{ topic, key: 'k', envelope: stuck }]);
      let downstreamUp = false;
      let handled = 0;
      const handle = await (await newBus()).subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        maxRetryDelayMs: 50,
        handler: async () => {
          if (!downstreamUp) throw new Error('downstream is restarting');
          handled++;
        },
      });
      try {
        await waitFor(async () => ((await handle.status()).retrying[0]?.attempts ?? 0) >= 2, {
          timeoutMs: 20_000,
          what: 'the record shown as retrying',
        });
        const status = await handle.status();
        const [retrying, ...others] = status.retrying;
        expect(others).toEqual([]);
        expect(retrying).toMatchObject({
          // The name on the bus, as the status's `topics` (a namespace's prefix included).
          topic: status.topics[0],
          partition: 0,
          offset: '0',
          eventId: stuck.id,
          type: 'TestEvent',
          error: 'downstream is restarting',
        });
        expect(Date.parse(retrying!.since)).toBeLessThanOrEqual(Date.now());
        downstreamUp = true;
        await waitFor(() => handled === 1, { timeoutMs: 20_000, what: 'handled once the downstream is up' });
        expect((await handle.status()).retrying).toEqual([]);
      } finally {
        await handle.stop();
      }
    });

    it('a record being retried holds only its own partition: the others go on, and it follows in order once it succeeds', async () => {
      const topic = `contract-isolated-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 2 }]);
      const stuckKey = 'order-stuck';
      const stuckPartition = partitionFor(stuckKey, 2);
      const otherKey = Array.from({ length: 20 }, (_, i) => `order-${i}`).find(
        (k) => partitionFor(k, 2) !== stuckPartition,
      )!;
      await producer.publish([0, 1].map((n) => ({ topic, key: stuckKey, envelope: envelope(stuckKey, n) })));
      let downstreamUp = false;
      let stuckAttempts = 0;
      const handled: number[] = [];
      const handle = await (await newBus()).subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        maxRetryDelayMs: 200,
        handler: async (r) => {
          const n = (r.envelope.payload as { n: number }).n;
          if (n === 0 && !downstreamUp) {
            stuckAttempts++;
            throw new Error('downstream is restarting');
          }
          handled.push(n);
        },
      });
      try {
        await waitFor(() => stuckAttempts >= 2, { timeoutMs: 20_000, what: 'the first record retried' });
        // Published while the first record is being retried, on the other partition.
        await producer.publish(
          [10, 11, 12].map((n) => ({ topic, key: otherKey, envelope: envelope(otherKey, n) })),
        );
        await waitFor(() => handled.length >= 3, { timeoutMs: 20_000, what: 'the other partition handled' });
        // Nothing of the waiting partition: record 1 stays behind record 0.
        expect(handled).toEqual([10, 11, 12]);
        const status = await handle.status();
        expect(status.retrying).toMatchObject([{ partition: stuckPartition, offset: '0' }]);
        const attemptsSoFar = stuckAttempts;
        await waitFor(() => stuckAttempts > attemptsSoFar, { timeoutMs: 20_000, what: 'still retried' });
        downstreamUp = true;
        await waitFor(() => handled.length >= 5, {
          timeoutMs: 20_000,
          what: 'the waiting partition handled',
        });
        expect(handled).toEqual([10, 11, 12, 0, 1]);
        expect((await handle.status()).retrying).toEqual([]);
      } finally {
        await handle.stop();
      }
    });

    it('redelivers records a consumer handled but never committed (crash before commit)', async () => {
      const topic = `contract-crash-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 1 }]);
      await producer.publish([0, 1, 2, 3].map((n) => ({ topic, key: 'k', envelope: envelope('k', n) })));
      const group = `g-${randomUUID()}`;
      const first: number[] = [];
      const crashing = await newBus();
      // The handler never resolves for n=2: the consumer "dies" while handling it.
      const h1 = await crashing.subscribe({
        group,
        topics: [topic],
        handler: async (r) => {
          const n = (r.envelope.payload as { n: number }).n;
          first.push(n);
          if (n === 2) throw new Error('crash');
        },
        maxAttempts: 1000,
      });
      await waitFor(() => first.includes(2), { timeoutMs: 20_000, what: 'reaching n=2' });
      await h1.stop();
      await crashing.close();
      const second: number[] = [];
      const h2 = await (await newBus()).subscribe({
        group,
        topics: [topic],
        handler: async (r) => void second.push((r.envelope.payload as { n: number }).n),
      });
      await waitFor(() => second.includes(3), { timeoutMs: 30_000, what: 'the rest after restart' });
      await h2.stop();
      expect(first.slice(0, 2)).toEqual([0, 1]);
      expect(second[0]).toBe(2);
      expect(second).toEqual([2, 3]);
    });

    it('dead-letters a record whose values break a NOT NULL constraint of the store instead of retrying it for ever', async () => {
      const topic = `contract-notnull-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 1 }]);
      await producer.publish(
        [0, 1, 2].map((n) => ({ topic, key: 'k', envelope: envelope('k', n, n === 1 ? 'Missing' : 'Fine') })),
      );
      // A real SQLite table behind drizzle, as the consumers write: record 1 carries no value.
      const sqlite = new BetterSqlite3(':memory:');
      sqlite.exec('CREATE TABLE t (n INTEGER NOT NULL)');
      const db = drizzle(sqlite);
      const handle = await (await newBus()).subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        maxAttempts: 2,
        handler: async (r) => {
          const n = r.envelope.type === 'Missing' ? null : (r.envelope.payload as { n: number }).n;
          db.run(sql`INSERT INTO t (n) VALUES (${n})`);
        },
      });
      const dlq: DeliveredRecord[] = [];
      const dh = await (await newBus()).subscribe({
        group: `dlq-${randomUUID()}`,
        topics: [`${topic}.dlq`],
        handler: async (r) => void dlq.push(r),
      });
      const stored = () =>
        (sqlite.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[]).map((r) => r.n);
      await waitFor(() => stored().length >= 2 && dlq.length >= 1, { timeoutMs: 30_000, what: 'dlq + rest' });
      await handle.stop();
      await dh.stop();
      expect(stored()).toEqual([0, 2]);
      expect(dlq.map((r) => r.envelope.type)).toEqual(['Missing']);
      expect(dlq[0]!.headers['dlq-error']).toContain('NOT NULL constraint failed');
      sqlite.close();
    });

    it('dead-letters a record failing permanently after maxAttempts and moves on', async () => {
      const topic = `contract-dlq-${randomUUID().slice(0, 8)}`;
      await producer.ensureTopics([{ name: topic, partitions: 1 }]);
      await producer.publish(
        [0, 1, 2].map((n) => ({ topic, key: 'k', envelope: envelope('k', n, n === 1 ? 'Poison' : 'Fine') })),
      );
      const done: number[] = [];
      const handle = await (await newBus()).subscribe({
        group: `g-${randomUUID()}`,
        topics: [topic],
        maxAttempts: 2,
        handler: async (r) => {
          if (r.envelope.type === 'Poison') throw new PermanentEventError('cannot handle poison');
          done.push((r.envelope.payload as { n: number }).n);
        },
      });
      const dlq: DeliveredRecord[] = [];
      const dh = await (await newBus()).subscribe({
        group: `dlq-${randomUUID()}`,
        topics: [`${topic}.dlq`],
        handler: async (r) => void dlq.push(r),
      });
      await waitFor(() => done.length >= 2 && dlq.length >= 1, { timeoutMs: 30_000, what: 'dlq + rest' });
      await handle.stop();
      await dh.stop();
      expect(done).toEqual([0, 2]);
      expect(dlq[0]!.envelope.type).toBe('Poison');
      expect(dlq[0]!.headers['dlq-error']).toContain('cannot handle poison');
      expect(dlq[0]!.headers['dlq-source-topic']).toBe(topic);
      // The size the dlq_events metric reports: what the DLQ holds, nothing else.
      expect(await producer.topicSize?.(`${topic}.dlq`)).toBe(1);
      expect(await producer.topicSize?.(topic)).toBe(3);
    });
  });
}
