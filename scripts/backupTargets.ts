/**
 * What `npm run backup` / `npm run restore` work on, apart from both CLIs (a bundle of one CLI must
 * not carry the other's main block, see cli.ts).
 */
import { join } from 'node:path';
import { loadServiceConfig, SUBGRAPHS, type SubgraphName } from '../packages/platform/src/config.js';
import { UsageError } from './cli.js';

export type BackupTarget = SubgraphName | 'eventlog';

/** The live file of `target` under the services' configuration. */
export function databasePath(target: BackupTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (target === 'eventlog') return loadServiceConfig('order', env).eventLogPath;
  const config = loadServiceConfig(target, env);
  return join(config.dataDir, `${target}.db`);
}

export function parseTarget(value: string | undefined): BackupTarget {
  if (!value) throw new UsageError('which database?');
  if (value !== 'eventlog' && !(SUBGRAPHS as string[]).includes(value))
    throw new UsageError(`unknown database ${value}`);
  return value as BackupTarget;
}
