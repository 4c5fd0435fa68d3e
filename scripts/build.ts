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
 *   healthcheck.ts                        dist/healthcheck.js
 *
 * Why beside `src/`: the code finds its files at run time relative to its own module
 * (`new URL('..', import.meta.url)`: a subgraph's `schema.graphql` and `drizzle/` migrations, the
 * router's `../../schema/supergraph.graphql`). From `<workspace>/dist/x.js` those paths resolve to
 * exactly the same files as from `<workspace>/src/x.ts`, so nothing is copied and `npm start`
 * (tsx on the sources) runs the same code.
 *
 * Our own code (`@baemin/platform` and relative imports) is bundled in; every npm package stays
 * an `import` of node_modules (installed with `npm ci --omit=dev` in the image), so native modules
 * (better-sqlite3) and CommonJS interop behave exactly as under tsx.
 *
 * Hook for the web app: when a `web/` workspace with a `build` script exists, its build runs too
 * (its output, `web/dist`, is then copied into the image by the Dockerfile).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { build, type Plugin } from 'esbuild';
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
};

/** Bare imports stay external, except our own workspaces (`@baemin/*`), which are TypeScript. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@baemin/')) return undefined;
      return { path: args.path, external: true };
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

export async function buildAll(): Promise<string[]> {
  const outputs: string[] = [];
  for (const dir of new Set(Object.values(BUILD_ENTRIES).map((o) => dirname(o)))) {
    rmSync(join(ROOT, dir), { recursive: true, force: true });
  }
  for (const [entry, out] of Object.entries(BUILD_ENTRIES)) {
    await buildEntry(entry, out);
    outputs.push(out);
  }
  return outputs;
}

/** Sources every service bundle is built from (anything newer makes the bundles stale). */
const SERVICE_SOURCES = [
  'packages/platform/src',
  'router/src',
  ...SUBGRAPHS.map((s) => `subgraphs/${s}/src`),
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

/** True when a service bundle is missing or older than any of its sources. */
export function serviceBundlesStale(): boolean {
  const bundles = Object.values(SERVICE_ENTRIES).map((o) => join(ROOT, o));
  if (!bundles.every(existsSync)) return true;
  const built = Math.min(...bundles.map((b) => statSync(b).mtimeMs));
  return SERVICE_SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

/**
 * Builds the six service bundles when one is missing or stale (about a second with esbuild), so
 * `npm start` runs plain JavaScript: no TypeScript loader compiling every module in six processes
 * at each start. Returns true when it built.
 */
export async function ensureServiceBundles({ force = false } = {}): Promise<boolean> {
  if (!force && !serviceBundlesStale()) return false;
  await Promise.all(Object.entries(SERVICE_ENTRIES).map(([entry, out]) => buildEntry(entry, out)));
  return true;
}

async function buildEntry(entry: string, out: string): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Stack traces point at the TypeScript sources (node --enable-source-maps, set in the image).
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [externalPackages],
  });
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
