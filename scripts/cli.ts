import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Wrong command-line arguments: the CLI prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/**
 * True when the module at `moduleUrl` is the script node was started with. Lives apart from the
 * CLIs so a bundle of one CLI (npm run build) never carries another CLI's main block.
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
