import { join } from 'node:path';
import { type Caller, signJwt } from '@baemin/platform';
import { alice, bearerToken, bob, owner1, owner2, tempDir, waitFor } from '@baemin/platform/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type RunningDashboard, start as startDashboard } from '../../subgraphs/dashboard/src/server.js';
import { start as startStore } from '../../subgraphs/store/src/server.js';
import { seed } from '../../scripts/seed.js';
import type { RunningRouter } from '../src/server.js';
import { start as startRouter } from '../src/server.js';
import { gql, INTERNAL_SECRET, JWT_SECRET } from './fixtures.js';

/**
 * The router's WebSocket path against the real store and dashboard subgraphs (in this process,
 * on the embedded event log; the other three are not running and not needed): one rule on HTTP and
 * WebSocket alike, and limits that hold however fast subscribes arrive.
 */

interface FormattedError {
  message: string;
  extensions?: { code?: string; scope?: string };
}
/** `next` carries a result, `error` the errors themselves. */
interface Message {
  type: string;
  id?: string;
  payload?: { data?: unknown; errors?: FormattedError[] } | FormattedError[];
}

/** A bare graphql-transport-ws client: frames are sent exactly when and as the test says. */
class RawClient {
  readonly messages: Message[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Message));
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  /** Opens a socket and sends connection_init with `params`; resolves at the ack or the close. */
  static async connect(url: string, params: Record<string, unknown>): Promise<RawClient> {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    client.send({ type: 'connection_init', payload: params });
    await waitFor(() => client.acked || client.closed !== null, { what: 'ack or close' });
    return client;
  }

  get acked(): boolean {
    return this.messages.some((m) => m.type === 'connection_ack');
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  of(id: string): Message[] {
    return this.messages.filter((m) => m.id === id);
  }

  /** Every `error` message's first error code. */
  errorCodes(): (string | undefined)[] {
    return this.messages.filter((m) => m.type === 'error').map((m) => codeOf(m));
  }

  close(): void {
    this.socket.terminate();
  }
}

const errorsOf = (m: Message | undefined): FormattedError[] | undefined =>
  Array.isArray(m?.payload) ? m.payload : m?.payload?.errors;
const codeOf = (m: Message | undefined) => errorsOf(m)?.[0]?.extensions?.code;

const MY_ORDERS = 'subscription { myOrdersChanged { orderId } }';
const MY_ORDERS_AFTER = 'subscription($a: Int) { myOrdersChanged(afterChangeId: $a) { orderId } }';

const tmp = tempDir('router-ws-rules-');
let store: Awaited<ReturnType<typeof startStore>>;
let dashboard: RunningDashboard;
let router: RunningRouter;
const clients: RawClient[] = [];
const connect = async (params: Record<string, unknown>) => {
  const c = await RawClient.connect(router.graphqlUrl, params);
  clients.push(c);
  return c;
};
const asCaller = (caller: Caller) => connect({ authorization: `Bearer ${bearerToken(caller, JWT_SECRET)}` });

beforeAll(async () => {
  await seed(tmp.dir, null);
  const common = {
    port: 0,
    dataDir: tmp.dir,
    eventLogPath: join(tmp.dir, 'eventlog.db'),
    internalSecret: INTERNAL_SECRET,
    jwtSecret: JWT_SECRET,
  };
  [store, dashboard] = await Promise.all([startStore(common), startDashboard(common)]);
  // Below two callers' replay limits together (2 × 10), to see the router-wide bound hold too.
  process.env.ROUTER_MAX_REPLAY_UPSTREAMS = '15';
  router = await startRouter({
    port: 0,
    jwtSecret: JWT_SECRET,
    internalSecret: INTERNAL_SECRET,
    watchSupergraph: false,
    // Bursts of a thousand operations are the point here, not the token bucket.
    rateLimit: { perSecond: 0 },
    // Order, payment and delivery are not started: nothing here plans a fetch to them.
    urls: {
      store: store.url,
      dashboard: dashboard.url,
      order: 'http://127.0.0.1:9',
      payment: 'http://127.0.0.1:9',
      delivery: 'http://127.0.0.1:9',
    },
  });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await waitFor(() => router.subscriptionStats().watchers === 0, { what: 'every subscription released' });
});

afterAll(async () => {
  delete process.env.ROUTER_MAX_REPLAY_UPSTREAMS;
  await router?.close();
  await Promise.all([store?.close(), dashboard?.close()]);
  tmp.cleanup();
});

describe('subscription limits hold for subscribes sent back to back', () => {
  it('accepts at most 100 on one socket of 1000 sent in one burst', async () => {
    const c = await asCaller(alice);
    for (let i = 0; i < 1000; i++) c.subscribe(`s${i}`, MY_ORDERS);
    // Every subscribe is either attached (silent feed) or refused.
    await waitFor(() => router.subscriptionStats().watchers + c.errorCodes().length === 1000, {
      what: 'every subscribe answered',
    });
    expect(router.subscriptionStats().watchers).toBe(100);
    expect(new Set(c.errorCodes())).toEqual(new Set(['SUBSCRIPTION_LIMIT_EXCEEDED']));
    expect(errorsOf(c.messages.find((m) => m.type === 'error'))?.[0]?.extensions?.scope).toBe('socket');
  });

  it('accepts at most 200 for one caller over two sockets of 101 each', async () => {
    const [a, b] = await Promise.all([asCaller(alice), asCaller(alice)]);
    for (let i = 0; i < 101; i++) {
      a.subscribe(`a${i}`, MY_ORDERS);
      b.subscribe(`b${i}`, MY_ORDERS);
    }
    const refused = () => a.errorCodes().length + b.errorCodes().length;
    await waitFor(() => router.subscriptionStats().watchers + refused() === 202, {
      what: 'every subscribe answered',
    });
    expect(router.subscriptionStats().watchers).toBe(200);
  });

  it('accepts at most 10 replays (distinct afterChangeId) for one caller', async () => {
    const c = await asCaller(alice);
    for (let i = 0; i < 60; i++) c.subscribe(`r${i}`, MY_ORDERS_AFTER, { a: 1000 + i });
    await waitFor(() => router.subscriptionStats().watchers + c.errorCodes().length === 60, {
      what: 'every subscribe answered',
    });
    expect(router.subscriptionStats().watchers).toBe(10);
    expect(router.subscriptionStats().replayUpstreams).toBe(10);
    // The slots come back when the subscriptions end.
    for (let i = 0; i < 60; i++) c.send({ id: `r${i}`, type: 'complete' });
    await waitFor(() => router.subscriptionStats().replayUpstreams === 0, {
      what: 'replay upstreams released',
    });
    c.subscribe('again', MY_ORDERS_AFTER, { a: 5 });
    await waitFor(() => router.subscriptionStats().replayUpstreams === 1, { what: 'a new replay admitted' });
  });

  it('creates at most ROUTER_MAX_REPLAY_UPSTREAMS upstreams from client positions, all callers', async () => {
    const [a, b] = await Promise.all([asCaller(alice), asCaller(bob)]);
    for (let i = 0; i < 10; i++) {
      a.subscribe(`a${i}`, MY_ORDERS_AFTER, { a: 2000 + i });
      b.subscribe(`b${i}`, MY_ORDERS_AFTER, { a: 3000 + i });
    }
    const refused = () => [...a.errorCodes(), ...b.errorCodes()];
    await waitFor(() => router.subscriptionStats().watchers + refused().length === 20, {
      what: 'every subscribe answered',
    });
    expect(router.subscriptionStats().replayUpstreams).toBe(15);
    expect(
      [...a.messages, ...b.messages]
        .filter((m) => m.type === 'error')
        .map((m) => errorsOf(m)?.[0]?.extensions?.scope),
    ).toEqual(Array(5).fill('replayUpstreams'));
  });
});

describe('subscriptions with bad variables are refused with BAD_USER_INPUT, as over HTTP', () => {
  const WATCH = 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { orderId } }';

  it.each([
    ['an object for ID!', WATCH, { id: { x: 1 } }],
    ['a missing ID!', WATCH, {}],
    ['null for ID!', WATCH, { id: null }],
    ['1e12 for Int', MY_ORDERS_AFTER, { a: 1e12 }],
    ['"abc" for Int', MY_ORDERS_AFTER, { a: 'abc' }],
  ])('%s: an error message, nothing subscribed upstream', async (_what, query, variables) => {
    const c = await asCaller(alice);
    c.subscribe('1', query, variables);
    await waitFor(() => c.of('1').length > 0, { what: 'an answer' });
    expect(c.of('1').map((m) => [m.type, codeOf(m)])).toEqual([['error', 'BAD_USER_INPUT']]);
    expect(router.subscriptionStats().upstreams).toBe(0);
  });

  it('the same variables over HTTP', async () => {
    const res = await gql(router.graphqlUrl, 'query($id: ID!) { store(id: $id) { id } }', {
      variables: { id: { x: 1 } },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a value the subgraph refuses (afterChangeId: -5) ends with its error, not a bare complete', async () => {
    const c = await asCaller(alice);
    c.subscribe('1', 'subscription { myOrdersChanged(afterChangeId: -5) { orderId } }');
    await waitFor(() => c.of('1').some((m) => m.type === 'complete' || m.type === 'error'), {
      what: 'the end',
    });
    expect(c.of('1').map(codeOf).filter(Boolean)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the session token: one verdict on HTTP and WebSocket', () => {
  /** A token that expired `ago` seconds ago (issued an hour before that). */
  const expiredAgo = (ago: number) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt({ sub: 'alice', role: 'customer' }, JWT_SECRET, 3600, { issuedAt: now - ago - 3600 });
  };

  it('a token expired 10 s ago (inside the 30 s leeway) works on both', async () => {
    const token = expiredAgo(10);
    const http = await gql(router.graphqlUrl, '{ __typename }', { token });
    expect(http.status).toBe(200);
    expect(http.body.data).toEqual({ __typename: 'Query' });
    const c = await connect({ authorization: `Bearer ${token}` });
    expect(c.acked).toBe(true);
    c.subscribe('q', '{ __typename }');
    await waitFor(() => c.of('q').some((m) => m.type === 'complete'), { what: 'the query answered' });
    await new Promise((r) => setTimeout(r, 500));
    expect(c.closed).toBeNull();
  });

  it('the session ends with 4001 when the leeway runs out too', async () => {
    const c = await connect({ authorization: `Bearer ${expiredAgo(29)}` });
    expect(c.acked).toBe(true);
    await waitFor(() => c.closed !== null, { what: 'the close', timeoutMs: 5000 });
    expect(c.closed).toEqual({ code: 4001, reason: 'Token expired' });
  });

  it.each([
    ['a number', 123],
    ['an array', [`Bearer ${bearerToken(alice, JWT_SECRET)}`]],
    ['an object', { token: 'x' }],
  ])(
    'an authorization param that is %s is refused with 4403, not taken as anonymous',
    async (_what, value) => {
      const c = await connect({ authorization: value });
      expect(c.acked).toBe(false);
      expect(c.closed?.code).toBe(4403);
    },
  );

  it('a null authorization param is no credential: anonymous, as without the header', async () => {
    const c = await connect({ authorization: null });
    expect(c.acked).toBe(true);
  });
});

describe('ticketsChanged(storeId): the store must exist and be the caller’s', () => {
  const TICKETS = 'subscription($s: ID) { ticketsChanged(storeId: $s) { orderId } }';

  it('refuses another owner’s store with FORBIDDEN and an unknown one with NOT_FOUND', async () => {
    const c = await asCaller(owner2);
    c.subscribe('other', TICKETS, { s: 'store-1' });
    c.subscribe('none', TICKETS, { s: 'no-such-store' });
    await waitFor(() => c.of('other').length > 0 && c.of('none').length > 0, { what: 'both answered' });
    expect(c.of('other').map((m) => [m.type, codeOf(m)])).toEqual([['error', 'FORBIDDEN']]);
    expect(c.of('none').map((m) => [m.type, codeOf(m)])).toEqual([['error', 'NOT_FOUND']]);
    expect(router.subscriptionStats().watchers).toBe(0);
  });

  it('admits the owner’s own store, and every store of theirs without storeId', async () => {
    const c = await asCaller(owner1);
    c.subscribe('own', TICKETS, { s: 'store-1' });
    c.subscribe('all', TICKETS);
    await waitFor(() => router.subscriptionStats().watchers === 2, { what: 'both attached' });
    expect(c.messages.filter((m) => m.id)).toEqual([]);
  });
});

describe('protocol errors from clients', () => {
  it('a frame over 1 MB gets close 1009 and one structured log line, not a stack on stderr', async () => {
    const printed = vi.spyOn(console, 'error');
    try {
      const c = await asCaller(alice);
      c.socket.send('x'.repeat(1024 * 1024 + 1));
      await waitFor(() => c.closed !== null, { what: 'the close' });
      expect(c.closed?.code).toBe(1009);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });
});
