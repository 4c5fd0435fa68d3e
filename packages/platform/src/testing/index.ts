/**
 * Test support for one subgraph in-process: real SQLite in a temp folder, the real embedded event
 * log, and real HTTP with caller headers signed the way the router signs them. Test code only
 * (exported as `@baemin/platform/testing`), never imported by services.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../auth/Caller.js';
import { DEV_INTERNAL_SECRET, signCallerHeaders } from '../auth/internalIdentity.js';
import { service } from './callers.js';
import { EmbeddedEventBus } from '../bus/EmbeddedEventBus.js';
import type { EventBus } from '../bus/EventBus.js';
import { createEnvelope, type EventEnvelope } from '../events/EventEnvelope.js';

process.env.LOG_LEVEL ??= 'error';

/** Responses and payloads in tests are checked shape by shape with expect(), so they stay loosely typed. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

/** The internal secret subgraphs under test run with (their default), used to sign test requests. */
export const SECRET = DEV_INTERNAL_SECRET;

export { createEnvelope, EmbeddedEventBus };
export * from './callers.js';
export { hoursClosedNow } from './closedHours.js';
export { freePort } from './freePort.js';
export * from './pgTestDatabase.js';
export { DEFAULT_WAIT_TIMEOUT_MS, type WaitForOptions, waitFor } from './waitFor.js';
export { waitSettled } from './waitSettled.js';
export { OUTBOX_INBOX_SQL, writeMigrations } from './writeMigrations.js';
import { createPgTestDatabaseSync, testStoreEngine } from './pgTestDatabase.js';

/**
 * A temp data directory. With TEST_STORE_ENGINE=postgres it also creates a throw-away PostgreSQL
 * database and points DATABASE_URL at it (so a subgraph started on this directory stores there),
 * dropped by `cleanup` with the directory: the same subgraph tests then run on PostgreSQL.
 */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const pgDb = testStoreEngine() === 'postgres' ? createPgTestDatabaseSync() : null;
  if (pgDb) process.env.DATABASE_URL = pgDb.url;
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      if (pgDb) {
        if (process.env.DATABASE_URL === pgDb.url) delete process.env.DATABASE_URL;
        pgDb.drop();
      }
    },
  };
}

export interface GqlResult<T = Record<string, Loose>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export const codeOf = (r: Pick<GqlResult, 'errors'>) => r.errors?.[0]?.extensions?.code;

/** Calls a subgraph over real HTTP as `caller`, with headers signed the way the router signs them. */
export async function gql<T = Record<string, Loose>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  caller: Caller | null = null,
): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signCallerHeaders(caller, SECRET) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}

/** POSTs JSON to an internal route, signed as `caller` (default: a service). */
export async function post(
  url: string,
  path: string,
  body: unknown,
  caller: Caller | null = service,
  init: { raw?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers ?? signCallerHeaders(caller, SECRET)) },
    body: init.raw ?? JSON.stringify(body),
    signal: init.signal,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** GET /ready status code. */
export async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/ready`)).status;
}

/** Publishes a new event (fresh envelope) keyed by the order id. */
export async function publish<P>(
  bus: EventBus,
  topic: string,
  producer: string,
  type: string,
  orderId: string,
  payload: P,
): Promise<EventEnvelope<P>> {
  const envelope = createEnvelope(producer, { type, correlationId: orderId, payload });
  await bus.publish([{ topic, key: orderId, envelope }]);
  return envelope;
}

/** Publishes an existing envelope again (a redelivery, or a prepared event). */
export async function republish(bus: EventBus, topic: string, envelope: EventEnvelope): Promise<void> {
  await bus.publish([{ topic, key: envelope.correlationId, envelope }]);
}

/** Events of one order on a topic, as stored on the embedded log. */
export function eventsOf(bus: EventBus, topic: string, orderId: string): EventEnvelope[] {
  return (bus as EmbeddedEventBus)
    .read(topic, 0, 100_000)
    .filter((r) => r.key === orderId)
    .map((r) => r.envelope);
}

/** Every envelope on `topic`, optionally only those of one correlation id, in log order per key. */
export function eventsOn(
  bus: EmbeddedEventBus,
  topic: string,
  correlationId?: string,
): EventEnvelope<Loose>[] {
  return bus
    .read(topic, 0, 100_000)
    .map((r) => r.envelope)
    .filter((e) => correlationId === undefined || e.correlationId === correlationId);
}
