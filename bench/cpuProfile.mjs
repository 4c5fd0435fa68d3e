/**
 * Preloaded into every service by `bench/saga.ts --cpu-prof <dir>` (Node 20 refuses --cpu-prof in
 * NODE_OPTIONS): profiles the whole process and writes `<dir>/<service>-<pid>.cpuprofile` at exit,
 * readable by Chrome DevTools or `npx tsx bench/cpuProfileSummary.ts`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // The main thread's inspector session answers synchronously, so this completes inside 'exit'.
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = process.argv[process.argv.length - 1]?.split('/').slice(-3, -2)[0] ?? 'node';
      writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
