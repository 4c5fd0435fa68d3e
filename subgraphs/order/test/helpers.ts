import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Caller,
  createEnvelope,
  EmbeddedEventBus,
  type EventEnvelope,
  signCallerHeaders,
} from '@baemin/platform';

/** Responses and payloads in tests are checked shape by shape with expect(), so they stay loosely typed. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

export const SECRET = 'order-test-secret';

export interface GqlResult<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

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
  return (await res.json()) as GqlResult<T>;
}

export const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls until `fn` returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 4000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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

export async function publish(bus: EmbeddedEventBus, topic: string, envelope: EventEnvelope): Promise<void> {
  await bus.publish([{ topic, key: envelope.correlationId, envelope }]);
}

export { createEnvelope, EmbeddedEventBus };

/** GET /ready status code. */
export async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/ready`)).status;
}
