import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpPool, HttpTimeoutError, headerValue, poolClient } from '../src/http/poolClient.js';
import { freePort } from '../src/testing/freePort.js';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server; `answer` gets each request (after its body), `seen` records them. */
async function serve(answer: (req: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  let connections = 0;
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const s = { path: req.url ?? '', headers: req.headers, body };
    seen.push(s);
    answer(s, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let pool: HttpPool | null = null;
let server: Awaited<ReturnType<typeof serve>> | null = null;
afterEach(async () => {
  await pool?.close();
  await server?.close();
  pool = null;
  server = null;
});

describe('poolClient', () => {
  it('posts the body and headers to the path and returns status, headers and body text', async () => {
    server = await serve((req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ echo: JSON.parse(req.body), path: req.path }));
    });
    pool = poolClient(server.url, { timeoutMs: 5000 });
    const res = await pool.post(
      '/x/capture?q=1',
      { 'content-type': 'application/json', 'x-a': 'b' },
      '{"n":1}',
    );
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({ echo: { n: 1 }, path: '/x/capture?q=1' });
    expect(headerValue(res.headers, 'content-type')).toBe('application/json');
    expect(headerValue(res.headers, 'set-cookie')).toBe('a=1, b=2');
    expect(server.seen[0]!.headers['x-a']).toBe('b');
    expect(server.seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('reuses its connections for calls one after another (keep-alive)', async () => {
    server = await serve((_req, res) => res.end('ok'));
    pool = poolClient(server.url, { timeoutMs: 5000 });
    const calls = Array.from({ length: 10 }, (_, i) => String(i));
    for (const body of calls) expect((await pool.post('/p', {}, body)).body).toBe('ok');
    expect(server.seen.map((s) => s.body)).toEqual(calls);
    // undici may open a second socket while the first is being released; not one per call.
    expect(server.connections()).toBeLessThan(calls.length / 2);
  });

  it('a call whose answer does not come within its own timeout throws a TimeoutError', async () => {
    const held: ServerResponse[] = [];
    server = await serve((_req, res) => held.push(res));
    pool = poolClient(server.url, { timeoutMs: 60_000 });
    const err = await pool.post('/slow', {}, '', 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTimeoutError);
    expect((err as Error).name).toBe('TimeoutError');
    for (const res of held) res.end();
  });

  it('an origin nobody listens on throws the connection error', async () => {
    pool = poolClient(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 5000 });
    const err = await pool.post('/p', {}, '').catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
