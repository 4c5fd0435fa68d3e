import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRouter } from '../src/server.js';
import { gql } from './fixtures.js';

// The committed supergraph (it has subscriptions and connections), with no subgraph reachable: a
// request these rules refuse never gets as far as a fetch, and one they let through comes back
// SERVICE_UNAVAILABLE, which tells the two apart.
let router: RunningRouter;

beforeAll(async () => {
  const { start } = await import('../src/server.js');
  router = await start({
    port: 0,
    urls: {
      order: 'http://127.0.0.1:1',
      store: 'http://127.0.0.1:1',
      payment: 'http://127.0.0.1:1',
      delivery: 'http://127.0.0.1:1',
      dashboard: 'http://127.0.0.1:1',
    },
  });
});

afterAll(async () => {
  await router?.close();
});

const codeOf = (res: Awaited<ReturnType<typeof gql>>) => res.body.errors?.[0]?.extensions?.code;

/** A POST with an operation name (gql() sends none). */
async function named(query: string, operationName: string): Promise<Awaited<ReturnType<typeof gql>>> {
  const res = await fetch(router.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, operationName }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Awaited<ReturnType<typeof gql>>['body'],
  };
}

describe('what HTTP can run (router/src/operationRules.ts)', () => {
  it('lets a runnable query through to the subgraphs (here: none answers)', async () => {
    const res = await gql(router.graphqlUrl, '{ stores { id } }');
    expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE');
  });

  it('refuses a subscription sent over HTTP POST with 400 BAD_REQUEST pointing to the WebSocket', async () => {
    const res = await gql(router.graphqlUrl, 'subscription { myOrdersChanged { orderId } }');
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(codeOf(res)).toBe('BAD_REQUEST');
    expect(res.body.errors?.[0]?.message).toContain('WebSocket');
  });

  it('refuses an operation name the document does not define with 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const res = await named('query A { stores { id } }', 'B');
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(res.body.errors?.[0]?.message).toBe('Unknown operation named "B".');
  });

  it('refuses two operations without an operation name, and runs the one named', async () => {
    const doc = 'query A { stores { id } } query B { stores { name } }';
    const res = await gql(router.graphqlUrl, doc);
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(res.body.errors?.[0]?.message).toBe(
      'Must provide operation name if query contains multiple operations.',
    );
    expect(codeOf(await named(doc, 'B'))).toBe('SERVICE_UNAVAILABLE');
  });

  it('reports a slicing variable that is no Int as BAD_USER_INPUT, not as a costly operation', async () => {
    const query = 'query($f: Int) { storeConnection(first: $f) { nodes { id } } }';
    for (const f of [10_000_000_000, 1e20]) {
      const res = await gql(router.graphqlUrl, query, { variables: { f } });
      expect(res.status).toBe(400);
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain('Int cannot represent non 32-bit signed integer value');
    }
    // A valid Int that is simply too large a page is still refused by its cost.
    const costly = await gql(
      router.graphqlUrl,
      'query($f: Int) { storeConnection(first: $f) { nodes { menu { store { menu { id } } } } } }',
      { variables: { f: 100_000 } },
    );
    expect(codeOf(costly)).toBe('OPERATION_TOO_COMPLEX');
  });
});
