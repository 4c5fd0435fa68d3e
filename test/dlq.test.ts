import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../packages/platform/src/bus/EmbeddedEventBus.js';
import type { ConsumerHandle, DeliveredRecord } from '../packages/platform/src/bus/EventBus.js';
import {
  deadLetter,
  malformedEnvelope,
  PermanentEventError,
} from '../packages/platform/src/bus/deliverWithRetry.js';
import { NamespacedEventBus } from '../packages/platform/src/bus/NamespacedEventBus.js';
import { createEnvelope } from '../packages/platform/src/events/EventEnvelope.js';
import {
  busFromEnv,
  type DeadLetter,
  listDeadLetters,
  parseDlqArgs,
  type ReplayResult,
  replayDeadLetters,
  runDlq,
} from '../scripts/dlq.js';
import { UsageError } from '../scripts/token.js';
import { waitFor } from '../packages/platform/src/testing/waitFor.js';

const ROOT = new URL('..', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'dlq-test-'));
let n = 0;

const orderEvent = (orderId: string, type = 'OrderCanceled') =>
  createEnvelope('order', { type, correlationId: orderId, payload: { orderId } });

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dlq tool on the embedded log', () => {
  let path: string;
  let bus: EmbeddedEventBus;
  const handles: ConsumerHandle[] = [];

  beforeEach(async () => {
    path = join(root, `eventlog-${n++}.db`);
    bus = new EmbeddedEventBus({ path, pollIntervalMs: 5 });
    await bus.ensureTopics([{ name: 'order.events', partitions: 3 }]);
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop()));
    await bus.close();
  });

  it('lists what a failing consumer dead-lettered, and replay redelivers the original envelope', async () => {
    const poison = orderEvent('order-7');
    const fine = orderEvent('order-8');
    let fixed = false;
    const delivered: DeliveredRecord[] = [];
    handles.push(
      await bus.subscribe({
        group: 'payment',
        topics: ['order.events'],
        maxAttempts: 2,
        handler: async (r) => {
          if (r.envelope.id === poison.id && !fixed)
            throw new PermanentEventError('refund service misconfigured');
          delivered.push(r);
        },
      }),
    );
    await bus.publish([
      { topic: 'order.events', key: 'order-7', envelope: poison },
      { topic: 'order.events', key: 'order-8', envelope: fine },
    ]);
    await waitFor(() => bus.read('order.events.dlq').length === 1 && delivered.length === 1, {
      what: 'dead letter',
    });
    const source = bus.read('order.events').find((r) => r.envelope.id === poison.id)!;

    // Either name of the topic works.
    for (const topic of ['order.events', 'order.events.dlq']) {
      const letters = await listDeadLetters(bus, topic);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        dlqTopic: 'order.events.dlq',
        sourceTopic: 'order.events',
        sourcePartition: source.partition,
        sourceOffset: source.offset,
        group: 'payment',
        error: 'refund service misconfigured',
        key: 'order-7',
        eventId: poison.id,
        eventType: 'OrderCanceled',
        envelope: poison,
      } satisfies Partial<DeadLetter>);
      expect(Date.parse(letters[0]!.at!)).toBeGreaterThan(Date.now() - 60_000);
    }
    const lines: string[] = [];
    await runDlq(bus, parseDlqArgs(['list', 'order.events']), (l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toContain(`OrderCanceled ${poison.id} key order-7`);
    expect(text).toContain(
      `from order.events partition ${source.partition} offset ${source.offset}, consumer group payment`,
    );
    expect(text).toContain('error: refund service misconfigured');
    expect(text).toContain('1 dead-lettered record(s) in order.events.dlq (embedded bus)');

    // After the fix: replay. The consumer gets the very same envelope (same id, key), once.
    fixed = true;
    const result = (await runDlq(bus, parseDlqArgs(['replay', 'order.events']), () => {})) as ReplayResult;
    expect(result.replayed).toEqual([
      { eventId: poison.id, eventType: 'OrderCanceled', topic: 'order.events', key: 'order-7' },
    ]);
    await waitFor(() => delivered.length === 2, { what: 'replayed delivery' });
    expect(delivered[1]).toMatchObject({ topic: 'order.events', key: 'order-7', envelope: poison });
    expect(delivered[1]!.headers['dlq-replayed-from']).toBe('order.events.dlq/0/0');
    // The dead letter stays (append-only log).
    expect(await listDeadLetters(bus, 'order.events')).toHaveLength(1);
  });

  it('--event-id and --limit select records; one event dead-lettered by two groups is replayed once; undecodable messages are skipped', async () => {
    const a = orderEvent('order-a');
    const b = orderEvent('order-b', 'OrderRejected');
    const at = (offset: number) => ({ topic: 'order.events', partition: 1, offset: String(offset) });
    await deadLetter(bus, 'payment', { ...at(3), key: 'order-a', envelope: a }, new Error('boom a'));
    await deadLetter(bus, 'dashboard', { ...at(3), key: 'order-a', envelope: a }, new Error('boom a too'));
    await deadLetter(bus, 'payment', { ...at(4), key: 'order-b', envelope: b }, new Error('boom b'));
    await deadLetter(
      bus,
      'store',
      { ...at(5), key: 'order-c', envelope: malformedEnvelope('{not json', 'order-c') },
      new Error('message value is not JSON'),
    );

    expect((await listDeadLetters(bus, 'order.events')).map((l) => l.group)).toEqual([
      'payment',
      'dashboard',
      'payment',
      'store',
    ]);
    expect((await listDeadLetters(bus, 'order.events', { limit: 2 })).map((l) => l.eventId)).toEqual([
      a.id,
      a.id,
    ]);
    const onlyB = await listDeadLetters(bus, 'order.events', { eventId: b.id });
    expect(onlyB.map((l) => [l.eventType, l.error])).toEqual([['OrderRejected', 'boom b']]);

    const received: DeliveredRecord[] = [];
    handles.push(
      await bus.subscribe({
        group: 'watcher',
        topics: ['order.events'],
        handler: async (r) => {
          received.push(r);
        },
      }),
    );
    const result = await replayDeadLetters(bus, 'order.events');
    expect(result.replayed.map((r) => r.eventId)).toEqual([a.id, b.id]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'same event already replayed',
      'undecodable message',
    ]);
    await waitFor(() => received.length === 2, { what: 'replayed records' });
    expect(received.map((r) => [r.key, r.envelope.id])).toEqual(
      expect.arrayContaining([
        ['order-a', a.id],
        ['order-b', b.id],
      ]),
    );

    // --event-id replays just that event.
    const one = await replayDeadLetters(bus, 'order.events.dlq', { eventId: b.id });
    expect(one.replayed.map((r) => r.eventId)).toEqual([b.id]);
    await waitFor(() => received.length === 3, { what: 'single replay' });
    expect(received[2]!.envelope).toEqual(b);
  });

  it('through a namespace: reads <ns>.<topic>.dlq and replays to <ns>.<topic>, showing plain names', async () => {
    const ns = new NamespacedEventBus(bus, 'staging');
    await ns.ensureTopics([{ name: 'order.events', partitions: 3 }]);
    const e = orderEvent('order-ns');
    let fail = true;
    const seen: DeliveredRecord[] = [];
    handles.push(
      await ns.subscribe({
        group: 'store',
        topics: ['order.events'],
        maxAttempts: 1,
        handler: async (r) => {
          if (fail) throw new PermanentEventError('nope');
          seen.push(r);
        },
      }),
    );
    await ns.publish([{ topic: 'order.events', key: 'order-ns', envelope: e }]);
    await waitFor(() => bus.read('staging.order.events.dlq').length === 1, {
      what: 'namespaced dead letter',
    });
    // Nothing outside the namespace.
    expect(bus.read('order.events.dlq')).toEqual([]);

    const [letter] = await listDeadLetters(ns, 'order.events');
    expect(letter).toMatchObject({
      dlqTopic: 'order.events.dlq',
      sourceTopic: 'order.events',
      group: 'staging.store',
      eventId: e.id,
    });
    fail = false;
    await replayDeadLetters(ns, 'order.events');
    await waitFor(() => seen.length === 1, { what: 'namespaced replay' });
    expect(seen[0]).toMatchObject({ topic: 'order.events', key: 'order-ns', envelope: e });
    expect(bus.read('staging.order.events').filter((r) => r.envelope.id === e.id)).toHaveLength(2);
    expect(bus.read('order.events')).toEqual([]);
  });

  it('from the command line, with the services configuration (EVENTLOG_PATH)', async () => {
    const e = orderEvent('order-cli');
    await deadLetter(
      bus,
      'payment',
      { topic: 'order.events', partition: 2, offset: '9', key: 'order-cli', envelope: e },
      new Error('cli boom'),
    );
    const env = { ...process.env, EVENTLOG_PATH: path, KAFKA_BROKERS: '' };
    const run = promisify(execFile);
    const list = await run(process.execPath, ['--import', 'tsx', 'scripts/dlq.ts', 'list', 'order.events'], {
      cwd: ROOT,
      env,
    });
    expect(list.stdout).toContain(`OrderCanceled ${e.id} key order-cli`);
    expect(list.stdout).toContain('from order.events partition 2 offset 9, consumer group payment');
    const replay = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/dlq.ts', 'replay', 'order.events', '--event-id', e.id],
      { cwd: ROOT, env },
    );
    expect(replay.stdout).toContain(`replayed OrderCanceled ${e.id} to order.events (key order-cli)`);
    expect(bus.read('order.events').map((r) => r.envelope)).toEqual([e]);
    const bad = await run(process.execPath, ['--import', 'tsx', 'scripts/dlq.ts', 'purge', 'x'], {
      cwd: ROOT,
      env,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain('usage: npm run dlq');
  });

  it('busFromEnv picks the embedded log without KAFKA_BROKERS', async () => {
    const b = await busFromEnv({ EVENTLOG_PATH: path });
    try {
      expect(b.kind).toBe('embedded');
    } finally {
      await b.close();
    }
  });
});

describe('dlq argument parsing', () => {
  it('accepts the documented forms', () => {
    expect(parseDlqArgs(['list', 'order.events'])).toEqual({
      command: 'list',
      topic: 'order.events',
      options: { limit: undefined },
      json: false,
    });
    expect(parseDlqArgs(['replay', 'store.events.dlq', '--limit', '5', '--event-id', 'e1'])).toEqual({
      command: 'replay',
      topic: 'store.events.dlq',
      options: { limit: 5, eventId: 'e1' },
      json: false,
    });
  });

  it.each([
    [[], 'the command must be list or replay'],
    [['purge', 'order.events'], 'the command must be list or replay'],
    [['list'], 'a topic is required'],
    [['list', 'order.events', '--limit', '0'], '--limit must be a positive integer'],
    [['list', 'order.events', '--limit', 'x'], '--limit must be a positive integer'],
    [['list', 'order.events', '--bogus'], 'Unknown option'],
    [['list', 'a', 'b'], 'unexpected arguments'],
    [['list', 'bogus.events'], 'unknown topic "bogus.events"'],
    [['replay', 'order.events.dlq.dlq'], 'unknown topic "order.events.dlq.dlq"'],
  ])('%j is refused', (argv, message) => {
    expect(() => parseDlqArgs(argv)).toThrow(UsageError);
    expect(() => parseDlqArgs(argv)).toThrow(message);
  });
});
