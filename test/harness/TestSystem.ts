import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCallerHeaders } from '../../packages/platform/src/auth/internalIdentity.js';
import { type ServiceName, SUBGRAPHS } from '../../packages/platform/src/config.js';
import type { Role } from '../../packages/platform/src/auth/Caller.js';
import { ServiceProxy } from './ServiceProxy.js';
import { dropKafkaNamespace } from './dropKafkaNamespace.js';
import {
  bearerToken,
  freePort,
  type GraphQLResponse,
  postGraphQL,
  waitFor,
} from '../../packages/platform/src/testing/index.js';
import { replicatedStoreCount, SEEDED_STORE_IDS, seed } from '../../scripts/seed.js';
import { ensureServiceBundles, type ServiceRuntime, serviceNodeArgs } from '../../scripts/build.js';
import {
  createPgTestDatabase,
  type PgTestDatabase,
} from '../../packages/platform/src/testing/pgTestDatabase.js';

export type { GraphQLResponse, ServiceName };
/** The test kit's one waitFor, re-exported for the e2e suites that import the harness. */
export { waitFor };
/** The five subgraphs, as the platform lists them. */
export const SUBGRAPH_NAMES = SUBGRAPHS;
const ALL: ServiceName[] = [...SUBGRAPH_NAMES, 'router'];

const ROOT = new URL('../..', import.meta.url).pathname;
/**
 * What the services run: their esbuild bundles, as production does (built before the e2e files by
 * test/setup/serviceBundlesGlobalSetup.ts), or E2E_RUNTIME=tsx for the TypeScript sources.
 */
export const E2E_RUNTIME: ServiceRuntime = process.env.E2E_RUNTIME === 'tsx' ? 'tsx' : 'bundle';

/** Arguments to `node` that start a service process the way the harness does (see {@link E2E_RUNTIME}). */
export function serviceArgs(name: ServiceName): string[] {
  return serviceNodeArgs(
    name === 'router' ? 'router/src/index.ts' : `subgraphs/${name}/src/index.ts`,
    E2E_RUNTIME,
  );
}
const JWT_SECRET = 'e2e-jwt-secret';
const INTERNAL_SECRET = 'e2e-internal-secret';

export interface TestSystemOptions {
  /** Kafka brokers; when set the system runs on Kafka, else on the embedded log. */
  kafkaBrokers?: string;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Print the services' logs (default: only when E2E_LOGS=1). */
  logs?: boolean;
  /**
   * Services reached through a ServiceProxy (like a Kubernetes Service): their URL stays the same
   * while rollOver() replaces the process behind it. Default none.
   */
  proxied?: ServiceName[];
  /** How long start() waits for each process to be ready (default E2E_READY_TIMEOUT_MS, else 60 s). */
  readyTimeoutMs?: number;
  /**
   * Seed the demo stores with `npm run seed`'s code before starting, and wait until the order
   * context's menu replica has them. Default true (the e2e suites rely on the demo stores).
   */
  seed?: boolean;
  /**
   * Store engine per subgraph: `postgres` gives the subgraph a throw-away PostgreSQL database
   * (TEST_PG_URL's server) through `<NAME>_DATABASE_URL`, the way users configure it; dropped by
   * close(). Default SQLite for every subgraph.
   */
  stores?: Partial<Record<Exclude<ServiceName, 'router'>, StoreEngine>>;
  /**
   * Processes per subgraph (default 1). A subgraph with more than one runs them side by side
   * behind a round-robin {@link ServiceProxy} (its URL, which the router and the other subgraphs
   * use); replica 0 is the process that startService/stopService manage, the others are
   * managed with killReplica/startReplicaAt. Several replicas need a PostgreSQL store and Kafka.
   */
  replicas?: Partial<Record<Exclude<ServiceName, 'router'>, number>>;
}

export type StoreEngine = 'sqlite' | 'postgres';

/** Store layouts the lifecycle e2e runs on (E2E_STORES, comma-separated; default all of them). */
export const STORE_LAYOUTS = {
  /** The single-machine default. */
  sqlite: {},
  /** The documented mixed deployment (docs/scale-out.md): order and payment on PostgreSQL. */
  mixed: { order: 'postgres', payment: 'postgres' },
  /** Every subgraph on PostgreSQL. */
  postgres: {
    order: 'postgres',
    payment: 'postgres',
    store: 'postgres',
    delivery: 'postgres',
    dashboard: 'postgres',
  },
} as const satisfies Record<string, TestSystemOptions['stores']>;

export function storeLayouts(): { name: keyof typeof STORE_LAYOUTS; stores: TestSystemOptions['stores'] }[] {
  const wanted = (process.env.E2E_STORES ?? 'sqlite,mixed,postgres').split(',').map((s) => s.trim());
  return (Object.keys(STORE_LAYOUTS) as (keyof typeof STORE_LAYOUTS)[])
    .filter((name) => wanted.includes(name))
    .map((name) => ({ name, stores: STORE_LAYOUTS[name] }));
}

/** What rollOver() did, for the test to report. */
export interface RollOver {
  oldPort: number;
  newPort: number;
  /** ms from SIGTERM to the old process's exit. */
  stopMs: number;
  exitCode: number | null;
  /** What `onSignal` resolved to (false when it threw or was not given). */
  readyFailedBeforeExit: boolean;
}

/**
 * The whole system as real processes (five subgraphs and the router) on free ports, with its own
 * data directory and event log (or its own Kafka namespace). Individual services can be stopped,
 * killed and restarted to test failure handling.
 */
export class TestSystem {
  readonly dataDir: string;
  readonly ports = {} as Record<ServiceName, number>;
  readonly namespace: string;
  private readonly procs = new Map<ServiceName, ChildProcess>();
  /** Port each process listens on, when it differs from `ports` (proxied services). */
  private readonly backendPorts = new Map<ServiceName, number>();
  private readonly proxies = new Map<ServiceName, ServiceProxy>();
  /** Processes on their way out (rollOver): stopped by close() if still running. */
  private readonly retiring = new Set<ChildProcess>();
  private readonly options: TestSystemOptions;
  private readonly output = new Map<string, string[]>();
  private readonly replicas = new Set<() => Promise<void>>();
  /** Backend ports of replicated subgraphs (options.replicas), replica 0 first. */
  private readonly replicaPorts = new Map<ServiceName, number[]>();
  /** Replicas 1..n-1 of replicated subgraphs, by `name#index`. */
  private readonly extraProcs = new Map<string, ChildProcess>();
  /** Throw-away PostgreSQL databases by subgraph (options.stores). */
  readonly pgDatabases = new Map<ServiceName, PgTestDatabase>();

  private constructor(options: TestSystemOptions) {
    this.options = options;
    this.dataDir = mkdtempSync(join(tmpdir(), 'baemin-e2e-'));
    this.namespace = `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  }

  static async start(options: TestSystemOptions = {}): Promise<TestSystem> {
    // vitest's globalSetup has built them; scripts using the harness on their own (bench/saga.ts,
    // bench/replicas.ts) must not start bundles older than the sources. A cheap mtime check when fresh.
    if (E2E_RUNTIME === 'bundle') await ensureServiceBundles();
    const system = new TestSystem(options);
    for (const name of ALL) system.ports[name] = await freePort();
    try {
      for (const [name, engine] of Object.entries(options.stores ?? {}) as [ServiceName, StoreEngine][]) {
        if (engine === 'postgres')
          system.pgDatabases.set(name, await createPgTestDatabase(`baemin_e2e_${name}`));
      }
      for (const name of options.proxied ?? []) {
        const backend = await freePort();
        system.backendPorts.set(name, backend);
        system.proxies.set(name, await ServiceProxy.start(system.ports[name], backend));
      }
      for (const [name, count] of Object.entries(options.replicas ?? {}) as [ServiceName, number][]) {
        if (count <= 1) continue;
        if (system.proxies.has(name)) throw new Error(`${name}: proxied and replicas do not combine`);
        const backends: number[] = [];
        for (let i = 0; i < count; i++) backends.push(await freePort());
        system.replicaPorts.set(name, backends);
        system.backendPorts.set(name, backends[0]!);
        system.proxies.set(name, await ServiceProxy.start(system.ports[name], backends));
      }
      const seeding = options.seed ?? true;
      if (seeding) await seed(system.dataDir, system.pgDatabases.get('store')?.url ?? null);
      await Promise.all(SUBGRAPH_NAMES.map((n) => system.startService(n, { waitReady: false })));
      const readyMs = options.readyTimeoutMs ?? Number(process.env.E2E_READY_TIMEOUT_MS ?? 60_000);
      // Replica 0 first: it applies the migrations (under an advisory lock the others would queue on).
      await Promise.all([...system.replicaPorts.keys()].map((n) => system.waitReady(n, readyMs)));
      const extras: Promise<void>[] = [];
      for (const [name, ports] of system.replicaPorts)
        for (let i = 1; i < ports.length; i++) extras.push(system.startReplicaAt(name, i, readyMs));
      await system.startService('router', { waitReady: false });
      await Promise.all([...ALL.map((n) => system.waitReady(n, readyMs)), ...extras]);
      if (seeding)
        await waitFor(
          async () =>
            (await replicatedStoreCount(
              system.dataDir,
              SEEDED_STORE_IDS,
              system.pgDatabases.get('order')?.url ?? null,
            )) === SEEDED_STORE_IDS.length,
          {
            timeoutMs: readyMs,
            intervalMs: 100,
            what: "the order context's replica of the seeded stores",
          },
        );
    } catch (err) {
      // The caller never gets the system to close: stop what did start rather than orphan it.
      await system.close();
      throw err;
    }
    return system;
  }

  get routerUrl(): string {
    return `http://127.0.0.1:${this.ports.router}/graphql`;
  }

  get kind(): 'kafka' | 'embedded' {
    return this.options.kafkaBrokers ? 'kafka' : 'embedded';
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  env(name: ServiceName): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      PORT: String(this.backendPorts.get(name) ?? this.ports[name]),
      DATA_DIR: this.dataDir,
      JWT_SECRET,
      INTERNAL_SECRET,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      PAYMENT_BREAKER_RESET_MS: '2000',
      ...this.options.env,
    };
    for (const svc of ALL) env[`${svc.toUpperCase()}_URL`] = this.url(svc);
    const pgDb = this.pgDatabases.get(name);
    if (pgDb) env[`${name.toUpperCase()}_DATABASE_URL`] = pgDb.url;
    if (this.options.kafkaBrokers) {
      env.KAFKA_BROKERS = this.options.kafkaBrokers;
      env.KAFKA_NAMESPACE = this.namespace;
      env.KAFKA_PARTITIONS = '3';
    }
    return env;
  }

  /** `env`: extra environment for this start only (fault injection, for example). */
  async startService(
    name: ServiceName,
    { waitReady = true, env = {} }: { waitReady?: boolean; env?: Record<string, string> } = {},
  ): Promise<void> {
    if (this.procs.has(name)) throw new Error(`${name} is already running`);
    const child = this.spawnProcess(name, { ...this.env(name), ...env });
    this.procs.set(name, child);
    if (waitReady) await this.waitReady(name);
  }

  /** `label`: the name its output is kept and printed under (default the service's). */
  private spawnProcess(name: ServiceName, env: Record<string, string>, label: string = name): ChildProcess {
    const child = spawn(process.execPath, serviceArgs(name), {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = this.output.get(label) ?? [];
    this.output.set(label, lines);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      lines.push(text);
      if (lines.length > 500) lines.splice(0, lines.length - 500);
      if (this.options.logs ?? process.env.E2E_LOGS === '1') process.stderr.write(`[${label}] ${text}`);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => {
      if (this.procs.get(name) === child) this.procs.delete(name);
      this.retiring.delete(child);
    });
    return child;
  }

  /**
   * A rolling update of one proxied service, the way Kubernetes does it with maxUnavailable 0:
   * a replacement process starts beside the running one (same data directory and settings, its
   * own port) and, once ready, receives every new connection; then the old one gets SIGTERM and
   * drains (what it does with SHUTDOWN_DRAIN_MS). Resolves when the old process has exited.
   */
  async rollOver(
    name: ServiceName,
    { onSignal }: { onSignal?: (oldPort: number) => Promise<boolean> } = {},
  ): Promise<RollOver> {
    const proxy = this.proxies.get(name);
    const old = this.procs.get(name);
    if (!proxy || !old) throw new Error(`${name} is not a running proxied service`);
    const oldPort = proxy.targetPort;
    const newPort = await freePort();
    const child = this.spawnProcess(name, { ...this.env(name), PORT: String(newPort) });
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`the new ${name} exited`);
          return (await fetch(`http://127.0.0.1:${newPort}/ready`)).status === 200;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `the new ${name} to be ready` },
      );
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n--- ${name} output ---\n${this.logs(name)}`);
    }
    // Endpoint update first, then the old pod's SIGTERM (its preStop delay is this ordering).
    proxy.setTarget(newPort);
    this.backendPorts.set(name, newPort);
    this.procs.set(name, child);
    this.retiring.add(old);
    const exited = new Promise<number | null>((resolve) => old.once('exit', (code) => resolve(code)));
    const sent = Date.now();
    old.kill('SIGTERM');
    const observed = onSignal ? onSignal(oldPort).catch(() => false) : Promise.resolve(false);
    const timer = setTimeout(() => old.kill('SIGKILL'), 30_000);
    const exitCode = await exited;
    const stopMs = Date.now() - sent;
    clearTimeout(timer);
    return { oldPort, newPort, stopMs, exitCode, readyFailedBeforeExit: await observed };
  }

  /** Processes the subgraph runs (options.replicas; 1 when not replicated). */
  replicaCount(name: ServiceName): number {
    return this.replicaPorts.get(name)?.length ?? 1;
  }

  /** The URL of one replica's own process (not the proxy). */
  replicaUrl(name: ServiceName, index: number): string {
    const port = this.replicaPorts.get(name)?.[index];
    if (port === undefined) throw new Error(`${name} has no replica ${index}`);
    return `http://127.0.0.1:${port}`;
  }

  /** Connections the service's proxy forwarded, by backend URL. */
  proxyConnections(name: ServiceName): Record<string, number> {
    const proxy = this.proxies.get(name);
    const out: Record<string, number> = {};
    for (const [port, n] of proxy?.connections ?? []) out[`http://127.0.0.1:${port}`] = n;
    return out;
  }

  isReplicaRunning(name: ServiceName, index: number): boolean {
    return index === 0 ? this.procs.has(name) : this.extraProcs.has(`${name}#${index}`);
  }

  /** Stops one replica of a replicated subgraph (default SIGKILL: a crash). Resolves when it exited. */
  async killReplica(
    name: ServiceName,
    index: number,
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGKILL',
  ): Promise<void> {
    if (index === 0) return this.stopService(name, signal);
    const child = this.extraProcs.get(`${name}#${index}`);
    if (child) await stopChild(child, signal);
  }

  /** (Re)starts one replica of a replicated subgraph on its own port; resolves when it is ready. */
  async startReplicaAt(
    name: ServiceName,
    index: number,
    timeoutMs = Number(process.env.E2E_READY_TIMEOUT_MS) || 60_000,
  ): Promise<void> {
    if (index === 0) {
      await this.startService(name, { waitReady: false });
      return this.waitReady(name, timeoutMs);
    }
    const key = `${name}#${index}` as const;
    if (this.extraProcs.has(key)) throw new Error(`${key} is already running`);
    const url = this.replicaUrl(name, index);
    const child = this.spawnProcess(name, { ...this.env(name), PORT: url.split(':').pop()! }, key);
    this.extraProcs.set(key, child);
    child.once('exit', () => {
      if (this.extraProcs.get(key) === child) this.extraProcs.delete(key);
    });
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${key} exited`);
          const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) });
          return res.status === 200;
        },
        { timeoutMs, intervalMs: 100, what: `${key} to be ready` },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${key} output ---\n${this.logs(key)}`);
    }
  }

  /**
   * The router's live-subscription counters (`GET /internal/subscriptions`: watchers, groups,
   * upstreams, events received and completed, …), as the tests and benchmarks that watch them read them.
   */
  async routerSubscriptions<T = Record<string, number>>(): Promise<T> {
    return (await (await fetch(`${this.url('router')}/internal/subscriptions`)).json()) as T;
  }

  /** The pid of each running service process (benchmarks read their CPU time from /proc). */
  pids(): Partial<Record<ServiceName, number>> {
    return Object.fromEntries([...this.procs].map(([name, child]) => [name, child.pid]));
  }

  /** `timeoutMs`: default 60 s, or E2E_READY_TIMEOUT_MS (a loaded machine starts six processes slowly). */
  async waitReady(
    name: ServiceName,
    timeoutMs = Number(process.env.E2E_READY_TIMEOUT_MS) || 60_000,
  ): Promise<void> {
    // A process that dies while starting fails the wait at once: waitFor treats a throwing probe
    // as "not yet", and a crash at start-up must not cost the whole readiness timeout.
    const child = this.procs.get(name);
    let onExit: ((code: number | null) => void) | undefined;
    const exited = new Promise<never>((_, reject) => {
      if (!child) return reject(new Error(`${name} is not running`));
      onExit = (code) => reject(new Error(`${name} exited (code ${code}) before it was ready`));
      child.once('exit', onExit);
    });
    exited.catch(() => undefined);
    try {
      const ready = waitFor(
        async () => {
          // The process itself (a proxied service's proxy would make fetch retry while it is down).
          const port = this.backendPorts.get(name) ?? this.ports[name];
          const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(5000) });
          if (res.status !== 200) return false;
          // Ready means this service: another one answering on its port (a port handed out twice,
          // e.g. by another test process) would take its requests while it fails to bind.
          const { service } = (await res.json()) as { service?: unknown };
          if (service !== name)
            throw new Error(`port ${port} is answered by ${String(service)}, not ${name}`);
          return true;
        },
        { timeoutMs, intervalMs: 100, what: `${name} to be ready` },
      );
      // After an exit the poll runs on to its timeout; its rejection is then nobody's news.
      ready.catch(() => undefined);
      await Promise.race([exited, ready]);
    } catch (err) {
      const child = this.procs.get(name);
      const state = child ? `still running (pid ${child.pid})` : 'not running';
      throw new Error(
        `${(err as Error).message}; the process is ${state}\n--- ${name} output ---\n${this.logs(name)}`,
      );
    } finally {
      if (child && onExit) child.off('exit', onExit);
    }
  }

  /** The service's recent output (all its starts), at most the last `maxChars` characters. */
  logs(name: ServiceName | `${ServiceName}-replica` | `${ServiceName}#${number}`, maxChars = 8000): string {
    return (this.output.get(name) ?? []).join('').slice(-maxChars);
  }

  isRunning(name: ServiceName): boolean {
    return this.procs.has(name);
  }

  /** Stops a service: SIGTERM (clean shutdown) or SIGKILL (crash). Resolves when it exited. */
  async stopService(name: ServiceName, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.procs.get(name);
    if (!child) return;
    await stopChild(child, signal);
    this.procs.delete(name);
  }

  /** SIGSTOP: the process stays alive but runs nothing (a VM pause, a long GC) until {@link resumeService}. */
  pauseService(name: ServiceName): void {
    const child = this.procs.get(name);
    if (!child) throw new Error(`${name} is not running`);
    child.kill('SIGSTOP');
  }

  /** SIGCONT after {@link pauseService}. */
  resumeService(name: ServiceName): void {
    this.procs.get(name)?.kill('SIGCONT');
  }

  /**
   * Starts a second process of a subgraph on a free port, sharing the data directory and event log
   * (a replica behind a load balancer). Resolves when it is ready; `close()` stops it (SIGTERM).
   */
  async startReplica(
    name: Exclude<ServiceName, 'router'>,
    env: Record<string, string> = {},
  ): Promise<{ url: string; close: () => Promise<void> }> {
    const port = await freePort();
    const child = spawn(process.execPath, serviceArgs(name), {
      cwd: ROOT,
      env: { ...this.env(name), PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const label = `${name}-replica` as const;
    const lines: string[] = this.output.get(label) ?? [];
    this.output.set(label, lines);
    const onData = (chunk: Buffer) => {
      lines.push(chunk.toString());
      if (lines.length > 500) lines.splice(0, lines.length - 500);
      if (this.options.logs ?? process.env.E2E_LOGS === '1') process.stderr.write(`[${label}] ${chunk}`);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let exited = child.exitCode !== null;
    const exit = new Promise<void>((resolve) =>
      child.once('exit', () => {
        exited = true;
        resolve();
      }),
    );
    const close = async () => {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    };
    this.replicas.add(close);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        async () => {
          if (exited) throw new Error(`${label} exited`);
          return (await fetch(`${url}/ready`)).status === 200;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `${label} to be ready` },
      );
    } catch (err) {
      await close();
      throw new Error(`${(err as Error).message}\n--- ${label} output ---\n${this.logs(label)}`);
    }
    return { url, close };
  }

  async restartService(name: ServiceName, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stopService(name, signal);
    await this.startService(name);
  }

  /** A client JWT; `ttlSeconds` (default 3600) sets its `exp`. */
  token(role: Exclude<Role, 'service'>, sub: string, ttlSeconds = 3600): string {
    return bearerToken({ id: sub, role }, JWT_SECRET, ttlSeconds);
  }

  /** Sends a signal to a running service (SIGSTOP/SIGCONT freeze and thaw it: a dead peer that keeps its sockets). */
  signal(name: ServiceName, signal: NodeJS.Signals): void {
    const child = this.procs.get(name);
    if (!child) throw new Error(`${name} is not running`);
    child.kill(signal);
  }

  /**
   * Signed identity headers as the router would send them: call a subgraph directly (the router
   * is down, or a test drives an internal route such as payment's `/internal/fault`).
   */
  callerHeaders(role: Role, id: string): Record<string, string> {
    return signCallerHeaders({ id, role }, INTERNAL_SECRET);
  }

  /** POSTs an operation to the router (or `url`), returning the parsed body and status. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
    url = this.routerUrl,
  ): Promise<GraphQLResponse<T>> {
    return postGraphQL<T>(url, query, { token, variables });
  }

  /** Like gql, but throws on errors and returns data. */
  async ok<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<T> {
    const res = await this.gql<T>(query, variables, token);
    if (res.errors?.length || !res.data) {
      throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)} (status ${res.status})`);
    }
    return res.data;
  }

  async close(): Promise<void> {
    // A paused process ignores SIGTERM until it runs again.
    for (const child of this.procs.values()) child.kill('SIGCONT');
    await Promise.all([...this.replicas].map((close) => close()));
    for (const child of this.extraProcs.values()) child.kill('SIGCONT');
    await Promise.all(
      [...this.extraProcs.keys()].map((key) => {
        const [name, index] = key.split('#') as [ServiceName, string];
        return this.killReplica(name, Number(index), 'SIGTERM');
      }),
    );
    await Promise.all([...this.procs.keys()].map((n) => this.stopService(n)));
    for (const child of this.retiring) child.kill('SIGKILL');
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    if (process.env.E2E_KEEP_DATA !== '1') {
      rmSync(this.dataDir, { recursive: true, force: true });
      await Promise.all([...this.pgDatabases.values()].map((d) => d.drop()));
      if (this.options.kafkaBrokers) await dropKafkaNamespace(this.options.kafkaBrokers, this.namespace);
    }
  }
}

/** Sends `signal` and resolves when the process exited; one that ignores SIGTERM is killed after 15 s. */
async function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
