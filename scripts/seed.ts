/**
 * `npm run seed`: inserts the demo stores and menus (subgraphs/store/src/seed.ts) into the store
 * context's database, `<DATA_DIR>/store.db`, and writes one StoreUpserted snapshot per store inserted
 * into its outbox. Idempotent: stores that exist are left alone, so running it again changes nothing
 * and owners' edits survive. It does not publish: the store service's outbox relay does (when it
 * starts, or within a second while it runs), so the order context's menu replica fills from the
 * same events as for any owner's change.
 *
 * Never implied: the services do not seed themselves. `npm start` runs this for the embedded
 * default, the e2e harness (test/harness/TestSystem.ts) runs it before starting the system; a
 * production deployment has only the stores its owners create.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { loadServiceConfig } from '../packages/platform/src/config.js';
import { Database } from '../packages/platform/src/db/Database.js';
import { Topics } from '../packages/platform/src/events/catalog.js';
import { OutboxWriter } from '../packages/platform/src/outbox/Outbox.js';
import * as storeSchema from '../subgraphs/store/src/db/schema.js';
import { SEED_STORES, seedStores } from '../subgraphs/store/src/seed.js';
import { isMain } from './cli.js';

const STORE_PACKAGE = fileURLToPath(new URL('../subgraphs/store', import.meta.url));

/**
 * Seeds the store context's database: `<dataDir>/store.db`, or the PostgreSQL database at `url`
 * (default: the store's configured STORE_DATABASE_URL / DATABASE_URL, if any), migrating it first
 * as the store service would.
 * @returns the ids of the stores inserted now (empty when they all existed).
 */
export async function seed(
  dataDir: string = loadServiceConfig('store').dataDir,
  url: string | null = loadServiceConfig('store').databaseUrl,
): Promise<string[]> {
  const database = await Database.open({
    path: join(dataDir, 'store.db'),
    url,
    schema: storeSchema,
    migrationsFolder: join(STORE_PACKAGE, 'drizzle'),
  });
  try {
    return await seedStores(database, new OutboxWriter({ producer: 'store', topic: Topics.store }));
  } finally {
    await database.close();
  }
}

/** Ids of the demo stores, for callers that wait until the order context's replica has them. */
export const SEEDED_STORE_IDS: readonly string[] = SEED_STORES.map((s) => s.id);

/**
 * How many of `storeIds` the order context's menu replica holds: `<dataDir>/order.db`, or the
 * PostgreSQL database at `orderUrl`; 0 while that database or its table does not exist yet. Read-only.
 */
export async function replicatedStoreCount(
  dataDir: string,
  storeIds: readonly string[] = SEEDED_STORE_IDS,
  orderUrl: string | null = null,
): Promise<number> {
  if (orderUrl) {
    const client = new pg.Client({ connectionString: orderUrl });
    try {
      await client.connect();
      const res = await client.query('SELECT COUNT(*)::int AS n FROM catalog_stores WHERE id = ANY($1)', [
        [...storeIds],
      ]);
      return (res.rows[0] as { n: number }).n;
    } catch {
      return 0;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  let db: BetterSqlite3.Database | null = null;
  try {
    db = new BetterSqlite3(join(dataDir, 'order.db'), { readonly: true, fileMustExist: true, timeout: 5000 });
    const placeholders = storeIds.map(() => '?').join(',');
    const row = db
      .prepare(`SELECT COUNT(*) AS n FROM catalog_stores WHERE id IN (${placeholders})`)
      .get(...storeIds) as { n: number };
    return row.n;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}

if (isMain(import.meta.url)) {
  const config = loadServiceConfig('store');
  const dataDir = config.dataDir;
  const inserted = await seed(dataDir, config.databaseUrl);
  console.log(
    inserted.length > 0
      ? `seed: inserted ${inserted.join(', ')} into ${join(dataDir, 'store.db')}`
      : `seed: nothing to do, the demo stores exist in ${join(dataDir, 'store.db')}`,
  );
}
