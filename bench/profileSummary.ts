/**
 * Prints where a V8 CPU profile (node --cpu-prof) spent its time: self time per function,
 * grouped by function and file, largest first.
 *
 *   npx tsx bench/profileSummary.ts .cache/bench/profiles/router.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(readFileSync(positionals[0] ?? '', 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id);
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  if (!n) return;
  const file = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/wt-\d+\//, '');
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${file}${file ? `:${n.callFrame.lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + dt);
});
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
for (const [key, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
