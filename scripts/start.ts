/**
 * `npm start`: the whole system on one machine. Builds the services' esbuild bundles when stale
 * (scripts/build.ts; START_RUNTIME=tsx runs the TypeScript sources instead), spawns the five
 * subgraphs and the router as child processes (`node <bundle>`), prefixes their output with their
 * names, waits until every /ready answers, prints the endpoint, example tokens and operations,
 * restarts crashed children with backoff, and stops everything on Ctrl-C / SIGTERM.
 *
 * Environment: DATA_DIR (default ./data, shared eventlog.db inside), `<NAME>_PORT`, `<NAME>_URL`,
 * KAFKA_BROKERS, JWT_SECRET, INTERNAL_SECRET, LOG_LEVEL… are passed to every child unchanged;
 * LOG_FORMAT defaults to `pretty` here (JSON lines elsewhere).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_PORTS, envInt, type ServiceName, SUBGRAPHS } from '../packages/platform/src/config.js';
import { ensureServiceBundles, SEED_BUNDLE, type ServiceRuntime, serviceNodeArgs } from './build.js';
import { ensureWebBuilt } from './buildWeb.js';
import { loadServiceConfig } from '../packages/platform/src/config.js';
import { isMain, makeToken } from './token.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One child process to run and keep running. */
export interface ServiceSpec {
  name: string;
  port: number;
  /** Arguments to `node`, e.g. `['--import', 'tsx', 'router/src/index.ts']`. */
  args: string[];
}

export interface StartSystemOptions {
  /** DATA_DIR for every child; default env DATA_DIR, else ./data. */
  dataDir?: string;
  /** Port per service; default `<NAME>_PORT`, else the default ports (router 8088). */
  ports?: Partial<Record<ServiceName, number>>;
  /** Environment the children inherit; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Replaces the five subgraphs and the router (tests run small stand-ins). */
  services?: ServiceSpec[];
  /** How long to wait for every /ready; default 60 s. */
  readyTimeoutMs?: number;
  /** First restart delay, doubled per consecutive crash; default 1 s. */
  restartInitialMs?: number;
  /** Longest restart delay; default 30 s. */
  restartMaxMs?: number;
  /** A child that ran this long before crashing restarts after the first delay again; default 30 s. */
  restartResetMs?: number;
  /** SIGTERM grace before SIGKILL at stop; default 10 s. */
  stopTimeoutMs?: number;
  /** Where prefixed output goes; default process.stdout. */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Colored name prefixes; default when `out` is a TTY. */
  color?: boolean;
  /** Aborting while waiting for readiness stops everything and rejects with the abort reason. */
  signal?: AbortSignal;
}

export interface ServiceHandle {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Pid of the running child, or null between a crash and its restart. */
  readonly pid: number | null;
  /** How many times it was restarted after crashing. */
  readonly restarts: number;
}

export interface RunningSystem {
  services: Record<string, ServiceHandle>;
  dataDir: string;
  /** Resolves with the services that are not ready (empty when all are) once all are or the timeout passed. */
  waitReady(timeoutMs?: number): Promise<string[]>;
  /** SIGTERM every child, SIGKILL after the grace period, resolve when all exited. Idempotent. */
  stop(): Promise<void>;
}

export class NotReadyError extends Error {
  constructor(readonly notReady: string[]) {
    super(`not ready: ${notReady.join(', ')}`);
  }
}

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];

/**
 * Preloaded into every child: if the supervisor dies without stopping it (SIGKILL, OOM kill), the
 * child is re-parented, notices within a second and shuts itself down gracefully: no orphans.
 */
const PARENT_WATCH = `data:text/javascript,${encodeURIComponent(
  "const p = process.ppid; setInterval(() => { if (process.ppid !== p) process.kill(process.pid, 'SIGTERM'); }, 1000).unref();",
)}`;

export type { ServiceRuntime };

/** The default system: five subgraphs and the router, each `node <bundle>` (or tsx on its source). */
export function defaultServices(
  ports: Partial<Record<ServiceName, number>>,
  env: NodeJS.ProcessEnv,
  runtime: ServiceRuntime = env.START_RUNTIME === 'tsx' ? 'tsx' : 'bundle',
): ServiceSpec[] {
  const names: ServiceName[] = [...SUBGRAPHS, 'router'];
  return names.map((name) => {
    const source = name === 'router' ? 'router/src/index.ts' : `subgraphs/${name}/src/index.ts`;
    return {
      name,
      port: ports[name] ?? envInt(env, `${name.toUpperCase()}_PORT`, DEFAULT_PORTS[name]),
      args: serviceNodeArgs(source, runtime),
    };
  });
}

class ManagedProcess implements ServiceHandle {
  readonly url: string;
  restarts = 0;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private delayMs: number;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly spec: ServiceSpec,
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: Required<
      Pick<StartSystemOptions, 'restartInitialMs' | 'restartMaxMs' | 'restartResetMs'>
    >,
    private readonly log: (name: string, line: string) => void,
  ) {
    this.url = `http://127.0.0.1:${spec.port}`;
    this.delayMs = options.restartInitialMs;
  }

  get name() {
    return this.spec.name;
  }
  get port() {
    return this.spec.port;
  }
  get pid() {
    return this.child?.pid ?? null;
  }

  start(): void {
    const startedAt = Date.now();
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops the
    // children in order; and a group kill also reaches anything a child spawned.
    const child = spawn(process.execPath, ['--import', PARENT_WATCH, ...this.spec.args], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (l) =>
          this.log(this.name, l),
        );
    }
    this.exited = new Promise((done) => {
      child.once('error', (err) => {
        this.log(this.name, `failed to start: ${err.message}`);
      });
      child.once('close', (code, signal) => {
        if (this.child === child) this.child = null;
        done();
        if (this.stopping) return;
        if (Date.now() - startedAt >= this.options.restartResetMs)
          this.delayMs = this.options.restartInitialMs;
        const delay = this.delayMs;
        this.delayMs = Math.min(this.delayMs * 2, this.options.restartMaxMs);
        this.log(
          this.name,
          `exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); restarting in ${delay / 1000} s`,
        );
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (this.stopping) return;
          this.restarts++;
          this.start();
        }, delay);
      });
    });
  }

  /** Sends `signal` to the child's process group; false when nothing is running. */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (!pid || this.child?.exitCode !== null || this.child.signalCode !== null) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (!this.signal('SIGTERM')) return this.exited;
    const timer = setTimeout(() => {
      this.log(this.name, `did not stop within ${timeoutMs / 1000} s; killing it`);
      this.signal('SIGKILL');
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts every service and waits until all are ready. On timeout it stops everything and throws
 * NotReadyError naming the services that were not ready.
 */
export async function startSystem(options: StartSystemOptions = {}): Promise<RunningSystem> {
  const baseEnv = options.env ?? process.env;
  const dataDir = resolve(options.dataDir ?? baseEnv.DATA_DIR ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const specs = options.services ?? defaultServices(options.ports ?? {}, baseEnv);
  if (!options.services && baseEnv.START_RUNTIME !== 'tsx') await ensureServiceBundles();
  const out = options.out ?? process.stdout;
  const color = options.color ?? out.isTTY === true;
  const width = Math.max(...specs.map((s) => s.name.length), 'start'.length);
  const log = (name: string, line: string) => {
    const index = specs.findIndex((s) => s.name === name);
    const label = name.padEnd(width);
    const prefix = color ? `\x1b[${COLORS[index % COLORS.length] ?? 37}m${label} |\x1b[0m` : `${label} |`;
    out.write(`${prefix} ${line}\n`);
  };

  // Human-readable logs on a terminal (pino-pretty); LOG_FORMAT=json keeps the production lines.
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    DATA_DIR: dataDir,
    LOG_FORMAT: baseEnv.LOG_FORMAT ?? 'pretty',
  };
  // PORT would give every child the same port; each gets its own `<NAME>_PORT` instead.
  delete env.PORT;
  for (const s of specs) {
    const upper = s.name.toUpperCase();
    env[`${upper}_PORT`] = String(s.port);
    // Ports may differ from the defaults the services assume for each other; explicit URLs win.
    env[`${upper}_URL`] = baseEnv[`${upper}_URL`] ?? `http://127.0.0.1:${s.port}`;
  }

  const procs = specs.map(
    (spec) =>
      new ManagedProcess(
        spec,
        env,
        {
          restartInitialMs: options.restartInitialMs ?? 1000,
          restartMaxMs: options.restartMaxMs ?? 30_000,
          restartResetMs: options.restartResetMs ?? 30_000,
        },
        log,
      ),
  );
  // Last resort if the supervisor exits without stop() (uncaught error, process.exit): no orphans.
  const onExit = () => {
    for (const p of procs) p.signal('SIGTERM');
  };
  process.on('exit', onExit);
  for (const p of procs) p.start();

  let stopped: Promise<void> | null = null;
  const system: RunningSystem = {
    services: Object.fromEntries(procs.map((p) => [p.name, p])),
    dataDir,
    async waitReady(timeoutMs = options.readyTimeoutMs ?? 60_000) {
      const deadline = Date.now() + timeoutMs;
      const pending = new Set(procs);
      while (pending.size > 0) {
        const results = await Promise.all([...pending].map(async (p) => [p, await isReady(p.url)] as const));
        for (const [p, ok] of results) if (ok) pending.delete(p);
        if (pending.size === 0 || Date.now() >= deadline || stopped || options.signal?.aborted) break;
        // Short: every round is a few local requests, and each one the supervisor sleeps past a
        // ready service is start-up time.
        await new Promise((r) => setTimeout(r, 100));
      }
      return [...pending].map((p) => p.name);
    },
    stop() {
      stopped ??= (async () => {
        await Promise.all(procs.map((p) => p.stop(options.stopTimeoutMs ?? 10_000)));
        process.off('exit', onExit);
      })();
      return stopped;
    },
  };

  const notReady = await system.waitReady();
  if (options.signal?.aborted) {
    await system.stop();
    throw options.signal.reason;
  }
  if (notReady.length > 0) {
    await system.stop();
    throw new NotReadyError(notReady);
  }
  return system;
}

/** What `npm start` prints once everything is ready. */
export function banner(routerPort: number, secret?: string): string {
  const endpoint = `http://localhost:${routerPort}/graphql`;
  const tokens = {
    alice: makeToken({ role: 'customer', sub: 'alice', name: 'Alice', secret }),
    owner: makeToken({ role: 'owner', sub: 'owner-1', name: 'Owner One', secret }),
    rider: makeToken({ role: 'rider', sub: 'rider-1', name: 'Rider One', secret }),
  };
  const curl = (token: string | null, query: string) =>
    `curl -s ${endpoint} -H 'content-type: application/json'${token ? ` \\\n    -H "authorization: Bearer $${token}"` : ''} \\\n    -d '${JSON.stringify({ query })}'`;
  return `
The system is ready.

  The app:           http://localhost:${routerPort}/          (sign in as a demo customer, owner or rider)
  GraphiQL:          http://localhost:${routerPort}/graphiql  (offline explorer; dev tokens selectable)
  GraphQL endpoint:  ${endpoint}   (a browser gets Apollo Sandbox, loaded from Apollo's CDN)

Tokens (12 h; send as "Authorization: Bearer <token>"):
  export ALICE=${tokens.alice}    # customer alice
  export OWNER=${tokens.owner}    # owner owner-1 (owns store-1 and store-2)
  export RIDER=${tokens.rider}    # rider rider-1
  More: npm run token -- --role customer|owner|rider|admin --sub <id>

List the stores and their menus:
  ${curl(null, '{ stores { id name open menu { id name price available } } }')}

Place an order as alice (store-1, menu-1-1):
  ${curl('ALICE', 'mutation { placeOrder(input: { storeId: "store-1", items: [{ menuItemId: "menu-1-1", quantity: 2 }] }) { id status total } }')}

Watch its dashboard (repeat as the owner accepts, cooks and the rider delivers):
  ${curl('ALICE', '{ myDashboards { orderId status storeName total paymentStatus riderId placedAt updatedAt } }')}

Live status (graphql-ws on the same URL: ws://localhost:${routerPort}/graphql, token in the
connection params as { "authorization": "Bearer <token>" }):
  subscription { orderStatusChanged(orderId: "<id>") { status sequence order { items { menuItem { name } } payment { status } } } }

Ctrl-C stops everything.
`;
}

/**
 * The seeding (scripts/seed.ts), from its bundle unless START_RUNTIME=tsx: loading its module
 * graph (drizzle, the store's schema…) through the TypeScript loader took the supervisor seconds
 * before the first service started.
 */
async function loadSeed(runtime: ServiceRuntime): Promise<typeof import('./seed.js')> {
  if (runtime === 'tsx') return import('./seed.js');
  await ensureServiceBundles();
  return (await import(pathToFileURL(resolve(ROOT, SEED_BUNDLE)).href)) as typeof import('./seed.js');
}

async function main(): Promise<void> {
  const abort = new AbortController();
  let system: RunningSystem | null = null;
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      // A second Ctrl-C: do not wait for a graceful shutdown.
      for (const s of Object.values(system?.services ?? {})) (s as ManagedProcess).signal('SIGKILL');
      process.exit(1);
    }
    process.stdout.write(`\n${signal}: stopping every service…\n`);
    abort.abort(new Error(signal));
    if (system) void system.stop().then(() => process.exit(0));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => shutdown(sig));

  const readyTimeoutMs = 60_000;
  // The router serves the web app's static build; build it first when it is missing or stale.
  try {
    ensureWebBuilt();
  } catch (err) {
    console.error(`${(err as Error).message}; the API still starts, the app at / will not load.`);
  }
  // Demo data is an explicit step (scripts/seed.ts), idempotent; never in production.
  const seeding = process.env.NODE_ENV !== 'production';
  const runtime: ServiceRuntime = process.env.START_RUNTIME === 'tsx' ? 'tsx' : 'bundle';
  const seeder = seeding ? await loadSeed(runtime) : null;
  if (seeder) {
    const inserted = await seeder.seed(
      resolve(process.env.DATA_DIR ?? 'data'),
      loadServiceConfig('store').databaseUrl,
    );
    if (inserted.length > 0) console.log(`seed: inserted the demo stores ${inserted.join(', ')}`);
  }
  try {
    system = await startSystem({ signal: abort.signal, readyTimeoutMs });
  } catch (err) {
    if (abort.signal.aborted) process.exit(0);
    if (err instanceof NotReadyError) {
      console.error(
        `\nNot ready within ${readyTimeoutMs / 1000} s: ${err.notReady.join(', ')}. Stopped everything.`,
      );
      process.exit(1);
    }
    throw err;
  }
  if (seeder) {
    const { replicatedStoreCount, SEEDED_STORE_IDS } = seeder;
    // Ready does not mean the order context has priced the demo menus yet: wait for that fact.
    const deadline = Date.now() + readyTimeoutMs;
    const orderUrl = loadServiceConfig('order').databaseUrl;
    while (
      (await replicatedStoreCount(system.dataDir, SEEDED_STORE_IDS, orderUrl)) < SEEDED_STORE_IDS.length &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(banner(system.services.router?.port ?? DEFAULT_PORTS.router));
}

if (isMain(import.meta.url)) await main();
