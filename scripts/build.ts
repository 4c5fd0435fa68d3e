/**
 * `npm run build`: compiled JavaScript for every process the image runs, so production needs
 * plain `node` and no TypeScript loader.
 *
 * Each entry point is bundled by esbuild into a `dist/` folder beside the `src/` it comes from:
 *
 *   subgraphs/<name>/src/index.ts      -> subgraphs/<name>/dist/index.js   (order … dashboard)
 *   subgraphs/dashboard/src/rebuild.ts -> subgraphs/dashboard/dist/rebuild.js
 *   router/src/index.ts                -> router/dist/index.js
 *   scripts/main.ts, dlq.ts, token.ts,  -> dist/main.js, dist/dlq.js, dist/token.js,
 *   healthcheck.ts, seed.ts               dist/healthcheck.js, dist/seed.js
 *
 * Why beside `src/`: the code finds its files at run time relative to its own module
 * (`new URL('..', import.meta.url)`: a subgraph's `schema.graphql` and `drizzle/` migrations, the
 * router's `../../schema/supergraph.graphql`). From `<workspace>/dist/x.js` those paths resolve to
 * exactly the same files as from `<workspace>/src/x.ts`, so nothing is copied and `npm start`
 * (tsx on the sources) runs the same code.
 *
 * Our own code and the npm packages it imports are bundled into one file per process: resolving
 * and reading 500–1,100 module files in every process was most of a service's start-up (and a
 * module graph per process of memory). Stay `import`s of node_modules (installed with
 * `npm ci --omit=dev` in the image), see {@link EXTERNAL_PACKAGES}: native modules
 * (better-sqlite3), packages that load files of their own at run time (pino's worker transports),
 * and what the embedded default never loads (kafkajs, pg, the OpenTelemetry SDK): our code
 * imports those with `import()` only when configured, and code splitting keeps each such
 * `import()` of our own modules a separate chunk (`<name>-<hash>.js` beside the entry), so their
 * packages are not loaded at start-up either.
 *
 * Hook for the web app: when a `web/` workspace with a `build` script exists, its build runs too
 * (its output, `web/dist`, is then copied into the image by the Dockerfile).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { build, type Plugin } from 'esbuild';
import { eagerReExports } from './eagerReExports.js';
import { nativeCreateHash } from './nativeCreateHash.js';
import { SUBGRAPHS } from '../packages/platform/src/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Entry source (from the repo root) -> bundle (from the repo root). */
export const BUILD_ENTRIES: Record<string, string> = {
  ...Object.fromEntries(
    SUBGRAPHS.map((s) => [`subgraphs/${s}/src/index.ts`, `subgraphs/${s}/dist/index.js`]),
  ),
  'subgraphs/dashboard/src/rebuild.ts': 'subgraphs/dashboard/dist/rebuild.js',
  'router/src/index.ts': 'router/dist/index.js',
  'scripts/main.ts': 'dist/main.js',
  'scripts/dlq.ts': 'dist/dlq.js',
  'scripts/backup.ts': 'dist/backup.js',
  'scripts/restore.ts': 'dist/restore.js',
  'scripts/token.ts': 'dist/token.js',
  'scripts/healthcheck.ts': 'dist/healthcheck.js',
  'scripts/seed.ts': 'dist/seed.js',
};

/**
 * Packages left to node_modules (see the file comment); everything else is bundled.
 * `@opentelemetry/api` stays external so the gateway, our code and the tracing SDK we load on
 * demand share one copy of its global tracer and context registry.
 */
export const EXTERNAL_PACKAGES =
  /^(better-sqlite3|pino|pino-pretty|thread-stream|kafkajs|pg|pg-[a-z-]+|@opentelemetry\/api)(\/|$)/;

const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || EXTERNAL_PACKAGES.test(args.path))
        return { path: args.path, external: true };
      return undefined;
    });
  },
};

/** The six services' entries (what `npm start` runs), source -> bundle, from the repo root. */
export const SERVICE_ENTRIES: Record<string, string> = {
  ...Object.fromEntries(
    SUBGRAPHS.map((s) => [`subgraphs/${s}/src/index.ts`, `subgraphs/${s}/dist/index.js`]),
  ),
  'router/src/index.ts': 'router/dist/index.js',
};

/**
 * How a service process runs: `bundle` is plain `node` on its esbuild bundle (what the image and
 * `npm start` run), `tsx` is `node --import tsx` on the TypeScript source (slower to start and
 * larger: the loader compiles every module in each process; for debugging).
 */
export type ServiceRuntime = 'bundle' | 'tsx';

/**
 * Arguments to `node` that run the service whose entry source is `source` (e.g.
 * `subgraphs/order/src/index.ts`), from the repository root. Bundles run with source maps on, so
 * stack traces name the TypeScript sources.
 */
export function serviceNodeArgs(source: string, runtime: ServiceRuntime): string[] {
  const flags = SERVICE_V8_FLAGS[source] ?? [];
  if (runtime === 'tsx') return [...flags, '--import', 'tsx', source];
  const bundle = SERVICE_ENTRIES[source];
  if (!bundle)
    throw new Error(`${source} is not a service entry (${Object.keys(SERVICE_ENTRIES).join(', ')})`);
  return ['--enable-source-maps', ...flags, bundle];
}

/**
 * V8 flags of a service, by entry source. The image runs every service as `node dist/main.js
 * <name>`, so its deployments pass the same flags in NODE_OPTIONS (k8s/base/router.yaml,
 * docker-compose.yml; tests hold both to this table).
 *
 * The router: a young generation of up to 64 MB semi-spaces (V8's default for this heap is 16 MB).
 * Every federated operation allocates its subgraph bodies, their parsed JSON and the merged result,
 * all garbage once the reply is written; with the default the garbage collector took 16 % of the
 * router's samples at 734 requests/s (bench/gateways.ts, different variables), 6.6 % with 64 MB,
 * which served 13-24 % more requests/s at 14-22 % less CPU per operation, for about 100 MB more
 * RSS under that load, and 695-723 MB against 627 MB with 10,000 subscribers (BENCHMARKS.md,
 * bench/README.md). Idle and at start-up the semi-spaces stay small: they grow with the allocation
 * rate.
 */
export const SERVICE_V8_FLAGS: Record<string, string[]> = {
  'router/src/index.ts': ['--max-semi-space-size=64'],
};

/**
 * Builds every entry of {@link BUILD_ENTRIES}. Bundles are replaced in place, never removed
 * first: processes may be starting from them meanwhile (the e2e suite runs while the build test
 * rebuilds), see {@link buildEntries}.
 */
export async function buildAll(): Promise<string[]> {
  await buildEntries(Object.entries(BUILD_ENTRIES));
  return Object.values(BUILD_ENTRIES);
}

/** The demo-data seeding `npm start` runs before the services (scripts/seed.ts), compiled. */
export const SEED_BUNDLE = 'dist/seed.js';

/** What `npm start` loads: the six services and the seeding. */
const STARTUP_BUNDLES = [...Object.values(SERVICE_ENTRIES), SEED_BUNDLE];

/** Sources every service bundle is built from (anything newer makes the bundles stale). */
const SERVICE_SOURCES = [
  'packages/platform/src',
  'router/src',
  ...SUBGRAPHS.map((s) => `subgraphs/${s}/src`),
  'scripts',
  'package-lock.json',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when a bundle `npm start` runs is missing or older than any of its sources. */
export function serviceBundlesStale(): boolean {
  const bundles = STARTUP_BUNDLES.map((o) => join(ROOT, o));
  if (!bundles.every(existsSync)) return true;
  const built = Math.min(...bundles.map((b) => statSync(b).mtimeMs));
  return SERVICE_SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

/** Chunks of a split bundle (`<name>-<HASH>.js` and its map), as esbuild names them. */
const CHUNK_FILE = /-[A-Z0-9]{8}\.js(\.map)?$/;

/**
 * Builds the six service bundles and the seeding when one is missing or stale (a few seconds with
 * esbuild), so `npm start` runs plain JavaScript: no TypeScript loader compiling every module in
 * six processes at each start. Every entry bundled into one of their folders is rebuilt (the
 * dashboard's rebuild tool and the tools in dist/ share them). Returns true when it built.
 */
export async function ensureServiceBundles({ force = false } = {}): Promise<boolean> {
  if (!force && !serviceBundlesStale()) return false;
  const dirs = new Set(STARTUP_BUNDLES.map((o) => dirname(o)));
  await buildEntries(Object.entries(BUILD_ENTRIES).filter(([, out]) => dirs.has(dirname(out))));
  return true;
}

/**
 * Builds the entries, then removes the chunks no entry of their folders refers to any more. Every
 * file is written to a temporary name and renamed, chunks before their entry, so a process
 * starting meanwhile loads either the old bundle with its chunks or the new one, never half a
 * file (the same sources give the same chunk names: rebuilding unchanged code removes nothing).
 */
async function buildEntries(entries: [string, string][]): Promise<void> {
  const written = (await Promise.all(entries.map(([entry, out]) => buildEntry(entry, out)))).flat();
  const keep = new Set(written);
  for (const dir of new Set(entries.map(([, out]) => join(ROOT, dirname(out))))) {
    for (const file of readdirSync(dir)) {
      const path = join(dir, file);
      if (CHUNK_FILE.test(file) && !keep.has(path)) rmSync(path, { force: true });
    }
  }
}

/** Options of {@link buildEntry}. */
export interface BuildEntryOptions {
  /**
   * Keep `@apollo/federation-internals`' re-exports as TypeScript's getters (no
   * {@link eagerReExports}); only for the benchmark's before row. Default false.
   */
  lazyReExports?: boolean;
}

/** Bundles one entry (`out` relative to the repository root); resolves to the absolute paths it wrote. */
export async function buildEntry(
  entry: string,
  out: string,
  options: BuildEntryOptions = {},
): Promise<string[]> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { [basename(out, '.js')]: entry },
    outdir: dirname(out),
    // Our own `import()`s (KafkaEventBus, the PostgreSQL driver) become chunks loaded on demand.
    splitting: true,
    // Beside the entry, so `new URL(…, import.meta.url)` means the same in every chunk.
    chunkNames: '[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Bundled CommonJS packages call require() (for Node built-ins, or a package kept external):
    // an ES module has none, so give the bundle one.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    sourcemap: true,
    // Stack traces point at the TypeScript sources (node --enable-source-maps, set in the image).
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [externalPackages, ...(options.lazyReExports ? [] : [eagerReExports]), nativeCreateHash],
    write: false,
  });
  const entryFile = join(ROOT, out);
  // Maps and chunks first, the entry last: it is what makes a process load the new files.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(a.path.startsWith(entryFile)) - Number(b.path.startsWith(entryFile)),
  );
  mkdirSync(join(ROOT, dirname(out)), { recursive: true });
  for (const file of files) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  return files.map((f) => f.path);
}

/** Builds `web/` when that workspace exists and has a build script (the image serves web/dist). */
function buildWeb(): void {
  const pkg = join(ROOT, 'web', 'package.json');
  if (!existsSync(pkg)) return;
  const scripts = (JSON.parse(readFileSync(pkg, 'utf8')) as { scripts?: Record<string, string> }).scripts;
  if (!scripts?.build) return;
  const r = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('web build failed');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outputs = await buildAll();
  buildWeb();
  console.log(`built ${outputs.length} bundles: ${outputs.join(', ')}`);
}
