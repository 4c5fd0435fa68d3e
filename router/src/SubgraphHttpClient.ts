import { STATUS_CODES } from 'node:http';
import { Pool } from 'undici';

/** What one subgraph answered: status, content type and the whole body as text. */
export interface SubgraphHttpResponse {
  status: number;
  contentType: string;
  cacheControl: string | undefined;
  body: string;
}

/** How the router talks HTTP to its subgraphs (ROUTER_SUBGRAPH_CLIENT). */
export type SubgraphClientKind = 'pool' | 'fetch';

/** A POST of one JSON body to one subgraph URL. */
export interface SubgraphHttpClient {
  post(headers: Record<string, string>, body: string): Promise<SubgraphHttpResponse>;
  /** Drops every connection (and any request still on one). */
  close(): Promise<void>;
}

/** A subgraph did not answer within the router's timeout. */
class SubgraphTimeoutError extends Error {
  override name = 'TimeoutError';
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * undici's Pool with keep-alive connections to one subgraph origin. No WHATWG Request, Headers,
 * Response or AbortSignal per call (they were half of the router's CPU profile under load):
 * the timeout is the pool's own `headersTimeout` (request sent → response headers) and
 * `bodyTimeout` (longest silence while the body streams), both `timeoutMs`.
 *
 * @param connections most sockets kept open to the subgraph; default 128.
 */
export function poolClient(url: string, timeoutMs: number, connections = 128): SubgraphHttpClient {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const pool = new Pool(target.origin, {
    connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 10_000),
    keepAliveTimeout: 30_000,
  });
  return {
    async post(headers, body) {
      try {
        const res = await pool.request({ method: 'POST', path, headers, body });
        const text = await res.body.text();
        const type = res.headers['content-type'];
        const cache = res.headers['cache-control'];
        return {
          status: res.statusCode,
          contentType: (Array.isArray(type) ? type[0] : type) ?? '',
          cacheControl: Array.isArray(cache) ? cache.join(', ') : cache,
          body: text,
        };
      } catch (err) {
        if (TIMEOUT_CODES.has((err as { code?: string }).code ?? ''))
          throw new SubgraphTimeoutError((err as Error).message);
        throw err;
      }
    },
    // Called after the router stopped serving: nothing may wait on a hung subgraph at shutdown.
    close: () => pool.destroy(),
  };
}

/**
 * Node's built-in fetch with a per-call `AbortSignal.timeout`: the router's client before the
 * pool (ROUTER_SUBGRAPH_CLIENT=fetch), kept for comparison in the benchmark.
 */
export function fetchClient(url: string, timeoutMs: number): SubgraphHttpClient {
  return {
    async post(headers, body) {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        cacheControl: res.headers.get('cache-control') ?? undefined,
        body: await res.text(),
      };
    },
    close: async () => {},
  };
}

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}
