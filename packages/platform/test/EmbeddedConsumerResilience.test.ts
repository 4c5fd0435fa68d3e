import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus, GroupInUseError, GroupOwnedElsewhereError } from '../src/bus/EmbeddedEventBus.js';
import type { ConsumerHandle, ConsumerStatus } from '../src/bus/EventBus.js';
import { deadLetterCount, UnknownEntityError } from '../src/bus/deliverWithRetry.js';
import { createEnvelope } from '../src/events/EventEnvelope.js';
import { waitFor } from '../src/testing/waitFor.js';

process.env.LOG_LEVEL ??= 'silent';

/**
 * The embedded log's consumer under failure, on real SQLite files: lock contention past the busy
 * timeout, poison rows, leases that expire mid-pass, transient handler errors, a second member on
 * another database, a reset while the group is held.
 */
const dir = mkdtempSync(join(tmpdir(), 'embedded-resilience-'));
let n = 0;
const logPath = () => join(dir, `eventlog-${n++}.db`);
const buses: EmbeddedEventBus[] = [];
const handles: ConsumerHandle[] = [];

function newBus(path: string, extra: Partial<ConstructorParameters<typeof EmbeddedEventBus>[0]> = {}) {
  const bus = new EmbeddedEventBus({ path, pollIntervalMs: 5, leaseMs: 600, restartDelayMs: 50, ...extra });
  buses.push(bus);
  return bus;
}

/** Longer than the kit's 10 s: these tests restart consumers and wait out leases. */
const T = 20_000;

const env = (key: string, i: number, type = 'TestEvent') =>
  createEnvelope('test', { type, correlationId: key, payload: { n: i } });

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop().catch(() => undefined)));
  await Promise.all(buses.splice(0).map((b) => b.close().catch(() => undefined)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded consumer: failures outside the handler', () => {
  it('survives SQLITE_BUSY past the busy timeout on its offset commit, reports it, and resumes', async () => {
    const path = logPath();
    const bus = newBus(path, { busyTimeoutMs: 100 });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    await bus.publish([0, 1, 2].map((i) => ({ topic: 't', key: 'k', envelope: env('k', i) })));
    const locker = new Database(path);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: number[] = [];
    const handle = await bus.subscribe({
      group: 'busy',
      topics: ['t'],
      handler: async (r) => {
        seen.push((r.envelope.payload as { n: number }).n);
        if (seen.length === 1) await gate;
      },
    });
    handles.push(handle);
    await waitFor(() => seen.length === 1, { what: 'the first record in its handler', timeoutMs: T });
    // Another process takes the log's write lock for longer than the consumer's busy timeout, so the
    // offset commit (and the lease renewal) fail with SQLITE_BUSY.
    locker.exec('BEGIN EXCLUSIVE');
    release();
    const failing = await waitFor(
      async () => {
        const s = await handle.status();
        return s.state === 'restarting' && s.restarts >= 2 ? s : null;
      },
      { what: 'the consumer to report its restarts', timeoutMs: T },
    );
    expect(failing.lastError).toMatch(/locked|busy/i);
    locker.exec('COMMIT');
    locker.close();
    await waitFor(() => seen.includes(2), { what: 'all records after the lock is released', timeoutMs: T });
    const healthy = await waitFor(
      async () => {
        const s = await handle.status();
        return s.state === 'running' && s.lag === 0 ? s : null;
      },
      { what: 'running with no lag', timeoutMs: T },
    );
    expect(healthy.lastError).toBeNull();
    // At least once: the records whose (batched) offset commit failed come again from the first one,
    // once per restart, always in order.
    expect(seen.filter((i) => i === 0).length).toBeGreaterThanOrEqual(2);
    expect(seen.every((n, i) => (i === 0 ? n === 0 : n === 0 || n === seen[i - 1]! + 1))).toBe(true);
    expect(seen.slice(seen.lastIndexOf(0))).toEqual([0, 1, 2]);
  });

  it('dead-letters a poison row (headers and value that do not parse) and keeps going', async () => {
    const path = logPath();
    const bus = newBus(path);
    await bus.ensureTopics([{ name: 'p', partitions: 1 }]);
    await bus.publish([{ topic: 'p', key: 'k', envelope: env('k', 0) }]);
    // A row written by something else (a bug, another tool): neither headers nor value are JSON.
    const raw = new Database(path);
    raw
      .prepare(
        "INSERT INTO records (topic, partition, offset, key, headers, value, timestamp) VALUES ('p', 0, 1, 'k', '{not json', 'garbage', 0)",
      )
      .run();
    raw.close();
    await bus.publish([{ topic: 'p', key: 'k', envelope: env('k', 2) }]);
    const seen: number[] = [];
    const before = deadLetterCount('poison');
    const handle = await bus.subscribe({
      group: 'poison',
      topics: ['p'],
      handler: async (r) => void seen.push((r.envelope.payload as { n: number }).n),
    });
    handles.push(handle);
    await waitFor(() => seen.length === 2, { what: 'the records around the poison row', timeoutMs: T });
    expect(seen).toEqual([0, 2]);
    const dlq = bus.read('p.dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.envelope.type).toBe('MalformedMessage');
    expect((dlq[0]!.envelope.payload as { raw: string }).raw).toBe('garbage');
    expect(dlq[0]!.headers['dlq-source-offset']).toBe('1');
    const status = await waitFor(
      async () => {
        const s = await handle.status();
        return s.lag === 0 ? s : null;
      },
      { what: 'lag 0', timeoutMs: T },
    );
    expect(status).toMatchObject({ state: 'running', deadLettered: 1, restarts: 0 });
    expect(deadLetterCount('poison')).toBe(before + 1);
  });
});

describe('embedded consumer: retry classification', () => {
  it('retries transient handler errors without dead-lettering, then applies everything in order', async () => {
    const bus = newBus(logPath());
    await bus.ensureTopics([{ name: 'tr', partitions: 1 }]);
    await bus.publish([0, 1, 2].map((i) => ({ topic: 'tr', key: 'k', envelope: env('k', i) })));
    const failUntil = Date.now() + 4000; // far beyond the old ~1.5 s of five quick attempts
    let attempts = 0;
    const applied: number[] = [];
    const handle = await bus.subscribe({
      group: 'transient',
      topics: ['tr'],
      maxRetryDelayMs: 400,
      handler: async (r) => {
        const i = (r.envelope.payload as { n: number }).n;
        if (i === 1 && Date.now() < failUntil) {
          attempts++;
          throw Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });
        }
        applied.push(i);
      },
    });
    handles.push(handle);
    await waitFor(() => applied.length === 3, { what: 'all three applied', timeoutMs: 30_000 });
    expect(applied).toEqual([0, 1, 2]);
    expect(attempts).toBeGreaterThan(5);
    expect(bus.read('tr.dlq')).toEqual([]);
    expect((await handle.status()).deadLettered).toBe(0);
  });

  it('dead-letters an unknown entity only after its retry window, visibly', async () => {
    const bus = newBus(logPath());
    await bus.ensureTopics([{ name: 'ue', partitions: 1 }]);
    await bus.publish([
      { topic: 'ue', key: 'ghost', envelope: env('ghost', 0) },
      { topic: 'ue', key: 'k', envelope: env('k', 1) },
    ]);
    const started = Date.now();
    let tries = 0;
    const applied: number[] = [];
    const handle = await bus.subscribe({
      group: 'unknown',
      topics: ['ue'],
      unknownEntityRetryMs: 800,
      maxRetryDelayMs: 100,
      handler: async (r) => {
        const i = (r.envelope.payload as { n: number }).n;
        if (i === 0) {
          tries++;
          throw new UnknownEntityError('unknown order ghost');
        }
        applied.push(i);
      },
    });
    handles.push(handle);
    await waitFor(() => applied.length === 1, { what: 'the record after the unknown one', timeoutMs: T });
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(tries).toBeGreaterThan(2);
    const dlq = bus.read('ue.dlq');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers['dlq-error']).toContain('unknown order ghost');
  });
});

describe('embedded consumer: leases', () => {
  it('keeps the lease through a pass longer than the lease: a second member never handles the same record', async () => {
    const path = logPath();
    const a = newBus(path, { leaseMs: 400 });
    const b = newBus(path, { leaseMs: 400 });
    await a.ensureTopics([{ name: 'l', partitions: 1 }]);
    await a.publish([0, 1, 2, 3].map((i) => ({ topic: 'l', key: 'k', envelope: env('k', i) })));
    const handledBy = new Map<string, string[]>();
    const note = (who: string, id: string) => {
      handledBy.set(id, [...(handledBy.get(id) ?? []), who]);
    };
    let slow = true;
    const ha = await a.subscribe({
      group: 'lease',
      topics: ['l'],
      handler: async (r) => {
        note('a', r.envelope.id);
        // One record takes 5 leases long: today's lease, renewed only between passes, expires here.
        if ((r.envelope.payload as { n: number }).n === 1 && slow)
          await new Promise((res) => setTimeout(res, 2000));
      },
    });
    handles.push(ha);
    await waitFor(() => handledBy.size >= 2, { what: 'a to reach the slow record', timeoutMs: T });
    const hb = await b.subscribe({
      group: 'lease',
      topics: ['l'],
      handler: async (r) => note('b', r.envelope.id),
    });
    handles.push(hb);
    await waitFor(() => handledBy.size === 4, { what: 'all four records', timeoutMs: 20_000 });
    slow = false;
    await waitFor(async () => (await ha.status()).lag === 0, { what: 'lag 0', timeoutMs: T });
    for (const [, who] of handledBy) expect(who).toEqual(['a']);
    expect((await hb.status()).active).toBe(false);
  });

  it('refuses the commit of a stale holder and never moves an offset backwards', async () => {
    const path = logPath();
    const bus = newBus(path, { leaseMs: 5000 });
    await bus.ensureTopics([{ name: 'f', partitions: 1 }]);
    await bus.publish([0, 1, 2].map((i) => ({ topic: 'f', key: 'k', envelope: env('k', i) })));
    const raw = new Database(path);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: number[] = [];
    const handle = await bus.subscribe({
      group: 'fence',
      topics: ['f'],
      handler: async (r) => {
        const i = (r.envelope.payload as { n: number }).n;
        seen.push(i);
        if (i === 0 && seen.length === 1) await gate;
      },
    });
    handles.push(handle);
    await waitFor(() => seen.length === 1, { what: 'the first record in flight', timeoutMs: T });
    // Meanwhile (this member was paused, say) another member took the group and committed further.
    raw
      .prepare(
        "UPDATE group_leases SET member = 'other', generation = generation + 1, expires_at = ? WHERE grp = 'fence'",
      )
      .run(Date.now() + 1500);
    raw
      .prepare("INSERT INTO group_offsets (grp, topic, partition, next_offset) VALUES ('fence', 'f', 0, 2)")
      .run();
    const offsets: number[] = [];
    const sample = setInterval(() => {
      const row = raw.prepare("SELECT next_offset FROM group_offsets WHERE grp = 'fence'").get() as {
        next_offset: number;
      };
      offsets.push(row.next_offset);
    }, 5);
    release();
    // The stale holder's commit of offset 1 is refused; once the other lease expires it takes over
    // from the other member's offset 2: record 1 is not delivered again, the offset never went back.
    await waitFor(() => seen.includes(2), { what: 'record 2 after the takeover', timeoutMs: 20_000 });
    await waitFor(async () => (await handle.status()).lag === 0, { what: 'lag 0', timeoutMs: T });
    await waitFor(() => offsets.at(-1) === 3, { what: 'offset 3 sampled', timeoutMs: T });
    clearInterval(sample);
    expect(seen).toEqual([0, 2]);
    expect(offsets.every((o) => o >= 2)).toBe(true);
    expect(offsets.at(-1)).toBe(3);
    raw.close();
  });

  it('takes over a lease only after it expired, whatever process id it names', async () => {
    const path = logPath();
    const bus = newBus(path, { leaseMs: 800 });
    await bus.ensureTopics([{ name: 'pid', partitions: 1 }]);
    await bus.publish([{ topic: 'pid', key: 'k', envelope: env('k', 0) }]);
    const raw = new Database(path);
    // A live member in another PID namespace: its PID means nothing here (99999999 is not running).
    raw
      .prepare(
        "INSERT INTO group_leases (grp, member, pid, expires_at, generation) VALUES ('pidns', 'elsewhere', 99999999, ?, 1)",
      )
      .run(Date.now() + 1500);
    const seenAt: number[] = [];
    const started = Date.now();
    const handle = await bus.subscribe({
      group: 'pidns',
      topics: ['pid'],
      handler: async () => void seenAt.push(Date.now() - started),
    });
    handles.push(handle);
    await waitFor(() => seenAt.length === 1, { what: 'takeover after expiry', timeoutMs: T });
    expect(seenAt[0]).toBeGreaterThanOrEqual(1200);
    raw.close();
  });
});

describe('embedded log: group ownership and resets', () => {
  it('refuses a second member of a group that writes to another database', async () => {
    const path = logPath();
    const bus = newBus(path);
    await bus.ensureTopics([{ name: 'o', partitions: 1 }]);
    const first = await bus.subscribe({
      group: 'owner',
      topics: ['o'],
      storeId: 'db-A',
      handler: async () => {},
    });
    handles.push(first);
    const other = newBus(path);
    await expect(
      other.subscribe({ group: 'owner', topics: ['o'], storeId: 'db-B', handler: async () => {} }),
    ).rejects.toBeInstanceOf(GroupOwnedElsewhereError);
    // A replica on the same database is a standby member, not refused.
    const same = await other.subscribe({
      group: 'owner',
      topics: ['o'],
      storeId: 'db-A',
      handler: async () => {},
    });
    handles.push(same);
    const status: ConsumerStatus = await same.status();
    expect(status.state).toBe('running');
  });

  it('refuses resetGroup while a member holds the group, and allows it once stopped', async () => {
    const path = logPath();
    const bus = newBus(path);
    await bus.ensureTopics([{ name: 'r', partitions: 1 }]);
    await bus.publish([{ topic: 'r', key: 'k', envelope: env('k', 0) }]);
    let seen = 0;
    const group = `g-${randomUUID()}`;
    const handle = await bus.subscribe({ group, topics: ['r'], handler: async () => void seen++ });
    await waitFor(() => seen === 1, { what: 'one record', timeoutMs: T });
    await expect(bus.resetGroup(group, ['r'])).rejects.toBeInstanceOf(GroupInUseError);
    expect((await handle.status()).lag).toBe(0);
    await handle.stop();
    await bus.resetGroup(group, ['r']);
    const again = await bus.subscribe({ group, topics: ['r'], handler: async () => void seen++ });
    handles.push(again);
    await waitFor(() => seen === 2, { what: 'the replay after the reset', timeoutMs: T });
  });
});
