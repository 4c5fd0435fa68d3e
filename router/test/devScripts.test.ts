import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { verifyJwt } from '@baemin/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  banner,
  NotReadyError,
  type RunningSystem,
  type ServiceSpec,
  startSystem,
} from '../../scripts/start.js';
import { makeToken, parseTokenArgs, UsageError } from '../../scripts/token.js';
import { freePort } from '../../packages/platform/src/testing/freePort.js';
import { SEED_STORES } from '../../subgraphs/store/src/seed.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('scripts/token.ts', () => {
  it('signs a token the router accepts, with the given role, subject and lifetime', async () => {
    const token = makeToken({
      ...parseTokenArgs(['--role', 'owner', '--sub', 'owner-1', '--ttl', '60']),
      secret: 's',
    });
    await expect(verifyJwt(token, 's')).resolves.toEqual({ id: 'owner-1', role: 'owner' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(60);
    await expect(verifyJwt(token, 'other')).rejects.toThrow('bad token signature');
  });

  it.each([
    [['--sub', 'alice']],
    [['--role', 'superuser', '--sub', 'alice']],
    [['--role', 'service', '--sub', 'order']],
    [['--role', 'customer']],
    [['--role', 'customer', '--sub', 'alice', '--ttl', '-5']],
    [['--role', 'customer', '--sub', 'alice', '--what']],
  ])('refuses %j', (args) => {
    expect(() => parseTokenArgs(args)).toThrow(UsageError);
  });

  it('prints the token, or usage on stderr with exit code 2', async () => {
    const ok = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', '--role', 'rider', '--sub', 'r-9'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          JWT_SECRET: 'cli-secret',
          JWT_ISSUER: 'baemin-dev',
          JWT_AUDIENCE: 'baemin-api',
        },
        encoding: 'utf8',
      },
    );
    expect(ok.status).toBe(0);
    await expect(verifyJwt(ok.stdout.trim(), 'cli-secret')).resolves.toEqual({ id: 'r-9', role: 'rider' });
    // The script signs for the issuer and audience the router is configured to check.
    await expect(
      verifyJwt(ok.stdout.trim(), 'cli-secret', { issuer: 'baemin-dev', audience: 'baemin-api' }),
    ).resolves.toEqual({ id: 'r-9', role: 'rider' });
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--role', 'nobody'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('usage: npm run token');
  });
});

/**
 * A stand-in service: serves /ready (and /env, which echoes its environment) on `<NAME>_PORT`.
 * Behaviours: `ok`; `crash-once` exits 1 a moment after its first start; `never-ready` answers
 * 503; `stubborn` ignores SIGTERM.
 */
const FAKE = `
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
const [name, mode] = process.argv.slice(2);
const port = Number(process.env[name.toUpperCase() + '_PORT']);
const marker = process.env.DATA_DIR + '/' + name + '.started';
const firstRun = !existsSync(marker);
writeFileSync(marker, 'x');
if (mode === 'crash-once' && firstRun) setTimeout(() => process.exit(1), 100);
if (mode === 'stubborn') process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
else process.on('SIGTERM', () => process.exit(0));
createServer((req, res) => {
  if (req.url === '/env') return res.end(JSON.stringify(process.env));
  res.statusCode = mode === 'never-ready' ? 503 : 200;
  res.end('{}');
}).listen(port, '127.0.0.1', () => console.log(name + ' listening'));
`;

const alive = (pid: number | null) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('scripts/start.ts banner', () => {
  it('says which seeded stores the example owner token owns', () => {
    const line = banner(8088, 's')
      .split('\n')
      .find((l) => l.includes('# owner owner-1'));
    const seeded = SEED_STORES.filter((s) => s.ownerId === 'owner-1').map((s) => s.id);
    expect(line?.match(/store-\d+/g)).toEqual(seeded);
  });
});

describe('scripts/start.ts startSystem', () => {
  let dir: string;
  let fake: string;
  const running: RunningSystem[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-test-'));
    fake = join(dir, 'fake.mjs');
    writeFileSync(fake, FAKE);
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const spec = async (name: string, mode: string): Promise<ServiceSpec> => ({
    name,
    port: await freePort(),
    args: [fake, name, mode],
  });

  const launch = async (
    services: ServiceSpec[],
    extra: Parameters<typeof startSystem>[0] = {},
  ): Promise<{ system: RunningSystem; output: () => string }> => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c) => {
      text += c;
    });
    const system = await startSystem({
      services,
      dataDir: mkdtempSync(join(dir, 'data-')),
      out,
      env: { ...process.env, KAFKA_BROKERS: 'broker-a:9092', PORT: '1' },
      restartInitialMs: 100,
      ...extra,
    });
    running.push(system);
    return { system, output: () => text };
  };

  it('starts every service ready, passes the environment through, prefixes output and stops them all', async () => {
    const { system, output } = await launch([await spec('alpha', 'ok'), await spec('beta', 'ok')]);
    const alpha = system.services.alpha;
    const beta = system.services.beta;
    expect(alive(alpha?.pid ?? null) && alive(beta?.pid ?? null)).toBe(true);
    const env = (await (await fetch(`${alpha?.url}/env`)).json()) as Record<string, string>;
    expect(env.KAFKA_BROKERS).toBe('broker-a:9092');
    expect(env.DATA_DIR).toBe(system.dataDir);
    expect(env.PORT).toBeUndefined();
    expect(env.BETA_URL).toBe(beta?.url);
    expect(output()).toMatch(/^alpha \| alpha listening$/m);
    expect(output()).toMatch(/^beta {2}\| beta listening$/m);

    const pids = [alpha?.pid ?? null, beta?.pid ?? null];
    await system.stop();
    expect(pids.map(alive)).toEqual([false, false]);
    expect(alpha?.pid).toBeNull();
  });

  it('restarts a crashed service with backoff and keeps it running', async () => {
    const { system, output } = await launch([await spec('gamma', 'crash-once')]);
    await expect.poll(() => system.services.gamma?.restarts, { timeout: 5000 }).toBe(1);
    expect(await system.waitReady(5000)).toEqual([]);
    expect(output()).toMatch(/gamma \| exited unexpectedly \(code 1\); restarting in 0.1 s/);
    await system.stop();
  });

  it('stops everything and names the services that never became ready', async () => {
    const services = [await spec('delta', 'ok'), await spec('epsilon', 'never-ready')];
    const out = new PassThrough();
    out.resume();
    const started = Date.now();
    const failure = await startSystem({
      services,
      dataDir: join(dir, 'nr'),
      out,
      readyTimeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NotReadyError);
    expect((failure as NotReadyError).notReady).toEqual(['epsilon']);
    expect(Date.now() - started).toBeLessThan(8000);
    // Both ports are free again: nothing was left running.
    for (const s of services) {
      await expect(fetch(`http://127.0.0.1:${s.port}/ready`)).rejects.toThrow();
    }
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const { system } = await launch([await spec('zeta', 'stubborn')], { stopTimeoutMs: 500 });
    const pid = system.services.zeta?.pid ?? null;
    const started = Date.now();
    await system.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(alive(pid)).toBe(false);
  });

  it('leaves no orphans when the supervisor itself is killed', async () => {
    const services = [await spec('eta', 'ok'), await spec('theta', 'ok')];
    const script = `
      import { startSystem } from ${JSON.stringify(join(ROOT, 'scripts/start.ts'))};
      const s = await startSystem({ services: ${JSON.stringify(services)}, dataDir: ${JSON.stringify(join(dir, 'orphans'))}, out: process.stderr });
      console.log(JSON.stringify(Object.values(s.services).map((x) => x.pid)));
    `;
    const supervisor = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pids = await new Promise<number[]>((resolve, reject) => {
      supervisor.stdout.once('data', (c) => resolve(JSON.parse(String(c))));
      supervisor.once('exit', () => reject(new Error('supervisor exited early')));
    });
    expect(pids.every(alive)).toBe(true);
    supervisor.kill('SIGKILL');
    await expect.poll(() => pids.filter(alive), { timeout: 5000, interval: 100 }).toEqual([]);
  });
});
