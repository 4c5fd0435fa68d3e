/**
 * Federation gateway benchmark (`npm run bench`, or `npx tsx bench/gateways.ts`): the same
 * supergraph and the same four subgraphs (bench/gateways/benchSubgraphs.ts: a fixed generated data
 * set in memory) behind each gateway, in one run, in alternating rounds:
 *
 *   router          this repository's router (router/src/index.ts), as `npm start` runs it
 *   router-before   the same router with every optimisation of issue 11 switched off
 *                   (ROUTER_SUBGRAPH_CLIENT=fetch ROUTER_DEDUP=false ROUTER_OPERATION_CACHE=false,
 *                   V8's default young generation)
 *   router-young16  (opt-in) the router with V8's default young generation instead of the 64 MB
 *                   semi-spaces of SERVICE_V8_FLAGS (scripts/build.ts)
 *   router-lazy-reexports  (opt-in) the router bundled without scripts/eagerReExports.ts (the
 *                   re-exports of @apollo/federation-internals stay getters); router-before and
 *                   router-pool* run that bundle too
 *   router-gateway-shaping  (opt-in) the router shaping results with @apollo/gateway's own
 *                   computeResponse instead of router/src/computeResponse.ts
 *   router-log-context  (opt-in) the router with a log context (AsyncLocalStorage scope) per
 *                   request, as before ROUTER_REQUEST_LOG_CONTEXT turned it off
 *   router-pool, router-pool-dedup   (opt-in) one optimisation added at a time: the undici pool,
 *                   then in-flight sharing; `router` adds the token cache on top
 *   stock           @apollo/gateway + @apollo/server with default settings
 *   hive, hive-jit  Hive Gateway (npm @graphql-hive/gateway), default and --jit
 *   ceiling         the order subgraph called directly with its own fields of the same orders
 *
 * Load: autocannon (in this process), POST /graphql. Variants: 50 connections with one query,
 * 50 connections whose concurrent requests carry different variables (so identical in-flight
 * subgraph fetches cannot be shared), and 10 connections. Every response body is compared with
 * the one the data set dictates; a mismatch, error or non-2xx is counted and printed. Per
 * gateway process: CPU ms per operation (utime+stime from /proc/<pid>/stat over the measured
 * window / requests completed) and peak RSS (/proc/<pid>/status, sampled every 200 ms).
 *
 *   npx tsx bench/gateways.ts [--duration 10] [--warmup 3] [--rounds 3]
 *                             [--targets router,stock,hive,hive-jit,ceiling,router-before]
 *                             [--variants same50,distinct50,same10] [--json out.json]
 *
 * Everything shares this 2-core machine (and here, other people's work): compare the rows of one
 * run (ratios against `stock`), not runs on different days.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { signJwt } from '@baemin/platform';
import autocannon from 'autocannon';
import { buildSync } from 'esbuild';
import { parse } from 'graphql';
import {
  BENCH_SDL,
  BENCH_SUBGRAPHS,
  CEILING_QUERY,
  expectedCeilingBody,
  expectedOrdersBody,
  generateBenchData,
  ORDERS_QUERY,
  ORDERS_QUERY_WITH_OFFSET,
} from './gateways/benchSubgraphs.js';
import { processCpuMs, processRssBytes } from './procStats.js';
import { freePort } from '../packages/platform/src/testing/freePort.js';
import {
  buildEntry,
  ensureServiceBundles,
  SERVICE_ENTRIES,
  SERVICE_V8_FLAGS,
  type ServiceRuntime,
  serviceNodeArgs,
} from '../scripts/build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Hive Gateway has its own package (bench/hive) so its ~600 packages are not part of the project's
 * install (and CI's); `ensureHiveGateway` installs it from bench/hive/package-lock.json on first use.
 */
const HIVE_DIR = join(ROOT, 'bench/hive');
const HIVE_BIN = join(HIVE_DIR, 'node_modules/@graphql-hive/gateway/dist/bin.js');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'router,router-before,stock,hive,hive-jit,ceiling' },
    variants: { type: 'string', default: 'same50,distinct50,same10' },
    json: { type: 'string' },
    // Writes V8 CPU profiles of each router process to .cache/bench/profiles/<target>/ (node --cpu-prof).
    profile: { type: 'boolean', default: false },
    // What the router processes run: its esbuild bundle, as `npm start` and the image do (default),
    // or `tsx` (the TypeScript sources through the loader, which adds its own memory and threads).
    'router-runtime': { type: 'string', default: 'bundle' },
  },
});
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const DISTINCT = 50;
const ROUTER_RUNTIME: ServiceRuntime = args['router-runtime'] === 'tsx' ? 'tsx' : 'bundle';

const data = generateBenchData();
const cacheDir = join(ROOT, '.cache', 'bench');
mkdirSync(cacheDir, { recursive: true });

// ---- subgraphs and supergraph -------------------------------------------------------------
const children: ChildProcess[] = [];
function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c) => {
    err = (err + c).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`process ${args.join(' ')} exited (${code ?? signal}):\n${err}`);
  });
  children.push(child);
  return child;
}
let stopping = false;
function stopAll() {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

async function waitHttp(url: string, timeoutMs = 60_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const subgraphPorts: Record<string, number> = {};
const subgraphPids: Record<string, number> = {};
for (const name of BENCH_SUBGRAPHS) {
  subgraphPorts[name] = await freePort();
  const child = spawnNode([
    '--import',
    'tsx',
    'bench/gateways/benchSubgraphs.ts',
    name,
    String(subgraphPorts[name]),
  ]);
  subgraphPids[name] = child.pid!;
}
await Promise.all(BENCH_SUBGRAPHS.map((n) => waitHttp(`http://127.0.0.1:${subgraphPorts[n]}/health`)));
const composed = composeServices(
  BENCH_SUBGRAPHS.map((name) => ({
    name,
    url: `http://127.0.0.1:${subgraphPorts[name]}/graphql`,
    typeDefs: parse(BENCH_SDL[name]),
  })),
);
if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
const supergraphPath = join(cacheDir, 'supergraph.graphql');
writeFileSync(supergraphPath, composed.supergraphSdl);

// ---- gateways -------------------------------------------------------------------------------
interface Target {
  name: string;
  url: string;
  pid: number;
  ceiling?: boolean;
}
const routerEnv = (port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ROUTER_PORT: String(port),
  ROUTER_SUPERGRAPH_PATH: supergraphPath,
  ROUTER_WATCH_SUPERGRAPH: 'false',
  ROUTER_RATE_LIMIT_PER_SECOND: '10000000',
  ROUTER_RATE_LIMIT_BURST: '10000000',
  LOG_LEVEL: 'error',
  ...Object.fromEntries(
    BENCH_SUBGRAPHS.map((n) => [`${n.toUpperCase()}_URL`, `http://127.0.0.1:${subgraphPorts[n]}`]),
  ),
  ...extra,
});
// One folder per target: the main thread and tsx's loader thread each write a profile there.
const profileArgs = (name: string) =>
  args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(cacheDir, 'profiles', name)}`] : [];
/** Every optimisation of issue 11 off: the router as it was before. */
const ROUTER_BEFORE_ENV = {
  ROUTER_SUBGRAPH_CLIENT: 'fetch',
  ROUTER_DEDUP: 'false',
  ROUTER_OPERATION_CACHE: 'false',
  ROUTER_FAST_RESULT_SHAPING: 'false',
};
// Stock runs as its users would run it, compiled JavaScript importing the packages from
// node_modules, not through the tsx loader (whose memory would count against its RSS).
const STOCK_GATEWAY_JS = join(cacheDir, 'stockGateway.mjs');
buildSync({
  entryPoints: [join(ROOT, 'bench/gateways/stockGateway.ts')],
  outfile: STOCK_GATEWAY_JS,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  logLevel: 'error',
});
const routerArgs = serviceNodeArgs('router/src/index.ts', ROUTER_RUNTIME);
/** The router's arguments without its SERVICE_V8_FLAGS: V8's default young generation. */
const routerArgsDefaultHeap = routerArgs.filter(
  (a) => !(SERVICE_V8_FLAGS['router/src/index.ts'] ?? []).includes(a),
);
if (ROUTER_RUNTIME === 'bundle') await ensureServiceBundles();
/**
 * The router bundled without the eager re-exports, for the rows before that change (the bench
 * gives the router its supergraph by path; nothing else it serves here is relative to its bundle).
 */
const LAZY_ROUTER_BUNDLE = '.cache/bench/router-lazy-reexports/index.js';
const lazyBundleWanted = ['router-lazy-reexports', 'router-before', 'router-pool', 'router-pool-dedup'];
// Never a bundle of an earlier run: a target missing from the list above then fails to start
// instead of measuring old code.
rmSync(join(ROOT, dirname(LAZY_ROUTER_BUNDLE)), { recursive: true, force: true });
if (ROUTER_RUNTIME === 'bundle' && args.targets.split(',').some((t) => lazyBundleWanted.includes(t.trim())))
  await buildEntry('router/src/index.ts', LAZY_ROUTER_BUNDLE, { lazyReExports: true });
/** `nodeArgs` running the lazy-re-export bundle instead of router/dist (tsx runs the sources). */
const lazyReExports = (nodeArgs: string[]) =>
  nodeArgs.map((a) => (a === SERVICE_ENTRIES['router/src/index.ts'] ? LAZY_ROUTER_BUNDLE : a));
type Started = { child: ChildProcess; ready: string; graphql: string };
/** A router target: `name`'s profile folder, these node arguments (the bundle) and this env. */
const routerTarget =
  (name: string, nodeArgs: string[], env: Record<string, string> = {}) =>
  (port: number): Started => ({
    child: spawnNode([...profileArgs(name), ...nodeArgs], routerEnv(port, env)),
    ready: `http://127.0.0.1:${port}/ready`,
    graphql: `http://127.0.0.1:${port}/graphql`,
  });
const starters: Record<string, (port: number) => Started> = {
  router: routerTarget('router', routerArgs),
  // One optimisation at a time, for the before/after rows: + keep-alive pool, + in-flight sharing.
  'router-pool': routerTarget('router-pool', lazyReExports(routerArgsDefaultHeap), {
    ...ROUTER_BEFORE_ENV,
    ROUTER_SUBGRAPH_CLIENT: 'pool',
  }),
  'router-pool-dedup': routerTarget('router-pool-dedup', lazyReExports(routerArgsDefaultHeap), {
    ...ROUTER_BEFORE_ENV,
    ROUTER_SUBGRAPH_CLIENT: 'pool',
    ROUTER_DEDUP: 'true',
  }),
  // Every optimisation but the router's young generation (V8's default, 16 MB semi-spaces).
  'router-young16': routerTarget('router-young16', routerArgsDefaultHeap),
  // Every optimisation but the eager re-exports of @apollo/federation-internals.
  'router-lazy-reexports': routerTarget('router-lazy-reexports', lazyReExports(routerArgs)),
  // Every optimisation but the router's own result shaping (@apollo/gateway's computeResponse).
  'router-gateway-shaping': routerTarget('router-gateway-shaping', routerArgs, {
    ROUTER_FAST_RESULT_SHAPING: 'false',
  }),
  // Every optimisation but running without a per-request log context (promise hooks on).
  'router-log-context': routerTarget('router-log-context', routerArgs, {
    ROUTER_REQUEST_LOG_CONTEXT: 'true',
  }),
  'router-before': routerTarget('router-before', lazyReExports(routerArgsDefaultHeap), ROUTER_BEFORE_ENV),
  stock: (port) => ({
    child: spawnNode([STOCK_GATEWAY_JS, supergraphPath, String(port)]),
    ready: `http://127.0.0.1:${port}/graphql?query=%7B__typename%7D`,
    graphql: `http://127.0.0.1:${port}/graphql`,
  }),
  hive: (port) => ({
    child: spawnNode(
      [HIVE_BIN, 'supergraph', supergraphPath, '--port', String(port), '--host', '127.0.0.1'],
      { NODE_ENV: 'production', LOG_LEVEL: 'error' },
    ),
    ready: `http://127.0.0.1:${port}/healthcheck`,
    graphql: `http://127.0.0.1:${port}/graphql`,
  }),
  'hive-jit': (port) => ({
    child: spawnNode(
      [HIVE_BIN, 'supergraph', supergraphPath, '--port', String(port), '--host', '127.0.0.1', '--jit'],
      { NODE_ENV: 'production', LOG_LEVEL: 'error' },
    ),
    ready: `http://127.0.0.1:${port}/healthcheck`,
    graphql: `http://127.0.0.1:${port}/graphql`,
  }),
};

/** Installs bench/hive (exact versions from its lockfile) when a hive target is asked for and missing. */
function ensureHiveGateway(): void {
  if (existsSync(HIVE_BIN)) return;
  console.error('bench: installing Hive Gateway into bench/hive (npm ci, once)');
  execSync('npm ci --no-audit --no-fund', { cwd: HIVE_DIR, stdio: 'inherit' });
}

const targetNames = args.targets.split(',').map((s) => s.trim());
if (targetNames.some((name) => name.startsWith('hive'))) ensureHiveGateway();

const targets: Target[] = [];
for (const name of targetNames) {
  if (name === 'ceiling') {
    targets.push({
      name,
      url: `http://127.0.0.1:${subgraphPorts.order}/graphql`,
      pid: subgraphPids.order!,
      ceiling: true,
    });
    continue;
  }
  const start = starters[name];
  if (!start) throw new Error(`unknown target ${name}`);
  const port = await freePort();
  const { child, ready, graphql } = start(port);
  await waitHttp(ready, 120_000, name === 'stock' ? { headers: { 'apollo-require-preflight': '1' } } : {});
  targets.push({ name, url: graphql, pid: child.pid! });
}

// ---- measurement -------------------------------------------------------------------------------

interface Variant {
  name: string;
  title: string;
  connections: number;
  distinct: boolean;
}
const VARIANTS: Record<string, Variant> = {
  same50: { name: 'same50', title: '50 connections, one query', connections: 50, distinct: false },
  distinct50: {
    name: 'distinct50',
    title: '50 connections, different variables',
    connections: 50,
    distinct: true,
  },
  same10: { name: 'same10', title: '10 connections, one query', connections: 10, distinct: false },
};
const variants = args.variants.split(',').map((v) => {
  const variant = VARIANTS[v.trim()];
  if (!variant) throw new Error(`unknown variant ${v}`);
  return variant;
});

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerOp: number;
  rssMb: number;
  requests: number;
  bad: number;
}

const token = signJwt(
  { sub: 'bench-customer', role: 'customer' },
  process.env.JWT_SECRET ?? 'dev-only-jwt-secret-change-me',
);
const expectedSame = expectedOrdersBody(data, 0);
const expectedDistinct = new Set(
  Array.from({ length: DISTINCT }, (_, i) => expectedOrdersBody(data, i * 10)),
);
const expectedCeiling = expectedCeilingBody(data);
const canonical = (body: string) => {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
};

async function load(target: Target, variant: Variant, seconds: number): Promise<autocannon.Result> {
  let next = 0;
  const body = JSON.stringify({ query: target.ceiling ? CEILING_QUERY : ORDERS_QUERY });
  const ok = (b: string) => {
    if (target.ceiling) return b === expectedCeiling || canonical(b) === expectedCeiling;
    if (variant.distinct) return expectedDistinct.has(b) || expectedDistinct.has(canonical(b));
    return b === expectedSame || canonical(b) === expectedSame;
  };
  return autocannon({
    url: target.url,
    method: 'POST',
    connections: variant.connections,
    duration: seconds,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'apollo-require-preflight': '1',
    },
    ...(variant.distinct && !target.ceiling
      ? {
          requests: [
            {
              method: 'POST',
              setupRequest: (req: autocannon.Request) => {
                // Round robin over 50 variable sets: the 50 requests in flight all differ.
                const offset = (next++ % DISTINCT) * 10;
                return {
                  ...req,
                  body: JSON.stringify({ query: ORDERS_QUERY_WITH_OFFSET, variables: { offset } }),
                };
              },
            },
          ],
        }
      : { body }),
    verifyBody: ok,
  });
}

async function measure(target: Target, variant: Variant): Promise<Sample> {
  await load(target, variant, WARMUP);
  const cpu0 = processCpuMs(target.pid);
  let rss = processRssBytes(target.pid);
  const sampler = setInterval(() => {
    rss = Math.max(rss, processRssBytes(target.pid));
  }, 200);
  const result = await load(target, variant, DURATION);
  clearInterval(sampler);
  const cpuMs = processCpuMs(target.pid) - cpu0;
  const requests = result.requests.total;
  return {
    rps: requests / DURATION,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerOp: requests ? cpuMs / requests : Number.NaN,
    rssMb: rss / 2 ** 20,
    requests,
    bad: result.mismatches + result.non2xx + result.errors + result.timeouts,
  };
}

const loadAtStart = loadavg()[0] ?? 0;
const samples = new Map<string, Sample[]>();
const key = (t: string, v: string) => `${v}/${t}`;
console.log(
  `gateway benchmark: ${targets.map((t) => t.name).join(', ')}; ${variants.map((v) => v.name).join(', ')}; ` +
    `${ROUNDS} rounds of ${DURATION} s (+${WARMUP} s warm-up)`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variants) {
    // Alternate the order per round so no target always runs first (or right after another).
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    for (const target of order) {
      const s = await measure(target, variant);
      const list = samples.get(key(target.name, variant.name)) ?? [];
      list.push(s);
      samples.set(key(target.name, variant.name), list);
      console.log(
        `round ${round + 1} ${variant.name.padEnd(10)} load ${(loadavg()[0] ?? 0).toFixed(1)} ${target.name.padEnd(14)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  cpu ${s.cpuMsPerOp.toFixed(2)} ms/op  rss ${s.rssMb.toFixed(0)} MB  bad ${s.bad}/${s.requests}`,
      );
    }
  }
}

// ---- report ----------------------------------------------------------------------------------
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const summary: Record<string, Record<string, Record<string, number>>> = {};
const lines: string[] = [];
lines.push(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
    `${ROUNDS} rounds × ${DURATION} s per row (mean RPS, median p50/p99 of the rounds, mean CPU per op of the rounds, peak RSS). ` +
    `Load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${(loadavg()[0] ?? 0).toFixed(1)}.`,
);
for (const variant of variants) {
  lines.push('', `### ${variant.title}`, '');
  lines.push(
    '| gateway | req/s | × stock | p50 ms | p99 ms | CPU ms/op | CPU/op × stock | RSS MB | bad responses |',
  );
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const stock = samples.get(key('stock', variant.name));
  const stockRps = stock ? mean(stock.map((s) => s.rps)) : Number.NaN;
  const stockCpu = stock ? mean(stock.map((s) => s.cpuMsPerOp)) : Number.NaN;
  summary[variant.name] = {};
  for (const target of targets) {
    const list = samples.get(key(target.name, variant.name)) ?? [];
    if (!list.length) continue;
    const row = {
      rps: mean(list.map((s) => s.rps)),
      p50: median(list.map((s) => s.p50)),
      p99: median(list.map((s) => s.p99)),
      cpuMsPerOp: mean(list.map((s) => s.cpuMsPerOp)),
      rssMb: Math.max(...list.map((s) => s.rssMb)),
      bad: list.reduce((a, s) => a + s.bad, 0),
      requests: list.reduce((a, s) => a + s.requests, 0),
    };
    summary[variant.name]![target.name] = row;
    lines.push(
      `| ${target.name} | ${row.rps.toFixed(0)} | ${(row.rps / stockRps).toFixed(2)} | ${row.p50} | ${row.p99} | ${row.cpuMsPerOp.toFixed(2)} | ${target.ceiling ? '(subgraph)' : (row.cpuMsPerOp / stockCpu).toFixed(2)} | ${row.rssMb.toFixed(0)} | ${row.bad} / ${row.requests} |`,
    );
  }
}
console.log(`\n${lines.join('\n')}`);
if (args.json)
  writeFileSync(args.json, JSON.stringify({ args, summary, samples: Object.fromEntries(samples) }, null, 2));
stopAll();
process.exit(0);
