import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RouteHandler, sendError, sendJson, signJwt } from '@baemin/platform';
import { envBool } from './loadRouterConfig.js';

/** Where `npm run build -w web` writes the app; ROUTER_WEB_DIR overrides it. */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The demo people `/dev/tokens` signs tokens for. Owners' descriptions name the stores
 * `npm run seed` gives them (subgraphs/store/src/seed.ts; a test keeps the two in step).
 */
const DEV_IDENTITIES = [
  { role: 'customer', sub: 'alice', name: 'Alice', description: 'Customer' },
  { role: 'customer', sub: 'bob', name: 'Bob', description: 'Customer' },
  { role: 'owner', sub: 'owner-1', name: 'Owner One', description: 'Owner of store-1 and store-2' },
  { role: 'owner', sub: 'owner-2', name: 'Owner Two', description: 'Owner of store-3 and store-4' },
  { role: 'rider', sub: 'rider-1', name: 'Rider One', description: 'Rider' },
  { role: 'rider', sub: 'rider-2', name: 'Rider Two', description: 'Rider' },
  { role: 'admin', sub: 'admin-1', name: 'Admin', description: 'Platform staff: onboards stores for owners' },
] as const;

export interface WebAppOptions {
  /** The built app (index.html, graphiql.html, assets/); default ROUTER_WEB_DIR, else web/dist. */
  dir?: string;
  /** Serve GraphiQL at /graphiql; the router passes its landing-page setting (off in production). */
  explorer: boolean;
  /**
   * Serve `/dev/tokens` (demo tokens for the sign-in picker and GraphiQL), signed with this
   * secret. ROUTER_DEV_TOKENS=true|false; default on unless NODE_ENV=production, and never in
   * production whatever the variable says: a token endpoint must not ship.
   */
  devTokensSecret: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Routes the router adds for the web app: `/dev/tokens` when allowed, and a fallback that serves
 * the static build: files by path (hashed `/assets/*` cached for a year, HTML never cached), the
 * GraphiQL page at `/graphiql`, and `index.html` for any other page path a browser navigates to
 * (`Accept: text/html`; client-side routes).
 */
export function serveWebApp(options: WebAppOptions): {
  routes: Record<string, RouteHandler>;
  fallback: RouteHandler;
} {
  const env = options.env ?? process.env;
  const dir = resolve(options.dir ?? env.ROUTER_WEB_DIR ?? DEFAULT_WEB_DIR);
  const production = env.NODE_ENV === 'production';
  const devTokens = !production && envBool(env, 'ROUTER_DEV_TOKENS', true);
  const routes: Record<string, RouteHandler> = {};
  if (devTokens) {
    routes['/dev/tokens'] = (_req, res) => {
      res.setHeader('cache-control', 'no-store');
      sendJson(res, 200, {
        tokens: DEV_IDENTITIES.map((id) => ({
          ...id,
          token: signJwt({ sub: id.sub, role: id.role, name: id.name }, options.devTokensSecret),
        })),
      });
    };
  }
  if (options.explorer) {
    routes['/graphiql'] = (req, res) => sendFile(req, res, join(dir, 'graphiql.html'), dir);
  }
  const fallback: RouteHandler = (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'Only GET and HEAD are served here');
    }
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    } catch {
      return sendError(res, 400, 'BAD_REQUEST', 'Malformed path');
    }
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) && file !== dir) return sendError(res, 404, 'NOT_FOUND', 'Not found');
    if (isFile(file)) return sendFile(req, res, file, dir);
    if (path === '/') return sendFile(req, res, join(dir, 'index.html'), dir);
    // A page path (no extension) asked for by a browser navigation is a client-side route of the
    // app; anything else missing (an asset, an API call such as /dev/tokens in production) is a 404.
    const wantsPage = (req.headers.accept ?? '').includes('text/html');
    if (extname(path) !== '' || path.startsWith('/assets/') || !wantsPage) {
      return sendError(res, 404, 'NOT_FOUND', `No file ${path}`);
    }
    return sendFile(req, res, join(dir, 'index.html'), dir);
  };
  return { routes, fallback };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, dir: string): void {
  if (!existsSync(file)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `The web app is not built (${dir} has no ${file.slice(dir.length + 1)}). Run: npm run build -w web\n`,
    );
    return;
  }
  const size = statSync(file).size;
  const hashed = file.startsWith(join(dir, 'assets') + sep);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    // Vite names assets by content hash: they never change. HTML points at them, so it is revalidated.
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
