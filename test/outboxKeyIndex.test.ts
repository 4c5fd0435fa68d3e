import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database, SUBGRAPHS } from '@baemin/platform';
import { tempDir } from '@baemin/platform/testing';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = tempDir('outbox-key-');
afterAll(() => tmp.cleanup());

/**
 * Outbox.sagaTraceparent's lookup (tracing on, once per event written): the latest event of a key.
 * Without an index on key, SQLite walks every row kept (published rows stay 7 days) for a key it
 * has never seen, which is every new order: 46 ms at a million rows, on the event loop.
 */
const LATEST_OF_KEY = 'SELECT envelope FROM outbox WHERE key = ? ORDER BY position DESC LIMIT 1';

describe("every subgraph's migrations index the outbox by key", () => {
  it.each(SUBGRAPHS)('%s: the latest event of a key is an index search, not a scan', async (name) => {
    const database = await Database.open({
      path: join(tmp.dir, `${name}.db`),
      schema: {},
      migrationsFolder: join(ROOT, 'subgraphs', name, 'drizzle'),
    });
    try {
      const plan = database.sqlite.prepare(`EXPLAIN QUERY PLAN ${LATEST_OF_KEY}`).all('order-1') as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail)).toEqual([
        expect.stringMatching(/^SEARCH outbox USING INDEX outbox_key \(key=\?\)/),
      ]);
    } finally {
      await database.close();
    }
  });
});
