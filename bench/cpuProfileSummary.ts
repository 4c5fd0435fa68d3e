/**
 * Prints where each CPU profile of a folder spent its time: total sampled ms, idle share, and the
 * top functions by self time (with file:line), e.g. after `bench/saga.ts --cpu-prof <dir>`.
 * `--by package` adds them up by where they come from instead: in an esbuild bundle, the package
 * (or source file of ours) named by the `// node_modules/…` comment esbuild writes above each
 * module; elsewhere, the file (Node's internals, chunks) or the VM state (GC, idle).
 *
 *   npx tsx bench/cpuProfileSummary.ts <dir> [--top 25] [--by function|package]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, by: { type: 'string', default: 'function' } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: cpuProfileSummary.ts <dir> [--top N] [--by function|package]');
const top = Number(values.top);
if (values.by !== 'function' && values.by !== 'package')
  throw new Error(`--by must be function or package, got "${values.by}"`);
const byPackage = values.by === 'package';

/** Per bundle file: the first line of each module and what it is, from esbuild's path comments. */
const bundleModules = new Map<string, { line: number; name: string }[]>();
function modulesOf(url: string): { line: number; name: string }[] {
  let modules = bundleModules.get(url);
  if (modules) return modules;
  modules = [];
  const path = url.startsWith('file://') ? fileURLToPath(url) : '';
  if (path && existsSync(path)) {
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const m = /^\/\/ (node_modules\/((?:@[^/]+\/)?[^/]+)\/\S*|[\w.-]+\/\S+)$/.exec(text);
        if (m) modules!.push({ line: i + 1, name: m[2] ?? m[1]! });
      });
  }
  bundleModules.set(url, modules);
  return modules;
}
/** The package or source file a frame's code comes from (binary search of its bundle's modules). */
function packageOf(url: string, lineNumber: number, functionName: string): string {
  if (!url) return functionName || '(native)';
  const modules = modulesOf(url);
  let lo = 0;
  let hi = modules.length - 1;
  let found: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (modules[mid]!.line <= lineNumber + 1) {
      found = modules[mid]!.name;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found ?? url.replace(/^.*\//, '');
}

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const where = url
      ? `${url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*?\/wt-[^/]+\//, '')}:${lineNumber + 1}`
      : '';
    const key = byPackage
      ? packageOf(url, lineNumber, functionName)
      : `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  console.log(`\n## ${file}: ${(total / 1000).toFixed(0)} ms sampled, busy ${(busy / 1000).toFixed(0)} ms`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`,
    );
}
