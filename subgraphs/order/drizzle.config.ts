import { defineConfig } from 'drizzle-kit';

/** Migrations of the order context's SQLite database (`npx drizzle-kit generate` in this folder). */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
