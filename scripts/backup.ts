/**
 * Online backup of a context's SQLite store (or of the embedded event log), while it runs:
 *
 *   npm run backup -- <order|store|delivery|payment|dashboard|eventlog> [--out DIR]
 *
 * Writes `<DIR>/<name>-<UTC timestamp>.db` (DIR default `<DATA_DIR>/backups`) with SQLite's online
 * backup API and checks it. Same configuration as the services (DATA_DIR, EVENTLOG_PATH). What a
 * backup holds and what a restore gives back: README, "Backups".
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SUBGRAPHS } from '../packages/platform/src/config.js';
import { type BackupReport, backupDatabase } from '../packages/platform/src/db/backup.js';
import { type BackupTarget, databasePath, parseTarget } from './backupTargets.js';
import { isMain, UsageError } from './cli.js';

export const USAGE = `usage: npm run backup -- <${[...SUBGRAPHS, 'eventlog'].join('|')}> [--out DIR]
  --out DIR   where the backup file goes (default <DATA_DIR>/backups)`;

/** Backs `target` up into `outDir`; the file name carries the time, so backups never overwrite. */
export async function backup(
  target: BackupTarget,
  outDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BackupReport> {
  const source = databasePath(target, env);
  const dir = resolve(outDir ?? join(resolve(env.DATA_DIR ?? 'data'), 'backups'));
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return backupDatabase(source, join(dir, `${target}-${stamp}.db`));
}

if (isMain(import.meta.url)) {
  let target: BackupTarget;
  let out: string | undefined;
  try {
    const { positionals, values } = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { out: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('one database, please');
    target = parseTarget(positionals[0]);
    out = values.out;
  } catch (err) {
    console.error(`backup: ${(err as Error).message}`);
    console.error(USAGE);
    process.exit(2);
  }
  try {
    const report = await backup(target, out);
    console.log(`backed up ${report.source} to ${report.destination} (${report.bytes} bytes, checked)`);
  } catch (err) {
    console.error(`backup failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
