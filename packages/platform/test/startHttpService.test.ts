import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpService, startHttpService } from '../src/http/startHttpService.js';
import { isDraining, startDraining } from '../src/http/shutdown.js';

/** Raw GET (fetch hides the Connection header), resolving status, headers and the JSON body. */
function get(url: string): Promise<{ status: number; connection?: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, headers: { connection: 'keep-alive' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: JSON.parse(text) }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('startHttpService while the process drains (SIGTERM, closeOnSignals)', () => {
  let http: HttpService;

  beforeAll(async () => {
    http = await startHttpService({
      name: 'probe',
      port: 0,
      routes: {
        '/work': (_req, res) => {
          res.end(JSON.stringify({ done: true }));
        },
      },
      readiness: [{ name: 'database', check: () => true }],
    });
  });
  afterAll(() => http.close());

  it('is ready and keeps connections open before the signal', async () => {
    expect(isDraining()).toBe(false);
    const ready = await get(`${http.url}/ready`);
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', failed: [] } });
    expect((await get(`${http.url}/work`)).connection).toBe('keep-alive');
  });

  it('then fails /ready at once, still serves requests, and asks clients to reconnect elsewhere', async () => {
    startDraining();
    const ready = await get(`${http.url}/ready`);
    expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', failed: ['shutting-down'] } });
    const work = await get(`${http.url}/work`);
    expect(work).toMatchObject({ status: 200, connection: 'close', body: { done: true } });
    // Liveness is unaffected: the process is healthy, only on its way out.
    expect((await get(`${http.url}/health`)).status).toBe(200);
  });
});

describe('startHttpService.close()', () => {
  it('resolves only once a handler whose connection it cut (after 2 s) has finished', async () => {
    let finished = false;
    const http = await startHttpService({
      name: 'probe',
      port: 0,
      routes: {
        // A request still waiting on a slow call when the service closes (placeOrder and payment).
        '/slow': async (_req, res) => {
          await new Promise((r) => setTimeout(r, 2600));
          finished = true;
          res.end('too late for the client');
        },
      },
    });
    const answer = new Promise<string>((resolve) => {
      request(`${http.url}/slow`, { agent: false }, () => resolve('answered'))
        .on('error', () => resolve('connection cut'))
        .end();
    });
    await new Promise((r) => setTimeout(r, 100));
    await http.close();
    expect(finished).toBe(true);
    expect(await answer).toBe('connection cut');
  });
});
