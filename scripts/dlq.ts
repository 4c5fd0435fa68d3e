/**
 * Dead-letter tooling: inspect and replay the records consumers gave up on.
 *
 *   npm run dlq -- list   <topic> [--limit N] [--event-id ID] [--json]
 *   npm run dlq -- replay <topic> [--limit N] [--event-id ID]
 *
 * <topic> is a source topic (`order.events`) or its dead-letter topic (`order.events.dlq`).
 * Same configuration as the services: KAFKA_BROKERS (+ KAFKA_NAMESPACE) selects Kafka, else the
 * embedded log at EVENTLOG_PATH (default <DATA_DIR>/eventlog.db).
 *
 * `replay` publishes the original envelopes again, unchanged (same event id, same key), to the
 * source topic. Every consumer group of that topic sees them again; those that handled the event
 * before ignore it (inbox, by event id), so a replay after a fix is safe. The dead-letter records
 * stay where they are (topics are append-only): `list` still shows them afterwards.
 */
import { parseArgs } from 'node:util';
import { createEventBus } from '../packages/platform/src/bus/createEventBus.js';
import { type DeliveredRecord, dlqTopic, type EventBus } from '../packages/platform/src/bus/EventBus.js';
import type { ReadTopicOptions } from '../packages/platform/src/bus/KafkaEventBus.js';
import { loadServiceConfig, type ServiceConfig } from '../packages/platform/src/config.js';
import { ALL_TOPICS } from '../packages/platform/src/events/catalog.js';
import type { EventEnvelope } from '../packages/platform/src/events/EventEnvelope.js';
import { isMain, UsageError } from './cli.js';

export const USAGE = `usage: npm run dlq -- <list|replay> <topic> [--limit N] [--event-id ID] [--json]
  <topic>       source topic (order.events) or its dead-letter topic (order.events.dlq)
  --limit N     at most N dead-lettered records (oldest first; default 1000)
  --event-id ID only the records of this event
  --json        list: one JSON object per line`;

/** Type of the envelope the consumers dead-letter an undecodable message in. */
const MALFORMED = 'MalformedMessage';
/** How many records a --event-id search scans at most. */
const SCAN_LIMIT = 100_000;

export interface DlqOptions {
  /** Most records selected, oldest first. Default 1000. */
  limit?: number;
  /** Only records whose envelope has this id. */
  eventId?: string;
}

/** One dead-lettered record, with where it came from and why it failed. */
export interface DeadLetter {
  dlqTopic: string;
  partition: number;
  offset: string;
  sourceTopic: string;
  sourcePartition: number | null;
  sourceOffset: string | null;
  /** Consumer group whose handler gave up. */
  group: string | null;
  error: string | null;
  /** When it was dead-lettered (ISO-8601). */
  at: string | null;
  key: string | null;
  eventId: string;
  eventType: string;
  envelope: EventEnvelope;
}

export interface ReplayResult {
  /** Envelopes published again, by event id. */
  replayed: { eventId: string; eventType: string; topic: string; key: string }[];
  /** Records not replayed and why (undecodable messages; a second copy of the same event). */
  skipped: { eventId: string; offset: string; reason: string }[];
}

/** The read methods of the transports (tooling only, not part of EventBus). */
type ReadableBus = EventBus & {
  readTopic?: (topic: string, options?: ReadTopicOptions) => Promise<DeliveredRecord[]>;
  read?: (topic: string, fromOffset?: number, limit?: number) => DeliveredRecord[];
};

/** `order.events` and `order.events.dlq` both name the dead-letter topic `order.events.dlq`. */
export function deadLetterTopicOf(topic: string): string {
  return topic.endsWith('.dlq') ? topic : dlqTopic(topic);
}

/** Reads a topic from the beginning, oldest first per partition, on any transport. */
export async function readTopic(bus: EventBus, topic: string, limit: number): Promise<DeliveredRecord[]> {
  const readable = bus as ReadableBus;
  // Kafka and NamespacedEventBus: through a throw-away consumer group; the embedded log: a query.
  if (readable.readTopic) return readable.readTopic(topic, { fromBeginning: true, limit });
  if (readable.read) return readable.read(topic, 0, limit);
  throw new Error(`the ${bus.kind} bus cannot read topics`);
}

function toDeadLetter(record: DeliveredRecord): DeadLetter {
  const h = record.headers;
  const sourcePartition = h['dlq-source-partition'];
  return {
    dlqTopic: record.topic,
    partition: record.partition,
    offset: record.offset,
    sourceTopic: h['dlq-source-topic'] ?? record.topic.replace(/\.dlq$/, ''),
    sourcePartition: sourcePartition === undefined ? null : Number(sourcePartition),
    sourceOffset: h['dlq-source-offset'] ?? null,
    group: h['dlq-group'] ?? null,
    error: h['dlq-error'] ?? null,
    at: h['dlq-at'] ?? null,
    key: record.key,
    eventId: record.envelope.id,
    eventType: record.envelope.type,
    envelope: record.envelope,
  };
}

/** The dead-lettered records of `topic` (source or DLQ name), oldest first. */
export async function listDeadLetters(
  bus: EventBus,
  topic: string,
  { limit = 1000, eventId }: DlqOptions = {},
): Promise<DeadLetter[]> {
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive integer');
  const records = await readTopic(bus, deadLetterTopicOf(topic), eventId ? SCAN_LIMIT : limit);
  const letters = records.map(toDeadLetter);
  return (eventId ? letters.filter((l) => l.eventId === eventId) : letters).slice(0, limit);
}

/**
 * Publishes the selected dead-lettered envelopes again to their source topics, unchanged and with
 * their original key. An event dead-lettered by several groups is published once: every group
 * receives the copy anyway. Undecodable messages cannot be replayed (their original bytes are in
 * the payload's `raw` field, for a person to look at).
 */
export async function replayDeadLetters(
  bus: EventBus,
  topic: string,
  options: DlqOptions = {},
): Promise<ReplayResult> {
  const letters = await listDeadLetters(bus, topic, options);
  const result: ReplayResult = { replayed: [], skipped: [] };
  const seen = new Set<string>();
  const records = [];
  for (const l of letters) {
    if (l.eventType === MALFORMED) {
      result.skipped.push({ eventId: l.eventId, offset: l.offset, reason: 'undecodable message' });
      continue;
    }
    if (seen.has(l.eventId)) {
      result.skipped.push({ eventId: l.eventId, offset: l.offset, reason: 'same event already replayed' });
      continue;
    }
    seen.add(l.eventId);
    const key = l.key ?? l.envelope.correlationId;
    records.push({
      topic: l.sourceTopic,
      key,
      envelope: l.envelope,
      // Where the copy came from, for whoever reads the topic later; consumers ignore it.
      extraHeaders: { 'dlq-replayed-from': `${l.dlqTopic}/${l.partition}/${l.offset}` },
    });
    result.replayed.push({ eventId: l.eventId, eventType: l.eventType, topic: l.sourceTopic, key });
  }
  // One call: the records keep their order (per key) on the source topic.
  await bus.publish(records);
  return result;
}

export function formatDeadLetter(l: DeadLetter): string {
  const source =
    l.sourcePartition === null
      ? l.sourceTopic
      : `${l.sourceTopic} partition ${l.sourcePartition} offset ${l.sourceOffset}`;
  return [
    `${l.dlqTopic} ${l.partition}/${l.offset}  ${l.at ?? '(time unknown)'}  ${l.eventType} ${l.eventId} key ${l.key ?? '-'}`,
    `    from ${source}, consumer group ${l.group ?? '(unknown)'}`,
    `    error: ${l.error ?? '(none recorded)'}`,
  ].join('\n');
}

export interface DlqCommand {
  command: 'list' | 'replay';
  topic: string;
  options: DlqOptions;
  json: boolean;
}

/** Parses CLI arguments; throws UsageError with the reason when they are wrong. */
export function parseDlqArgs(argv: string[]): DlqCommand {
  let values: { limit?: string; 'event-id'?: string; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        limit: { type: 'string' },
        'event-id': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError('');
  const [command, topic, ...rest] = positionals;
  if (command !== 'list' && command !== 'replay') throw new UsageError('the command must be list or replay');
  if (!topic) throw new UsageError('a topic is required, e.g. order.events');
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  // A typo must not read as "no dead letters": only the catalogue's topics and their DLQs exist.
  const source = topic.endsWith('.dlq') ? topic.slice(0, -'.dlq'.length) : topic;
  if (!(ALL_TOPICS as string[]).includes(source))
    throw new UsageError(`unknown topic "${topic}": one of ${ALL_TOPICS.join(', ')} (or its .dlq)`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive integer');
  }
  return {
    command,
    topic,
    options: { limit, ...(values['event-id'] ? { eventId: values['event-id'] } : {}) },
    json: values.json ?? false,
  };
}

/** Runs one command against `bus`, printing through `out`. Returns what it found or replayed. */
export async function runDlq(
  bus: EventBus,
  cmd: DlqCommand,
  out: (line: string) => void = (line) => console.log(line),
): Promise<DeadLetter[] | ReplayResult> {
  if (cmd.command === 'list') {
    const letters = await listDeadLetters(bus, cmd.topic, cmd.options);
    if (cmd.json) for (const l of letters) out(JSON.stringify(l));
    else {
      for (const l of letters) out(formatDeadLetter(l));
      out(`${letters.length} dead-lettered record(s) in ${deadLetterTopicOf(cmd.topic)} (${bus.kind} bus)`);
    }
    return letters;
  }
  const result = await replayDeadLetters(bus, cmd.topic, cmd.options);
  for (const r of result.replayed) out(`replayed ${r.eventType} ${r.eventId} to ${r.topic} (key ${r.key})`);
  for (const s of result.skipped) out(`skipped ${s.eventId} at offset ${s.offset}: ${s.reason}`);
  out(`${result.replayed.length} event(s) replayed, ${result.skipped.length} skipped (${bus.kind} bus)`);
  return result;
}

/** The bus the services use, from the same environment (KAFKA_*, DATA_DIR, EVENTLOG_PATH). */
export async function busFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<EventBus> {
  const config = loadServiceConfig('order', env);
  // The name only labels the Kafka client id (baemin-dlq).
  return createEventBus({ ...config, name: 'dlq' as ServiceConfig['name'] }, env);
}

if (isMain(import.meta.url)) {
  let cmd: DlqCommand;
  try {
    cmd = parseDlqArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`dlq: ${err.message}`);
    console.error(USAGE);
    process.exit(2);
  }
  const bus = await busFromEnv();
  try {
    await runDlq(bus, cmd);
  } catch (err) {
    console.error(`dlq ${cmd.command} failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await bus.close();
  }
}
