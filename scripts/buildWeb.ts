/**
 * Builds the web app (web/dist) when it is missing or older than its sources:
 *   npx tsx scripts/buildWeb.ts [--force]
 * `npm start` and the e2e tests call ensureWebBuilt() so the router always serves a current build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from './token.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_DIR = join(ROOT, 'web');
export const WEB_DIST = join(WEB_DIR, 'dist');
const SOURCES = ['src', 'index.html', 'graphiql.html', 'vite.config.ts', 'package.json'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when web/dist lacks a page or is older than any source file. */
export function webBuildStale(): boolean {
  const pages = ['index.html', 'graphiql.html'].map((p) => join(WEB_DIST, p));
  if (!pages.every(existsSync)) return true;
  const built = Math.min(...pages.map((p) => statSync(p).mtimeMs));
  return SOURCES.some((s) => existsSync(join(WEB_DIR, s)) && newestMtime(join(WEB_DIR, s)) > built);
}

/** Runs `vite build` for web/ when needed (or always with `force`); throws when the build fails. */
export function ensureWebBuilt({ force = false, log = console.log } = {}): boolean {
  if (!force && !webBuildStale()) return false;
  log('Building the web app (web/dist)…');
  const res = spawnSync('npm', ['run', '-s', 'build', '-w', 'web'], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`web build failed (exit ${res.status ?? res.signal})`);
  return true;
}

if (isMain(import.meta.url)) {
  ensureWebBuilt({ force: process.argv.includes('--force') });
}
