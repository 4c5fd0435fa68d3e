/**
 * Restores a context's SQLite store from a backup (`npm run backup`), with the context STOPPED:
 *
 *   npm run restore -- <order|store|delivery|payment|dashboard> <backup file> [--force]
 *
 * 1. Refuses while something answers on the context's URL (`<NAME>_URL`/health; `--force` skips
 *    the check, e.g. when that URL is a Service in front of other pods).
 * 2. Rewinds the context's consumer group to the beginning of its topics (embedded log or Kafka,
 *    from the same settings as the services; waits up to 60 s for a dead member's lease or
 *    session to run out).
 * 3. Checks the backup and puts it in place of `<DATA_DIR>/<name>.db` (its -wal/-shm removed).
 *    At its next start the context reads every event
 *    again; its inbox, restored with the data, skips those the backup had applied, so each event
 *    after the backup is applied exactly once. Guarantees and limits: README, "Backups".
 */
import { parseArgs } from 'node:util';
import { createEventBus } from '../packages/platform/src/bus/createEventBus.js';
import { loadServiceConfig, SUBGRAPHS, type SubgraphName } from '../packages/platform/src/config.js';
import { type BackupReport, restoreDatabase } from '../packages/platform/src/db/backup.js';
import { CONSUMER_GROUPS } from '../packages/platform/src/events/catalog.js';
import { databasePath } from './backupTargets.js';
import { isMain, UsageError } from './cli.js';

export const USAGE = `usage: npm run restore -- <${SUBGRAPHS.join('|')}> <backup file> [--force]
  --force   do not check that the context is stopped`;

export interface RestoreReport extends BackupReport {
  group: string;
  topics: readonly string[];
  transport: 'embedded' | 'kafka';
}

/** True when the context answers `/health` at its configured URL. */
async function isRunning(name: SubgraphName, env: NodeJS.ProcessEnv): Promise<boolean> {
  const url = loadServiceConfig(name, env).urls[name];
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

export async function restore(
  name: SubgraphName,
  backupFile: string,
  {
    force = false,
    env = process.env,
    waitMs = 60_000,
  }: {
    force?: boolean;
    env?: NodeJS.ProcessEnv;
    /** How long a consumer group still held by a dead member is waited for. Default 60 s. */
    waitMs?: number;
  } = {},
): Promise<RestoreReport> {
  if (!force && (await isRunning(name, env)))
    throw new Error(`${name} is running (it answers at its URL): stop it first`);
  const config = loadServiceConfig(name, env);
  // The bus first: if it cannot be reached, nothing has been changed yet.
  const bus = await createEventBus(config, env);
  try {
    if (!bus.resetGroup) throw new Error(`the ${bus.kind} bus cannot rewind consumer groups`);
    const { group, topics } = CONSUMER_GROUPS[name];
    // Rewind first: if it fails, nothing has changed. (Rewound but the file not restored is
    // harmless too: the inbox skips what the current file has applied.) A member that died
    // without leaving (SIGKILL, lost node) holds its lease (embedded) or session (Kafka) a little
    // longer: retried until `waitMs`.
    const resetGroup = bus.resetGroup.bind(bus);
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await resetGroup(group, [...topics]);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const report = await restoreDatabase(backupFile, databasePath(name, env));
    return { ...report, group, topics, transport: bus.kind };
  } finally {
    await bus.close();
  }
}

if (isMain(import.meta.url)) {
  let name: SubgraphName;
  let file: string;
  let force: boolean;
  try {
    const { positionals, values } = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { force: { type: 'boolean', default: false } },
    });
    if (positionals.length !== 2) throw new UsageError('a context and a backup file, please');
    if (!(SUBGRAPHS as string[]).includes(positionals[0]!))
      throw new UsageError(`unknown context ${positionals[0]}`);
    name = positionals[0] as SubgraphName;
    file = positionals[1]!;
    force = values.force ?? false;
  } catch (err) {
    console.error(`restore: ${(err as Error).message}`);
    console.error(USAGE);
    process.exit(2);
  }
  try {
    const r = await restore(name, file, { force });
    console.log(
      `restored ${r.destination} from ${r.source} (${r.bytes} bytes, checked); consumer group '${r.group}' rewound to the beginning of ${r.topics.join(', ')} (${r.transport}): start ${name} now`,
    );
  } catch (err) {
    console.error(`restore failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
