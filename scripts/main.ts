/**
 * The image's single entry point (`npm run build` compiles it to dist/main.js):
 *
 *   node dist/main.js <process> [arguments…]      e.g. docker run baemin/app order
 *
 * <process> is one of the six services (order, store, delivery, payment, dashboard, router) or a
 * tool: dashboard-rebuild [--force], dlq <list|replay> <topic> …, token --role … --sub ….
 * Each runs its compiled bundle (see scripts/build.ts); only that one is loaded.
 */
import { fileURLToPath } from 'node:url';
import { MAIN_USAGE, PROCESSES, type ProcessName } from './processes.js';

const name = process.argv[2];
if (!name || !Object.hasOwn(PROCESSES, name)) {
  console.error(name ? `unknown process "${name}"` : 'no process given');
  console.error(MAIN_USAGE);
  process.exit(2);
}
const bundle = fileURLToPath(new URL(`../${PROCESSES[name as ProcessName]}`, import.meta.url));
// The bundle sees the same argv as when started directly (`node <bundle> [arguments…]`): the CLIs
// read their arguments from argv[2] on and run their main block only when argv[1] is themselves.
process.argv.splice(1, 2, bundle);
await import(bundle);
