import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Bundles `source`, a CommonJS module requiring packages of the repository, with `plugins`, into
 * `dir` (esbuild wraps each CommonJS module as the services' bundles do), then loads the bundle:
 * the tests of scripts/build.ts's plugins compare what a package becomes bundled with what Node runs.
 *
 * @param keepNames class and function names as written. Default false, as in the services' bundles.
 */
export async function bundleCommonJs<T>(
  dir: string,
  name: string,
  source: string,
  plugins: Plugin[],
  keepNames = false,
): Promise<{ exports: T; text: string }> {
  const entry = join(dir, `${name}-entry.cjs`);
  writeFileSync(entry, source);
  const out = join(dir, `${name}.cjs`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'error',
    plugins,
    keepNames,
    nodePaths: [join(ROOT, 'node_modules')],
  });
  return { exports: require(out) as T, text: readFileSync(out, 'utf8') };
}
