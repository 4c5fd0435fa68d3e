import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPHS } from '../packages/platform/src/config.js';
import { BUILD_ENTRIES, buildAll } from '../scripts/build.js';
import { PROCESSES } from '../scripts/processes.js';
import { seed } from '../scripts/seed.js';
import { alice, bearerToken, freePort, waitFor } from '../packages/platform/src/testing/index.js';

/**
 * `npm run build` and what the image runs: the compiled bundles started with plain `node` (no
 * TypeScript loader, from another working directory, as in the container), finding their SDL,
 * migrations and supergraph at run time, answering /health, /ready and GraphQL.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const JWT_SECRET = 'build-test-jwt-secret-of-at-least-32-bytes';
const INTERNAL_SECRET = 'build-test-internal-secret-of-at-least-32-bytes';

describe('npm run build: compiled JavaScript for every process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'baemin-build-'));
  const children: ChildProcess[] = [];
  const output: string[] = [];
  /** Plain node, none of the test runner's loader options, started outside the repository. */
  const env = (port: number, extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    DATA_DIR: dataDir,
    JWT_SECRET,
    INTERNAL_SECRET,
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const run = (args: string[], port: number, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/main.js'), ...args], {
      cwd: dataDir,
      env: env(port, extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    await buildAll();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes one bundle per process and tool, beside the sources they come from', () => {
    for (const [entry, out] of Object.entries(BUILD_ENTRIES)) {
      expect(existsSync(join(ROOT, entry)), entry).toBe(true);
      expect(existsSync(join(ROOT, out)), out).toBe(true);
      const code = readFileSync(join(ROOT, out), 'utf8');
      // Our own TypeScript is bundled in: nothing left for a loader to transform.
      expect(code, out).not.toMatch(/from\s+["'][^"']*\.ts["']/);
      expect(code, out).not.toMatch(/from\s+["']@baemin\//);
      expect(code, out).not.toMatch(/["']tsx["']/);
    }
    // dist/main.js dispatches to exactly these bundles.
    for (const bundle of Object.values(PROCESSES)) expect(Object.values(BUILD_ENTRIES)).toContain(bundle);
    for (const s of SUBGRAPHS) expect(PROCESSES[s]).toBe(`subgraphs/${s}/dist/index.js`);
  });

  it('runs every subgraph and the router with plain node: /health, /ready, migrations, a query', async () => {
    const ports = Object.fromEntries(
      await Promise.all([...SUBGRAPHS, 'router'].map(async (s) => [s, await freePort()] as const)),
    ) as Record<(typeof SUBGRAPHS)[number] | 'router', number>;
    const urls = Object.fromEntries(
      SUBGRAPHS.map((s) => [`${s.toUpperCase()}_URL`, `http://127.0.0.1:${ports[s]}`]),
    );
    // Demo data only by the explicit seed command's code (the services never seed themselves).
    await seed(dataDir);
    for (const s of SUBGRAPHS) run([s], ports[s], urls);
    run(['router'], ports.router, { ...urls, ROUTER_WATCH_SUPERGRAPH: 'false' });
    const store = `http://127.0.0.1:${ports.store}`;
    const router = `http://127.0.0.1:${ports.router}`;
    try {
      for (const s of SUBGRAPHS) {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${ports[s]}/ready`)).status === 200, {
          timeoutMs: 60_000,
          intervalMs: 100,
          what: `compiled ${s}`,
        });
      }
      // The router is ready once its bundle loaded the supergraph and listens.
      await waitFor(async () => (await fetch(`${router}/ready`)).status === 200, {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'the compiled router',
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output.join('')}`);
    }
    expect(await (await fetch(`${store}/health`)).json()).toMatchObject({ status: 'ok', service: 'store' });
    // Migrations ran from subgraphs/<name>/drizzle (found relative to each bundle).
    for (const s of SUBGRAPHS) expect(existsSync(join(dataDir, `${s}.db`)), s).toBe(true);

    // Router (supergraph from schema/, found relative to router/dist) -> store (schema.graphql).
    const token = bearerToken(alice, JWT_SECRET, 600);
    const res = await fetch(`${router}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ stores { id name menu { id name price } } }' }),
    });
    const body = (await res.json()) as {
      data?: { stores: { id: string; name: string; menu: { id: string }[] }[] };
      errors?: unknown[];
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.stores.length).toBeGreaterThan(0);
    expect(body.data?.stores.find((s) => s.id === 'store-1')?.menu.length).toBeGreaterThan(0);

    // The image's HEALTHCHECK: 0 for a ready process on PORT, 1 for nothing listening.
    const check = (port: number) =>
      spawnSync(process.execPath, [join(ROOT, 'dist/healthcheck.js')], { cwd: dataDir, env: env(port) })
        .status;
    expect(check(ports.store)).toBe(0);
    expect(check(await freePort())).toBe(1);
    // Six processes start one after another, each given up to 60 s above: the test allows for them.
  }, 180_000);

  it('runs the tools through the same entry point', () => {
    const tool = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'dist/main.js'), ...args], {
        cwd: dataDir,
        env: env(0),
        encoding: 'utf8',
      });
    const token = tool(['token', '--role', 'owner', '--sub', 'owner-1']);
    expect(token.status).toBe(0);
    expect(token.stdout.trim().split('.')).toHaveLength(3);
    const dlq = tool(['dlq', 'list', 'order.events']);
    expect(dlq.status, dlq.stderr).toBe(0);
    expect(dlq.stdout).toContain('embedded');
    const unknown = tool(['nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('usage: node dist/main.js <process>');
  });
});
