import { STATUS_CODES } from 'node:http';
import { headerValue, poolClient as platformPoolClient } from '@baemin/platform';

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

/**
 * The platform's keep-alive undici pool ({@link platformPoolClient}) posting to one subgraph URL:
 * no WHATWG Request, Headers, Response or AbortSignal per call, the timeout is the pool's own
 * (`timeoutMs` to the response headers and for each silence while the body streams); a timeout
 * throws an error named `TimeoutError`, as fetch's does.
 *
 * @param connections most sockets kept open to the subgraph; default 128.
 */
export function poolClient(url: string, timeoutMs: number, connections = 128): SubgraphHttpClient {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const pool = platformPoolClient(target.origin, { timeoutMs, connections });
  return {
    async post(headers, body) {
      const res = await pool.post(path, headers, body);
      const type = res.headers['content-type'];
      return {
        status: res.status,
        contentType: (Array.isArray(type) ? type[0] : type) ?? '',
        cacheControl: headerValue(res.headers, 'cache-control'),
        body: res.body,
      };
    },
    // Called after the router stopped serving: nothing may wait on a hung subgraph at shutdown.
    close: () => pool.close(),
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
