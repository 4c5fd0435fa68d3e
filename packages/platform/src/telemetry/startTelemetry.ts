import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteHandler } from '../http/startHttpService.js';
import { metricsRoute, setMetricsService } from './metrics.js';
import { startTracing } from './tracing.js';

/**
 * Names this process in its metrics (`service` label) and starts tracing when configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT; off by default). Called once by startSubgraph and the router.
 */
export async function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  setMetricsService(service);
  await startTracing(service, env);
}

/** Where `/metrics` is served: a port of its own (METRICS_PORT) or null for the service's own listener. */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.METRICS_PORT;
  if (raw === undefined || raw === '') return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`METRICS_PORT must be a port number, got "${raw}"`);
  return port;
}

export interface MetricsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A listener serving only `GET /metrics` (METRICS_PORT): scraped by Prometheus, never exposed publicly. */
export async function startMetricsServer(port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const route: RouteHandler = metricsRoute;
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/metrics') {
      Promise.resolve(route(req, res)).catch(() => {
        res.statusCode = 500;
        res.end();
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
