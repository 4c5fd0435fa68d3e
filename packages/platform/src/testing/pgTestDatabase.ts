import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Throw-away PostgreSQL databases for tests. The server is TEST_PG_URL (a URL of its maintenance
 * database; default `postgres://postgres@127.0.0.1:5432/postgres`, trust auth as in `.ci/run`).
 * Databases use the C collation, so text orders as on SQLite (byte order).
 */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The store engine subgraph tests run on: env TEST_STORE_ENGINE, `sqlite` (default) or `postgres`. */
export function testStoreEngine(): 'sqlite' | 'postgres' {
  return process.env.TEST_STORE_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

export interface PgTestDatabase {
  /** `postgres://…` of the new, empty database. */
  url: string;
  name: string;
  /** Drops it (connections still open are ended). */
  drop(): Promise<void>;
}

function newName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

function urlOf(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty database with a unique name. */
export async function createPgTestDatabase(prefix = 'baemin_t'): Promise<PgTestDatabase> {
  const name = newName(prefix);
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(
      `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
  } finally {
    await admin.end();
  }
  return {
    url: urlOf(name),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** {@link createPgTestDatabase} for synchronous set-up code (uses the `psql` client). */
export function createPgTestDatabaseSync(prefix = 'baemin_t'): { url: string; drop: () => void } {
  const name = newName(prefix);
  const psql = (command: string) => execFileSync('psql', [TEST_PG_URL, '-qXc', command], { stdio: 'pipe' });
  psql(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  return { url: urlOf(name), drop: () => void psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
