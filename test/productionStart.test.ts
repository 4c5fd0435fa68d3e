import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_INTERNAL_SECRET } from '../packages/platform/src/auth/internalIdentity.js';
import { DEV_JWT_SECRET } from '../packages/platform/src/auth/jwt.js';
import { checkProductionSecrets, ConfigError } from '../packages/platform/src/config.js';
import { freePort } from '../packages/platform/src/testing/freePort.js';

const ROOT = new URL('..', import.meta.url).pathname;
const STRONG_JWT = 'j'.repeat(32);
const STRONG_INTERNAL = 'i'.repeat(40);
const dataDir = mkdtempSync(join(tmpdir(), 'baemin-secrets-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stderr: string;
  /** True when the process served /health (it started) before it was stopped. */
  served: boolean;
}

/**
 * Spawns a real service entry point with NODE_ENV=production and `secrets` (undefined = unset),
 * and waits for the fact: it exits on its own, or it serves /health (then it is stopped).
 */
async function startProduction(
  entry: string,
  secrets: Record<string, string | undefined>,
  whileServing?: (port: number) => Promise<void>,
): Promise<Run> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    ROUTER_WATCH_SUPERGRAPH: 'false',
  };
  for (const [k, v] of Object.entries(secrets)) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let served = false;
  const deadline = Date.now() + 60_000;
  while (child.exitCode === null && Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) served = true;
    } catch {
      // Not listening yet (or never will: it is exiting).
    }
    if (served) {
      try {
        await whileServing?.(port);
      } finally {
        child.kill('SIGTERM');
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!served && child.exitCode === null) child.kill('SIGKILL');
  return { code: await exited, stderr: stderr.trim(), served };
}

describe('checkProductionSecrets', () => {
  const prod = (env: Record<string, string | undefined>) => ({ NODE_ENV: 'production', ...env });
  it.each([
    ['router', {}, 'JWT_SECRET is not set'],
    ['router', { JWT_SECRET: '' }, 'JWT_SECRET is empty'],
    ['router', { JWT_SECRET: 'short' }, 'JWT_SECRET is only 5 bytes'],
    ['router', { JWT_SECRET: DEV_JWT_SECRET }, 'JWT_SECRET is the committed development value'],
    ['router', { JWT_SECRET: STRONG_JWT }, 'INTERNAL_SECRET is not set'],
    [
      'router',
      { JWT_SECRET: STRONG_JWT, INTERNAL_SECRET: DEV_INTERNAL_SECRET },
      'INTERNAL_SECRET is the committed',
    ],
    ['order', {}, 'INTERNAL_SECRET is not set'],
    ['order', { INTERNAL_SECRET: 'x'.repeat(31) }, 'INTERNAL_SECRET is only 31 bytes'],
    ['order', { INTERNAL_SECRET: STRONG_INTERNAL, JWT_SECRET: 'weak' }, 'JWT_SECRET is only 4 bytes'],
  ] as const)('%s with %j: %s', (name, env, message) => {
    expect(() => checkProductionSecrets(name, prod(env))).toThrow(ConfigError);
    expect(() => checkProductionSecrets(name, prod(env))).toThrow(message);
  });

  it('accepts strong secrets (a subgraph needs no JWT_SECRET), and anything outside production', () => {
    expect(() =>
      checkProductionSecrets('router', prod({ JWT_SECRET: STRONG_JWT, INTERNAL_SECRET: STRONG_INTERNAL })),
    ).not.toThrow();
    expect(() => checkProductionSecrets('store', prod({ INTERNAL_SECRET: STRONG_INTERNAL }))).not.toThrow();
    expect(() => checkProductionSecrets('router', { NODE_ENV: 'development' })).not.toThrow();
  });
});

describe('a production start (real processes)', () => {
  it.each([
    ['router/src/index.ts', { INTERNAL_SECRET: STRONG_INTERNAL }, 'JWT_SECRET is not set'],
    [
      'router/src/index.ts',
      { JWT_SECRET: DEV_JWT_SECRET, INTERNAL_SECRET: STRONG_INTERNAL },
      'JWT_SECRET is the committed development value',
    ],
    [
      'router/src/index.ts',
      { JWT_SECRET: 'too-short', INTERNAL_SECRET: STRONG_INTERNAL },
      'JWT_SECRET is only 9 bytes',
    ],
    ['router/src/index.ts', { JWT_SECRET: STRONG_JWT, INTERNAL_SECRET: '' }, 'INTERNAL_SECRET is empty'],
    [
      'subgraphs/store/src/index.ts',
      { INTERNAL_SECRET: DEV_INTERNAL_SECRET },
      'INTERNAL_SECRET is the committed development value',
    ],
    ['subgraphs/order/src/index.ts', {}, 'INTERNAL_SECRET is not set'],
  ])('%s with %j is refused: exit 1 and one line naming the variable', async (entry, secrets, message) => {
    const run = await startProduction(entry, secrets);
    expect(run.served).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });

  it('starts with strong secrets', async () => {
    const run = await startProduction('subgraphs/store/src/index.ts', { INTERNAL_SECRET: STRONG_INTERNAL });
    expect(run.stderr).toBe('');
    expect(run.served).toBe(true);
  });
});

describe('internal routes and test hooks in production (real processes)', () => {
  const strong = { JWT_SECRET: STRONG_JWT, INTERNAL_SECRET: STRONG_INTERNAL };

  it('serves the router /internal/* only on ROUTER_ADMIN_PORT, never on the API port', async () => {
    const adminPort = await freePort();
    const seen: Record<string, number> = {};
    const run = await startProduction(
      'router/src/index.ts',
      { ...strong, ROUTER_ADMIN_PORT: String(adminPort) },
      async (port) => {
        seen.api = (await fetch(`http://127.0.0.1:${port}/internal/subscriptions`)).status;
        seen.apiGraphql = (
          await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ __typename }' }),
          })
        ).status;
        const admin = await fetch(`http://127.0.0.1:${adminPort}/internal/subscriptions`);
        seen.admin = admin.status;
        seen.adminGraphql = (await fetch(`http://127.0.0.1:${adminPort}/graphql`)).status;
      },
    );
    expect(run.served).toBe(true);
    expect(seen).toEqual({ api: 404, apiGraphql: 200, admin: 200, adminGraphql: 404 });
  });

  it('turns /internal/* off when no admin port is set', async () => {
    let status = 0;
    const run = await startProduction('router/src/index.ts', strong, async (port) => {
      status = (await fetch(`http://127.0.0.1:${port}/internal/subscriptions`)).status;
    });
    expect(run.served).toBe(true);
    expect(status).toBe(404);
  });

  it.each([
    ['router/src/index.ts', { ROUTER_TEST_HOOKS: '1' }, 'ROUTER_TEST_HOOKS is a test hook'],
    ['subgraphs/payment/src/index.ts', { PAYMENT_FAULT_MODE: 'error' }, 'PAYMENT_FAULT_MODE is a test hook'],
    [
      'subgraphs/store/src/index.ts',
      { FAULT_KILL_AFTER_HANDLE: 'OrderPlaced' },
      'FAULT_KILL_AFTER_HANDLE is a test hook',
    ],
  ])('%s refuses to start with %j', async (entry, hooks, message) => {
    const run = await startProduction(entry, { ...strong, ...hooks });
    expect(run.served).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr.split('\n')).toHaveLength(1);
  });

  it('payment has no fault route in production', async () => {
    let status = 0;
    const run = await startProduction('subgraphs/payment/src/index.ts', strong, async (port) => {
      status = (await fetch(`http://127.0.0.1:${port}/internal/fault`, { method: 'POST', body: '{}' }))
        .status;
    });
    expect(run.served).toBe(true);
    expect(status).toBe(404);
  });
});
