import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { EmbeddedEventBus } from '../../packages/platform/src/bus/EmbeddedEventBus.js';
import type { EventEnvelope } from '../../packages/platform/src/events/EventEnvelope.js';
import { waitFor } from '../../packages/platform/src/testing/waitFor.js';
import { waitSettled } from '../../packages/platform/src/testing/waitSettled.js';
import { SUBGRAPH_NAMES, type TestSystem } from './TestSystem.js';

/** A record exactly as it is stored on the transport, read without the platform's adapter. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The value as stored (JSON text). */
  value: string;
  headers: Record<string, string>;
  envelope: EventEnvelope;
}

/**
 * Reads Kafka topics from the beginning to their current end with a plain kafkajs consumer (a
 * third-party client, not our adapter) in a throw-away group. Sorted by topic, partition, offset.
 */
export async function readKafkaTopics(brokers: string, topics: string[], timeoutMs = 30_000) {
  const kafka = new Kafka({
    brokers: brokers.split(','),
    clientId: 'e2e-raw-reader',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(o.high) > BigInt(o.low)) ends.set(`${topic}/${o.partition}`, BigInt(o.high));
      }
    }
    if (ends.size === 0) return [];
    const groupId = `e2e-raw-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    const records: RawRecord[] = [];
    const done = new Set<string>();
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const id = `${topic}/${partition}`;
          const end = ends.get(id);
          const offset = BigInt(message.offset);
          if (end === undefined || offset >= end) return;
          const headers: Record<string, string> = {};
          for (const [name, v] of Object.entries(message.headers ?? {})) {
            const first = Array.isArray(v) ? v[0] : v;
            if (first !== undefined) headers[name] = first.toString();
          }
          const value = message.value?.toString('utf8') ?? '';
          records.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value,
            headers,
            envelope: JSON.parse(value) as EventEnvelope,
          });
          if (offset === end - 1n) {
            done.add(id);
            if (done.size === ends.size) finish();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')} timed out`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect().catch(() => {});
      await admin.deleteGroups([groupId]).catch(() => {});
    }
    return records.sort(
      (a, b) =>
        a.topic.localeCompare(b.topic) ||
        a.partition - b.partition ||
        Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record of the system's topics (plain names, e.g. `store.events`) on its transport: Kafka
 * through a plain kafkajs consumer (topics in the system's namespace), the embedded log by its file.
 * Records carry the plain topic name.
 */
export async function readSystemTopics(sys: TestSystem, topics: string[]): Promise<RawRecord[]> {
  const env = sys.env('order');
  if (env.KAFKA_BROKERS) {
    const prefix = `${sys.namespace}.`;
    const records = await readKafkaTopics(
      env.KAFKA_BROKERS,
      topics.map((t) => prefix + t),
    );
    return records.map((r) => ({ ...r, topic: r.topic.slice(prefix.length) }));
  }
  const bus = new EmbeddedEventBus({ path: join(sys.dataDir, 'eventlog.db') });
  try {
    return topics.flatMap((topic) =>
      bus.read(topic, 0, 1_000_000).map((r) => ({ ...r, value: JSON.stringify(r.envelope) })),
    );
  } finally {
    await bus.close();
  }
}

/** Runs `query` on a service's SQLite file, read-only (the service may be running). */
export function queryServiceDb<T>(
  sys: TestSystem,
  service: string,
  query: string,
  ...params: unknown[]
): T[] {
  const db = new Database(join(sys.dataDir, `${service}.db`), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Which topics each context's consumer group reads (docs/saga.md, "Who owns what"). */
const CONSUMED: Record<string, string[]> = {
  order: ['store.events', 'delivery.events', 'payment.events'],
  store: ['order.events'],
  payment: ['order.events'],
  delivery: ['store.events'],
  dashboard: ['order.events', 'payment.events', 'delivery.events'],
};

/** For every consumer group and partition: committed offset and end of the log. */
async function consumerLag(sys: TestSystem): Promise<{ where: string; committed: number; end: number }[]> {
  const env = sys.env('order');
  const lag: { where: string; committed: number; end: number }[] = [];
  if (env.KAFKA_BROKERS) {
    const admin = new Kafka({
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: 'e2e-lag',
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      for (const [group, topics] of Object.entries(CONSUMED)) {
        const names = topics.map((t) => `${sys.namespace}.${t}`);
        const committed = await admin.fetchOffsets({ groupId: `${sys.namespace}.${group}`, topics: names });
        for (const name of names) {
          const ends = await admin.fetchTopicOffsets(name);
          const byPartition = committed.find((c) => c.topic === name)?.partitions ?? [];
          for (const { partition, high } of ends) {
            const offset = Number(byPartition.find((p) => p.partition === partition)?.offset ?? -1);
            lag.push({
              where: `${group} ${name}/${partition}`,
              committed: Math.max(0, offset),
              end: Number(high),
            });
          }
        }
      }
    } finally {
      await admin.disconnect();
    }
    return lag;
  }
  const db = new Database(join(sys.dataDir, 'eventlog.db'), { readonly: true, fileMustExist: true });
  try {
    for (const [group, topics] of Object.entries(CONSUMED)) {
      for (const topic of topics) {
        const ends = db
          .prepare('SELECT partition, MAX(offset) + 1 AS end FROM records WHERE topic = ? GROUP BY partition')
          .all(topic) as { partition: number; end: number }[];
        for (const { partition, end } of ends) {
          const row = db
            .prepare('SELECT next_offset FROM group_offsets WHERE grp = ? AND topic = ? AND partition = ?')
            .get(group, topic, partition) as { next_offset: number } | undefined;
          lag.push({ where: `${group} ${topic}/${partition}`, committed: row?.next_offset ?? 0, end });
        }
      }
    }
  } finally {
    db.close();
  }
  return lag;
}

/**
 * Waits until every context has consumed (and committed) everything on the topics it reads, so a
 * test that says "nothing changed" knows the events it cares about were handled, not still queued.
 */
export async function waitForConsumersCaughtUp(sys: TestSystem, timeoutMs = 30_000): Promise<void> {
  let behind: Awaited<ReturnType<typeof consumerLag>> = [];
  await waitFor(
    async () => {
      behind = (await consumerLag(sys)).filter((l) => l.committed < l.end);
      return behind.length === 0;
    },
    { timeoutMs, intervalMs: 100, what: 'every consumer to catch up' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${behind.map((b) => `${b.where} ${b.committed}/${b.end}`).join(', ')}`);
  });
}

/**
 * Waits until nothing is in flight anywhere: every outbox relayed, then every consumer group caught
 * up (committed offsets at the end of the log, read from the log itself on either transport), then
 * the outboxes checked again for what those last records made the consumers write. A test that
 * asserts "this did not change" or "exactly one" waits on this instead of sleeping.
 */
export async function waitForSystemSettled(sys: TestSystem, timeoutMs = 30_000): Promise<void> {
  const outboxesDrained = () =>
    Promise.all(
      SUBGRAPH_NAMES.filter((n) => sys.isRunning(n)).map((n) => waitSettled(sys.url(n), { timeoutMs })),
    );
  await outboxesDrained();
  await waitForConsumersCaughtUp(sys, timeoutMs);
  await outboxesDrained();
}
