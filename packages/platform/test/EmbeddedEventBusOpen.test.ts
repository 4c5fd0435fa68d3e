import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const BUS = pathToFileURL(fileURLToPath(new URL('../src/bus/EmbeddedEventBus.ts', import.meta.url))).href;
const dir = mkdtempSync(join(tmpdir(), 'embedded-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Opens (and closes) the log at `path` in a process of its own, as each service does at start.
 * `started` resolves once the process is about to open it.
 */
function openInProcess(path: string): {
  started: Promise<void>;
  done: Promise<{ code: number | null; stderr: string }>;
} {
  const code = `import { EmbeddedEventBus } from ${JSON.stringify(BUS)};
    process.stdout.write('opening\\n');
    await new EmbeddedEventBus({ path: process.argv[1] }).close();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (exitCode) => resolve({ code: exitCode, stderr })),
  );
  return { started, done };
}

describe('opening the embedded log from many processes at once', () => {
  it('a log of the old schema is upgraded once, and every process starts', { timeout: 120_000 }, async () => {
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `old-${round}.db`);
      const old = new Database(path);
      old.pragma('journal_mode = WAL');
      // Every table as it was before lease generations existed (group_leases without the column).
      old.exec(`
        CREATE TABLE topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
        CREATE TABLE records (
          topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
          key TEXT, headers TEXT NOT NULL, value TEXT NOT NULL, timestamp INTEGER NOT NULL,
          PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
        CREATE TABLE group_offsets (
          grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
          PRIMARY KEY (grp, topic, partition)) WITHOUT ROWID;
        CREATE TABLE group_leases (grp TEXT PRIMARY KEY, member TEXT NOT NULL, pid INTEGER NOT NULL, expires_at INTEGER NOT NULL);
        CREATE TABLE group_owners (grp TEXT PRIMARY KEY, store_id TEXT NOT NULL, since INTEGER NOT NULL);
      `);
      // Hold the write lock until all six are opening, so they reach the schema check together (as
      // the services of `npm start` or a test system do).
      old.exec('BEGIN IMMEDIATE');
      const opening = Array.from({ length: 6 }, () => openInProcess(path));
      await Promise.all(opening.map((o) => o.started));
      await new Promise((r) => setTimeout(r, 300));
      old.exec('COMMIT');
      old.close();
      const results = await Promise.all(opening.map((o) => o.done));
      expect(
        results.map((r) => r.code),
        results.map((r) => r.stderr).join('\n'),
      ).toEqual([0, 0, 0, 0, 0, 0]);
      const upgraded = new Database(path, { readonly: true });
      const columns = (upgraded.prepare('PRAGMA table_info(group_leases)').all() as { name: string }[]).map(
        (c) => c.name,
      );
      upgraded.close();
      expect(columns).toEqual(['grp', 'member', 'pid', 'expires_at', 'generation']);
    }
  });
});
