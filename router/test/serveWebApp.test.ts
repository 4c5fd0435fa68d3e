import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HttpService, startHttpService, verifyJwt } from '@baemin/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_STORES } from '../../subgraphs/store/src/seed.js';
import { serveWebApp } from '../src/serveWebApp.js';

const SECRET = 'web-test-secret';
let dir: string;
const services: HttpService[] = [];

/** A real HTTP service with the web app's routes, as the router mounts them. */
async function serve(env: NodeJS.ProcessEnv, explorer = true, webDir = dir): Promise<string> {
  const web = serveWebApp({ dir: webDir, explorer, devTokensSecret: SECRET, env });
  const http = await startHttpService({
    name: 'web-test',
    port: 0,
    routes: web.routes,
    fallback: web.fallback,
  });
  services.push(http);
  return http.url;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'web-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dir, 'graphiql.html'), '<!doctype html><title>graphiql</title>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'app-abc123.css'), 'body{}');
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('serveWebApp', () => {
  it('serves files with their content type; hashed assets cached for a year, HTML revalidated', async () => {
    const url = await serve({ NODE_ENV: 'development' });
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>app</title>');
    const js = await fetch(`${url}/assets/app-abc123.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await fetch(`${url}/assets/app-abc123.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers app routes with index.html, but missing files, traversal and writes with errors', async () => {
    const url = await serve({ NODE_ENV: 'development' });
    const page = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } };
    for (const path of ['/customer', '/customer/orders/o-1', '/owner']) {
      const res = await fetch(`${url}${path}`, page);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<title>app</title>');
    }
    expect((await fetch(`${url}/assets/gone-999.js`)).status).toBe(404);
    expect((await fetch(`${url}/favicon.ico`)).status).toBe(404);
    // Encoded slashes survive URL parsing; decoded, they would climb out of the directory.
    expect((await fetch(`${url}/assets/..%2f..%2f..%2fetc%2fpasswd`, page)).status).toBe(404);
    expect((await fetch(`${url}/%E0%A4%A`, page)).status).toBe(400);
    expect((await fetch(`${url}/customer`, { method: 'POST' })).status).toBe(405);
    // Not a browser navigation (an API call to a path that does not exist): 404, not the app.
    expect((await fetch(`${url}/customer`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('serves GraphiQL at /graphiql only when the explorer is on', async () => {
    const on = await serve({ NODE_ENV: 'development' });
    expect(await (await fetch(`${on}/graphiql`)).text()).toContain('<title>graphiql</title>');
    const off = await serve({ NODE_ENV: 'development' }, false);
    expect((await fetch(`${off}/graphiql`)).status).toBe(404);
  });

  it('hands out demo tokens signed with the router secret outside production, never in production', async () => {
    const dev = await serve({ NODE_ENV: 'development' });
    const res = await fetch(`${dev}/dev/tokens`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { tokens } = (await res.json()) as { tokens: { role: string; sub: string; token: string }[] };
    expect(tokens.map((t) => `${t.role}:${t.sub}`)).toContain('owner:owner-1');
    for (const t of tokens)
      expect(await verifyJwt(t.token, SECRET)).toMatchObject({ id: t.sub, role: t.role });

    const prod = await serve({ NODE_ENV: 'production', ROUTER_DEV_TOKENS: 'true' });
    const refused = await fetch(`${prod}/dev/tokens`);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('eyJ');
    const optedOut = await serve({ NODE_ENV: 'development', ROUTER_DEV_TOKENS: 'false' });
    expect((await fetch(`${optedOut}/dev/tokens`)).status).toBe(404);
  });

  it('describes each demo owner by exactly the stores the seed gives them', async () => {
    const dev = await serve({ NODE_ENV: 'development' });
    const { tokens } = (await (await fetch(`${dev}/dev/tokens`)).json()) as {
      tokens: { role: string; sub: string; description: string }[];
    };
    const owners = tokens.filter((t) => t.role === 'owner');
    expect(owners.map((o) => o.sub).sort()).toEqual([...new Set(SEED_STORES.map((s) => s.ownerId))].sort());
    for (const o of owners) {
      const seeded = SEED_STORES.filter((s) => s.ownerId === o.sub).map((s) => s.id);
      expect(o.description.match(/store-\d+/g), o.sub).toEqual(seeded);
    }
  });

  it('says how to build the app when web/dist is missing', async () => {
    const url = await serve({ NODE_ENV: 'development' }, true, join(dir, 'nope'));
    const res = await fetch(`${url}/customer`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build -w web');
  });
});
