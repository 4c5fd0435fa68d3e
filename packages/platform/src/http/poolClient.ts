import type { Pool } from 'undici';
import { commonJsExports } from '../commonJsExports.js';

/** What one POST got back: status, response headers (lower-case names) and the whole body as text. */
export interface HttpPoolResponse {
  status: number;
  /** A header sent more than once is an array. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POSTs of one text or JSON body to paths of one origin, over keep-alive connections. */
export interface HttpPool {
  /**
   * Sends `body` to `path` (with its query string) on the pool's origin.
   *
   * @param timeoutMs this call's timeout instead of the pool's; it bounds the wait for the response
   *   headers after the request was sent, and each silence while the body streams. Above 1 s
   *   undici checks it on a coarse clock, so it may fire up to about half a second late.
   * @throws HttpTimeoutError when the answer took longer than the timeout; undici's own error
   *   (`code` ECONNREFUSED, UND_ERR_SOCKET, …) when the origin could not be reached.
   */
  post(
    path: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs?: number,
  ): Promise<HttpPoolResponse>;
  /** Drops every connection and any request still on one (nothing waits on a hung origin). */
  close(): Promise<void>;
}

export interface PoolClientOptions {
  /** Default timeout of each call (see {@link HttpPool.post}). */
  timeoutMs: number;
  /** Most sockets kept open to the origin. Default 128. */
  connections?: number;
  /** Longest wait for a new connection. Default the smaller of `timeoutMs` and 10 s. */
  connectTimeoutMs?: number;
}

/**
 * The origin did not answer within the call's timeout. Named `TimeoutError` as the DOMException
 * of `AbortSignal.timeout` is, so callers that handled fetch timeouts by name keep working.
 */
export class HttpTimeoutError extends Error {
  override name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * undici's Pool with keep-alive connections to one origin. No WHATWG Request, Headers, Response
 * or AbortSignal per call (they were half of the router's CPU profile under load, and most of
 * order's placeOrder CPU in the payment call): the timeout is undici's own `headersTimeout`
 * (request sent → response headers) and `bodyTimeout` (longest silence while the body streams).
 *
 * @param origin the origin (`http://host:port`); a path in it is ignored, {@link HttpPool.post} names one.
 */
export function poolClient(origin: string, options: PoolClientOptions): HttpPool {
  const { timeoutMs } = options;
  const base = new URL(origin).origin;
  // undici (1.1 MB of JavaScript) is loaded at the first call, not at start: a service that
  // calls out rarely, or not yet, does not pay for it in start-up time and memory (the bundles
  // put it in a chunk of its own).
  let pool: Promise<Pool> | undefined;
  let closed = false;
  const poolOf = () => {
    // As undici's destroyed pool would: no new connections after close().
    if (closed) throw new Error(`the connection pool to ${base} is closed`);
    pool ??= import('undici').then(commonJsExports).then(
      ({ Pool }) =>
        new Pool(base, {
          connections: options.connections ?? 128,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          connectTimeout: options.connectTimeoutMs ?? Math.min(timeoutMs, 10_000),
          keepAliveTimeout: 30_000,
        }),
    );
    return pool;
  };
  return {
    async post(path, headers, body, callTimeoutMs) {
      try {
        const res = await (await poolOf()).request(
          callTimeoutMs === undefined
            ? { method: 'POST', path, headers, body }
            : {
                method: 'POST',
                path,
                headers,
                body,
                headersTimeout: callTimeoutMs,
                bodyTimeout: callTimeoutMs,
              },
        );
        return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
      } catch (err) {
        if (TIMEOUT_CODES.has((err as { code?: string }).code ?? ''))
          throw new HttpTimeoutError((err as Error).message, { cause: err });
        throw err;
      }
    },
    close: async () => {
      closed = true;
      if (pool) await (await pool).destroy();
    },
  };
}

/** One header's value as a single string (repeated headers joined as HTTP allows), or undefined. */
export function headerValue(headers: HttpPoolResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
