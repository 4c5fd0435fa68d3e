import { defineConfig } from 'drizzle-kit';

/** Migrations of the store context's PostgreSQL database (`npx drizzle-kit generate --config drizzle.pg.config.ts`). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.pg.ts',
  out: './drizzle-pg',
});
