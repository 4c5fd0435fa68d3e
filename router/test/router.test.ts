import {
  CALLER_HEADER,
  CALLER_SIGNATURE_HEADER,
  currentLogContext,
  logger,
  signCallerHeaders,
  signJwt,
} from '@baemin/platform';
import { getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alice as aliceCaller, bearerToken, owner1, waitFor } from '@baemin/platform/testing';
import type { RunningRouter } from '../src/server.js';
import {
  gql,
  INTERNAL_SECRET,
  JWT_SECRET,
  startOrdersAndStores,
  startTestRouter,
  type TestSubgraph,
} from './fixtures.js';

let orders: TestSubgraph;
let stores: TestSubgraph;
let router: RunningRouter;
const alice = bearerToken(aliceCaller, JWT_SECRET);
const owner = bearerToken(owner1, JWT_SECRET);

beforeAll(async () => {
  ({ orders, stores } = await startOrdersAndStores());
  // The full /graphql URL for one of them: both forms are accepted.
  router = await startTestRouter([orders, stores], {
    urls: { orders: orders.url, stores: `${stores.url}/graphql` },
  });
});

afterAll(async () => {
  await router?.close();
  await orders?.stop();
  await stores?.stop();
});

describe('federation through the router', () => {
  it('joins both subgraphs in one query and forwards the caller to every fetch', async () => {
    const res = await gql(
      router.graphqlUrl,
      '{ whoami { id role } orders { id store { id name seenBy } } }',
      {
        token: alice,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      whoami: { id: 'alice', role: 'customer' },
      orders: [
        { id: 'o-1', store: { id: 'store-1', name: 'Store 1', seenBy: 'customer:alice' } },
        { id: 'o-2', store: { id: 'store-2', name: 'Store 2', seenBy: 'customer:alice' } },
      ],
    });
  });

  it('treats a request without Authorization as anonymous', async () => {
    const res = await gql(router.graphqlUrl, '{ whoami { id } stores { seenBy } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      whoami: null,
      stores: [{ seenBy: 'anonymous' }, { seenBy: 'anonymous' }],
    });
  });

  it('ignores identity headers sent by the client, even validly signed ones', async () => {
    const forged = signCallerHeaders({ id: 'mallory', role: 'owner' }, INTERNAL_SECRET);
    const anonymous = await gql(router.graphqlUrl, '{ whoami { id role } ownerSecret }', { headers: forged });
    expect(anonymous.body.data?.whoami).toBeNull();
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const asAlice = await gql(router.graphqlUrl, '{ whoami { id role } }', {
      token: alice,
      headers: { [CALLER_HEADER]: 'bogus', [CALLER_SIGNATURE_HEADER]: 'bogus' },
    });
    expect(asAlice.body.data?.whoami).toEqual({ id: 'alice', role: 'customer' });
    const last = orders.received.at(-1);
    expect(last?.[CALLER_HEADER]).not.toBe('bogus');
    expect(last?.[CALLER_HEADER]).not.toContain(',');
  });

  it('keeps subgraph error codes and masks unexpected errors', async () => {
    const denied = await gql(router.graphqlUrl, '{ ownerSecret }', { token: alice });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(denied.body.data).toEqual({ ownerSecret: null });

    const allowed = await gql(router.graphqlUrl, '{ ownerSecret }', { token: owner });
    expect(allowed.body).toEqual({ data: { ownerSecret: 'the secret recipe' } });

    const boom = await gql(router.graphqlUrl, '{ boom }');
    const error = boom.body.errors?.[0];
    expect(error).toMatchObject({
      message: 'Internal server error',
      path: ['boom'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'stores' },
    });
    expect(JSON.stringify(boom.body)).not.toMatch(/kaboom|stacktrace|\.ts:\d+/);
  });

  it('logs a masked error with the id of the request it belongs to', async () => {
    // What the line carries: the log context (pino's mixin) overlaid with the call's own fields.
    const lines: Record<string, unknown>[] = [];
    const spy = vi.spyOn(logger, 'error').mockImplementation((msg: string, fields?: object) => {
      lines.push({ ...currentLogContext(), ...fields, msg });
    });
    try {
      const boom = await gql(router.graphqlUrl, '{ boom }', { headers: { 'x-request-id': 'req-boom-1' } });
      expect(boom.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      await gql(router.graphqlUrl, '{ boom }', { headers: { 'x-request-id': 'req-boom-2' } });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'subgraph internal error',
        requestId: 'req-boom-1',
        serviceName: 'stores',
      }),
      expect.objectContaining({
        msg: 'subgraph internal error',
        requestId: 'req-boom-2',
        serviceName: 'stores',
      }),
    ]);
  });

  it('forwards trace context and a request id, and echoes the request id', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await gql(router.graphqlUrl, '{ stores { id } }', {
      headers: { traceparent, 'x-request-id': 'req-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const seen = stores.received.at(-1);
    expect(seen?.traceparent).toBe(traceparent);
    expect(seen?.['x-request-id']).toBe('req-123');

    const generated = await gql(router.graphqlUrl, '{ stores { id } }');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(stores.received.at(-1)?.['x-request-id']).toBe(generated.headers.get('x-request-id'));
  });
});

/** One operation over a real graphql-ws connection: its results, or its refusal (error list). */
async function overWs(url: string, query: string, token?: string, operationName?: string) {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  try {
    const results: {
      data?: unknown;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    }[] = [];
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query, ...(operationName ? { operationName } : {}) },
        {
          next: (r) => results.push(r as (typeof results)[number]),
          error: resolve,
          complete: () => resolve(null),
        },
      );
    });
    return { results, error };
  } finally {
    await client.dispose();
  }
}

describe('errors over WebSocket are formatted exactly like HTTP', () => {
  it('masks an unexpected subgraph error', async () => {
    const { results } = await overWs(router.graphqlUrl, '{ boom }');
    expect(results[0]?.errors?.[0]).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'stores' },
    });
    expect(JSON.stringify(results)).not.toMatch(/kaboom|stacktrace|\.ts:\d+/);
  });

  it('refuses an operation name the document does not define with the code and message HTTP gives', async () => {
    const query = 'query A { stores { id } }';
    const http = await fetch(router.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, operationName: 'B' }),
    });
    expect(http.status).toBe(400);
    const expected = {
      message: 'Unknown operation named "B".',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    };
    expect(((await http.json()) as { errors: unknown[] }).errors).toEqual([expected]);
    const { error } = await overWs(router.graphqlUrl, query, undefined, 'B');
    expect(error).toEqual([expected]);
  });

  it('refuses over the limits with the same codes, without Apollo internals', async () => {
    const roots = Array.from({ length: 21 }, (_, i) => `s${i}: stores { id }`).join(' ');
    const { error } = await overWs(router.graphqlUrl, `{ ${roots} }`);
    expect(error).toEqual([
      {
        message: 'Operation selects 21 root fields; the limit is 20',
        extensions: { code: 'TOO_MANY_ROOT_FIELDS', actual: 21, limit: 20 },
      },
    ]);
  });
});

describe('authentication', () => {
  it.each([
    ['a forged signature', signJwt({ sub: 'alice', role: 'customer' }, 'not-the-secret')],
    ['an expired token', signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, -3600)],
    ['garbage', 'not.a.jwt'],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_what, token) => {
    const res = await gql(router.graphqlUrl, '{ stores { id } }', { token });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toMatch(/^Invalid token: /);
    expect(res.body.data).toBeUndefined();
  });

  it('refuses a non-Bearer Authorization header', async () => {
    const res = await gql(router.graphqlUrl, '{ stores { id } }', {
      headers: { authorization: 'Basic YTpi' },
    });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token claiming the service role', async () => {
    const res = await gql(router.graphqlUrl, '{ whoami { id } }', {
      token: signJwt({ sub: 'order', role: 'service' }, JWT_SECRET),
    });
    expect(res.status).toBe(401);
  });
});

describe('token issuer, audience and age (JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_AGE_SECONDS)', () => {
  let strict: RunningRouter;
  const checks = { issuer: 'https://id.baemin.example', audience: 'baemin-api' };

  beforeAll(async () => {
    strict = await startTestRouter([orders, stores], { jwt: { ...checks, maxAgeSeconds: 600 } });
  });
  afterAll(() => strict?.close());

  it('accepts a token for this issuer and audience', async () => {
    const res = await gql(strict.graphqlUrl, '{ whoami { id } }', {
      token: signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, 300, checks),
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ whoami: { id: 'alice' } });
  });

  it.each([
    [
      'no issuer or audience',
      signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, 300),
      'iss claim is missing',
    ],
    [
      'another issuer',
      signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, 300, {
        ...checks,
        issuer: 'https://evil.example',
      }),
      'iss claim is not accepted',
    ],
    [
      'another audience',
      signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, 300, { ...checks, audience: 'admin-api' }),
      'aud claim is not accepted',
    ],
    [
      'a token older than the maximum age',
      signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, 3600, {
        ...checks,
        issuedAt: Math.floor(Date.now() / 1000) - 1200,
      }),
      'token too old',
    ],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_what, token, reason) => {
    const res = await gql(strict.graphqlUrl, '{ whoami { id } }', { token });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toContain(reason);
  });
});

/** A router whose every caller may send 2 operations, then 1 per 10 s. */
const startRateLimited = () => startTestRouter([orders, stores], { rateLimit: { perSecond: 0.1, burst: 2 } });

describe('rate limit (HTTP)', () => {
  let limited: RunningRouter;
  beforeAll(async () => {
    limited = await startRateLimited();
  });
  afterAll(() => limited?.close());

  it('counts requests with bad tokens against the client address, before verifying more of them', async () => {
    const forged = signJwt({ sub: 'mallory', role: 'customer' }, 'not-the-secret');
    const first = await gql(limited.graphqlUrl, '{ whoami { id } }', { token: forged });
    const second = await gql(limited.graphqlUrl, '{ whoami { id } }', { token: forged });
    expect([first.status, second.status]).toEqual([401, 401]);
    const third = await gql(limited.graphqlUrl, '{ whoami { id } }', { token: forged });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('10');
    expect(third.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 10 });
    // The address's bucket is anonymous callers' bucket too; a token holder has their own.
    expect((await gql(limited.graphqlUrl, '{ whoami { id } }')).status).toBe(429);
    const own = await gql(limited.graphqlUrl, '{ whoami { id } }', { token: alice });
    expect(own.body.data).toEqual({ whoami: { id: 'alice' } });
  });
});

describe('rate limit (WebSocket)', () => {
  let limited: RunningRouter;
  beforeAll(async () => {
    limited = await startRateLimited();
  });
  afterAll(() => limited?.close());

  /** The close code the router answers a graphql-ws connection_init carrying `token` with. */
  const closeCodeFor = (token: string) =>
    new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const socket = new WebSocket(limited.graphqlUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () =>
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
        ),
      );
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.on('error', reject);
    });

  it('counts connections with bad tokens against the client address, as HTTP does', async () => {
    const forged = signJwt({ sub: 'mallory', role: 'customer' }, 'not-the-secret');
    const codes = [await closeCodeFor(forged), await closeCodeFor(forged), await closeCodeFor(forged)];
    expect(codes.map((c) => c.code)).toEqual([4403, 4403, 4429]);
    expect(codes[2]?.reason).toBe('Too many attempts; retry in 10 s');
    // One bucket for both paths: the address is now limited over HTTP too.
    expect((await gql(limited.graphqlUrl, '{ whoami { id } }', { token: forged })).status).toBe(429);
  });
});

describe('request limits', () => {
  const nested = (depth: number) => {
    // stores(1) category(2) parent... name: depth counts every field level.
    let inner = 'name';
    for (let i = 0; i < depth - 3; i++) inner = `parent { ${inner} }`;
    return `{ stores { category { ${inner} } } }`;
  };

  it('accepts an operation exactly at the depth limit and refuses one level deeper', async () => {
    const ok = await gql(router.graphqlUrl, nested(15));
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();

    const deep = await gql(router.graphqlUrl, nested(16));
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.extensions).toMatchObject({
      code: 'OPERATION_TOO_DEEP',
      actual: 16,
      limit: 15,
    });
  });

  it('counts depth through fragments', async () => {
    const query = `query { stores { ...S } }
      fragment S on Store { category { ...C } }
      fragment C on Category { parent { parent { parent { parent { parent { parent { parent { parent { parent {
        parent { parent { parent { parent { parent { name } } } } } } } } } } } } } } }`;
    const res = await gql(router.graphqlUrl, query);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('OPERATION_TOO_DEEP');
  });

  it('limits aliases', async () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}: name`).join(' ');
    const ok = await gql(router.graphqlUrl, `{ stores { ${names(30)} } }`);
    expect(ok.body.errors).toBeUndefined();
    const res = await gql(router.graphqlUrl, `{ stores { ${names(31)} } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', actual: 31 });
  });

  it('limits root fields', async () => {
    const roots = Array.from({ length: 21 }, (_, i) => `s${i}: stores { id }`).join(' ');
    const res = await gql(router.graphqlUrl, `{ ${roots} }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'TOO_MANY_ROOT_FIELDS',
      actual: 21,
      limit: 20,
    });
  });

  it('lets the Sandbox introspection query through', async () => {
    const res = await gql(router.graphqlUrl, getIntrospectionQuery({ inputValueDeprecation: true }));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(JSON.stringify(res.body.data)).toContain('"name":"Store"');
  });

  it('reports parse and validation failures with Apollo codes', async () => {
    const parse = await gql(router.graphqlUrl, '{ stores { ');
    expect(parse.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await gql(router.graphqlUrl, '{ stores { nope } }');
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const res = await fetch(router.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ stores { id } } # ${'x'.repeat(1024 * 1024)}` }),
    });
    expect(res.status).toBe(413);
    expect(
      ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('Sandbox and health', () => {
  it('serves the embedded Sandbox to browsers outside production', async () => {
    const res = await fetch(router.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('embeddable-sandbox');
  });

  it('is live and ready while every subgraph answers', async () => {
    expect((await fetch(`${router.url}/health`)).status).toBe(200);
    const ready = await fetch(`${router.url}/ready`);
    expect(ready.status).toBe(200);
  });

  it('answers its internal counts to GET only, as the subgraphs answer theirs', async () => {
    const res = await fetch(`${router.url}/internal/subscriptions`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      watchers: 0,
      clientConnections: 0,
      rssBytes: expect.any(Number),
    });
    const post = await fetch(`${router.url}/internal/subscriptions`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET' } });
  });
});

describe('a subgraph going down', () => {
  let spare: TestSubgraph;
  let spareOrders: TestSubgraph;
  let r: RunningRouter;

  beforeAll(async () => {
    ({ orders: spareOrders, stores: spare } = await startOrdersAndStores());
    r = await startTestRouter([spareOrders, spare]);
    await spare.stop();
  });

  afterAll(async () => {
    await r?.close();
    await spareOrders?.stop();
  });

  it('stays ready (it can still serve the others) and reports the missing one in /health and /ready', async () => {
    const body = async (path: '/health' | '/ready') => {
      const res = await fetch(`${r.url}${path}`);
      return { status: res.status, body: (await res.json()) as { failed?: string[]; subgraphs: unknown } };
    };
    // The state is probed in the background (the bodies never wait on a subgraph): wait for it.
    const ready = await waitFor(async () => {
      const b = await body('/ready');
      return (b.body.subgraphs as Record<string, string>).stores === 'down' ? b : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.body.failed).toEqual([]);
    expect(ready.body.subgraphs).toEqual({ orders: 'up', stores: 'down' });
    const health = await body('/health');
    expect(health.status).toBe(200);
    expect(health.body.subgraphs).toEqual({ orders: 'up', stores: 'down' });
  });

  it('gives SERVICE_UNAVAILABLE for its fields without leaking addresses, and still serves the others', async () => {
    const res = await gql(r.graphqlUrl, '{ stores { id } }');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      serviceName: 'stores',
    });
    expect(JSON.stringify(res.body)).not.toContain('127.0.0.1');
    const ws = await overWs(r.graphqlUrl, '{ stores { id } }');
    expect(ws.results[0]?.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      serviceName: 'stores',
    });
    expect(JSON.stringify(ws.results)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stacktrace/);
    const other = await gql(r.graphqlUrl, '{ orders { id } }');
    expect(other.body).toEqual({ data: { orders: [{ id: 'o-1' }, { id: 'o-2' }] } });
  });
});
