import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';

/** Largest request body accepted, in bytes. Default 1 MiB (GRAPHQL_MAX_BODY_BYTES). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves an Apollo Server on a plain node:http request, without a web framework: the router and
 * every subgraph share it. Bodies are parsed here (JSON only, size-limited) so malformed input gets
 * a GraphQL-shaped 400, never a crash.
 */
export function apolloHttpHandler<C extends BaseContext>(
  server: ApolloServer<C>,
  context: (req: IncomingMessage) => Promise<C>,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      let raw: string;
      try {
        raw = await readBody(req, maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) return sendError(res, 413, 'PAYLOAD_TOO_LARGE', err.message);
        throw err;
      }
      const type = headers.get('content-type') ?? '';
      if (raw.length > 0 && type.includes('json')) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
        }
      } else {
        body = raw;
      }
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}
