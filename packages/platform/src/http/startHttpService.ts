import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../logger.js';
import { instrumentRequest } from '../telemetry/instrumentRequest.js';
import { sendError, sendJson } from './apolloHttpHandler.js';
import { isDraining } from './shutdown.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** A dependency probed by `/ready`. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean> | boolean;
}

export interface HttpServiceOptions {
  name: string;
  /** Port to listen on; 0 picks a free one (tests). */
  port: number;
  /** Default 127.0.0.1; set HOST=0.0.0.0 in containers. */
  host?: string;
  /** Exact-path routes, e.g. `{ '/graphql': handler }`. */
  routes: Record<string, RouteHandler>;
  /** Handles paths no route matches (the router's static web app); default a 404 JSON error. */
  fallback?: RouteHandler;
  readiness?: ReadinessCheck[];
  /**
   * Extra fields for the `/health` and `/ready` bodies (consumer state and lag, dead letters,
   * outbox backlog). A failure here is reported as `detailsError`, never as a failed request.
   */
  details?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /**
   * Run each routed request inside a log context (an AsyncLocalStorage scope) that stamps its
   * request id on every log line it writes. Default true. False for a service that names the
   * request on its few request-time log lines itself (the router): on Node 20 the first scope turns
   * on promise hooks for the whole process, which cost the router 5–16 % of its throughput.
   */
  requestLogContext?: boolean;
}

export interface HttpService {
  server: Server;
  port: number;
  url: string;
  /**
   * Stops taking connections, cuts the remaining ones after 2 s, and resolves once every routed
   * request's handler has finished (also those whose connection was cut).
   */
  close(): Promise<void>;
}

/**
 * The HTTP shell every process shares: its routes plus `/health` (liveness: the event loop
 * answers, 200 with `details`) and `/ready` (readiness: every dependency check passes, else 503
 * naming the failures, with `details`; always 503 `shutting-down` once the process is stopping,
 * see shutdown.ts).
 * Unknown paths get 404 and handler failures a 500 JSON error, never a dropped connection.
 */
export async function startHttpService(options: HttpServiceOptions): Promise<HttpService> {
  const routes = options.routes;
  const readiness = options.readiness ?? [];
  let closing = false;
  const details = async (): Promise<Record<string, unknown>> => {
    if (!options.details) return {};
    try {
      return await options.details();
    } catch (err) {
      return { detailsError: (err as Error)?.message ?? String(err) };
    }
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // Stopping: serve this request, but let the client open its next connection elsewhere.
    if (closing || isDraining()) res.setHeader('connection', 'close');
    if (path === '/health') {
      void (async () => {
        sendJson(res, 200, { status: 'ok', service: options.name, ...(await details()) });
      })();
      return;
    }
    if (path === '/ready') {
      void (async () => {
        const failed: string[] = [];
        for (const r of readiness) {
          try {
            if (!(await r.check())) failed.push(r.name);
          } catch {
            failed.push(r.name);
          }
        }
        if (closing || isDraining()) failed.push('shutting-down');
        sendJson(res, failed.length ? 503 : 200, {
          status: failed.length ? 'unavailable' : 'ready',
          service: options.name,
          failed,
          ...(await details()),
        });
      })();
      return;
    }
    const route = routes[path] ?? options.fallback;
    if (!route) return sendError(res, 404, 'NOT_FOUND', `No route ${path}`);
    // Request id, log context and (tracing on) a server span for the routed request.
    const run = () =>
      instrumentRequest(req, res, routes[path] ? path : '*', () => route(req, res), {
        logContext: options.requestLogContext ?? true,
      });
    const handled = Promise.resolve(run()).catch((err: unknown) => {
      logger.error('request failed', { path, error: (err as Error).message, stack: (err as Error).stack });
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.end();
    });
    running.add(handled);
    void handled.finally(() => running.delete(handled));
  });
  /** Routed requests whose handler has not finished (see close). */
  const running = new Set<Promise<void>>();
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  return {
    server,
    port,
    url,
    close: async () => {
      await new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        // Give in-flight requests a moment, then cut the rest (WebSockets, slow clients).
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      // A handler whose connection was cut still runs: its writes and calls (a placeOrder waiting
      // for payment) finish before the service closes what they use (database, payment client).
      // Handlers are bounded by their own timeouts; the process's exit timer bounds the rest.
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
