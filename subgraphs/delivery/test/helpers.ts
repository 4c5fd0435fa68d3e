import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Caller,
  createEnvelope,
  DEV_INTERNAL_SECRET,
  type EmbeddedEventBus,
  type EventBus,
  type EventEnvelope,
  signCallerHeaders,
} from '@baemin/platform';

process.env.LOG_LEVEL ??= 'error';

export const SECRET = DEV_INTERNAL_SECRET;
export const service: Caller = { id: 'order', role: 'service' };

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value as T;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GqlResult<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export async function gql<T = Record<string, unknown>>(
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

export async function publish<P>(
  bus: EventBus,
  topic: string,
  producer: string,
  type: string,
  orderId: string,
  payload: P,
) {
  const envelope = createEnvelope(producer, { type, correlationId: orderId, payload });
  await bus.publish([{ topic, key: orderId, envelope }]);
  return envelope;
}

export async function republish(bus: EventBus, topic: string, envelope: EventEnvelope) {
  await bus.publish([{ topic, key: envelope.correlationId, envelope }]);
}

/** Events of one order on a topic, as stored on the embedded log. */
export function eventsOf(bus: EventBus, topic: string, orderId: string): EventEnvelope[] {
  return (bus as EmbeddedEventBus)
    .read(topic)
    .filter((r) => r.key === orderId)
    .map((r) => r.envelope);
}
