/**
 * Start-up benchmark: `npm start` from the command to "The system is ready." (every service's
 * /ready answered 200) and the resident memory of its six service processes once ready, with the
 * services run as compiled bundles (the default) and with the TypeScript loader
 * (START_RUNTIME=tsx, how `npm start` ran them before), alternating, each on a fresh data directory
 * and its own ports.
 *
 *   npx tsx bench/startup.ts [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SUBGRAPHS } from '../packages/platform/src/config.js';
import { freePort } from '../packages/platform/src/testing/freePort.js';
import { ensureServiceBundles } from '../scripts/build.js';
import { ensureWebBuilt } from '../scripts/buildWeb.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(args.rounds);

function children(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {}
  }
  return out;
}
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
/** CPU time (user + system) the process has used, in seconds (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

interface StartSample {
  readyMs: number;
  servicesRssMb: number;
  /** CPU seconds the six services used until ready: what a loaded machine stretches into wall time. */
  servicesCpuS: number;
  /** CPU seconds of everything else `npm start` ran (npm, the supervisor and its loader). */
  supervisorCpuS: number;
  processes: number;
}

async function startOnce(runtime: 'bundle' | 'tsx'): Promise<StartSample> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baemin-startup-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    START_RUNTIME: runtime,
  };
  for (const name of [...SUBGRAPHS, 'router']) {
    env[`${name.toUpperCase()}_PORT`] = String(await freePort());
    delete env[`${name.toUpperCase()}_URL`];
  }
  delete env.KAFKA_BROKERS;
  const started = performance.now();
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const readyMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 120 s:\n${output.slice(-3000)}`)), 120_000);
    npm.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('The system is ready.')) {
        clearTimeout(timer);
        resolve(performance.now() - started);
      }
    });
    npm.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    npm.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output.slice(-3000)}`)));
  });
  // The six services are the processes started with the parent-watch preload.
  const all: number[] = [];
  const walk = (pid: number) => {
    for (const c of children(pid)) {
      all.push(c);
      walk(c);
    }
  };
  walk(npm.pid!);
  const services = all.filter((pid) => cmdline(pid).includes('data:text/javascript'));
  const servicesRssMb = services.reduce((sum, pid) => sum + rssMb(pid), 0);
  const servicesCpuS = services.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const supervisorCpuS = [npm.pid!, ...all.filter((p) => !services.includes(p))].reduce(
    (sum, pid) => sum + cpuSeconds(pid),
    0,
  );
  await new Promise<void>((resolve) => {
    npm.removeAllListeners('exit');
    npm.once('exit', () => resolve());
    process.kill(-npm.pid!, 'SIGINT');
  });
  // Wait for the services themselves (own process groups) to be gone before the next round.
  for (let i = 0; i < 100 && services.some((p) => rssMb(p) > 0); i++)
    await new Promise((r) => setTimeout(r, 100));
  rmSync(dataDir, { recursive: true, force: true });
  return { readyMs, servicesRssMb, servicesCpuS, supervisorCpuS, processes: services.length };
}

ensureWebBuilt();
const buildStart = performance.now();
const built = await ensureServiceBundles();
console.log(
  built
    ? `built the service bundles in ${(performance.now() - buildStart).toFixed(0)} ms`
    : 'service bundles up to date',
);

const results: Record<string, StartSample[]> = { tsx: [], bundle: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const runtime of round % 2 ? (['bundle', 'tsx'] as const) : (['tsx', 'bundle'] as const)) {
    const s = await startOnce(runtime);
    results[runtime]!.push(s);
    console.log(
      `round ${round + 1} ${runtime.padEnd(6)} ready in ${(s.readyMs / 1000).toFixed(2)} s, ${s.processes} services, ${s.servicesRssMb.toFixed(0)} MB RSS, CPU ${s.servicesCpuS.toFixed(1)} s services + ${s.supervisorCpuS.toFixed(1)} s supervisor`,
    );
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(
  '\n| npm start runs the services with | ready s (median) | services RSS MB (median) | services CPU s (median) | supervisor CPU s (median) | processes |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [runtime, label] of [
  ['tsx', 'tsx loader (before)'],
  ['bundle', 'compiled bundles (after)'],
] as const) {
  const list = results[runtime]!;
  console.log(
    `| ${label} | ${(median(list.map((s) => s.readyMs)) / 1000).toFixed(2)} | ${median(list.map((s) => s.servicesRssMb)).toFixed(0)} | ${median(list.map((s) => s.servicesCpuS)).toFixed(1)} | ${median(list.map((s) => s.supervisorCpuS)).toFixed(1)} | ${list[0]?.processes ?? 0} |`,
  );
}
process.exit(0);
