import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The platform's own tables (tables.ts) as SQL, for stores that have no subgraph's migrations. */
export const OUTBOX_INBOX_SQL = `CREATE TABLE outbox (position integer PRIMARY KEY AUTOINCREMENT NOT NULL, event_id text NOT NULL UNIQUE,
  topic text NOT NULL, key text NOT NULL, type text NOT NULL, envelope text NOT NULL, created_at text NOT NULL,
  published_at text, attempts integer DEFAULT 0 NOT NULL, last_error text);
--> statement-breakpoint
CREATE INDEX outbox_unpublished ON outbox (published_at, position);
--> statement-breakpoint
CREATE INDEX outbox_key ON outbox (key, position);
--> statement-breakpoint
CREATE TABLE inbox (consumer text NOT NULL, event_id text NOT NULL, event_type text NOT NULL,
  handled_at text NOT NULL, PRIMARY KEY (consumer, event_id));`;

/**
 * Writes a drizzle migrations folder (`<dir>/drizzle`, one migration) holding `sql`, and returns
 * its path: for tests and benchmarks that need a real migrated store without a subgraph.
 */
export function writeMigrations(dir: string, sql: string, tag = '0000_init'): string {
  const folder = join(dir, 'drizzle');
  mkdirSync(join(folder, 'meta'), { recursive: true });
  writeFileSync(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'sqlite',
      entries: [{ idx: 0, version: '6', when: 1, tag, breakpoints: true }],
    }),
  );
  writeFileSync(join(folder, `${tag}.sql`), sql);
  return folder;
}
