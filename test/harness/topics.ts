import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { EmbeddedEventBus } from '../../packages/platform/src/bus/EmbeddedEventBus.js';
import type { EventEnvelope } from '../../packages/platform/src/events/EventEnvelope.js';
import type { TestSystem } from './TestSystem.js';

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
