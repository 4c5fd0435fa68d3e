import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../auth/Caller.js';
import { UntrustedCallerError, verifyServiceCaller } from '../auth/internalIdentity.js';
import { BodyTooLargeError, readBody, sendJson } from './apolloHttpHandler.js';
import type { RouteHandler } from './startHttpService.js';

/** Internal request bodies are tiny; 16 KiB is generous. */
export const MAX_INTERNAL_BODY_BYTES = 16 * 1024;

/**
 * A refused internal request: answered with `status` and `{ error: { code, message } }`. Handlers
 * throw it for bad input, missing rows or refused operations.
 */
export class InternalRouteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface InternalRequest<C extends Caller | null = Caller | null> {
  req: IncomingMessage;
  res: ServerResponse;
  /** The verified service caller; null on a route open to `anyone`. */
  caller: C;
  /**
   * The body as a JSON object (read on first call, at most `maxBodyBytes`): 413 PAYLOAD_TOO_LARGE,
   * or 400 BAD_REQUEST when it is not a JSON object.
   */
  json(): Promise<Record<string, unknown>>;
}

/** Who may call an internal route (see {@link InternalRouteOptions.access}). */
export type InternalAccess = { service: string } | 'anyone';

export interface InternalRouteOptions<A extends InternalAccess = InternalAccess> {
  /** Methods served; any other gets 405 METHOD_NOT_ALLOWED. Default POST only. */
  methods?: readonly string[];
  /**
   * `service` (default): the request must carry a signed `service` identity (signCallerHeaders
   * with INTERNAL_SECRET), else 401 UNAUTHENTICATED. `anyone`: counts and states without business
   * data that probes and tests read (the NetworkPolicy keeps the port cluster-internal).
   */
  access: A;
  /** Largest body {@link InternalRequest.json} reads. Default {@link MAX_INTERNAL_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/**
 * The one shape of every subgraph's `/internal/*` route: method check, then caller check, then the
 * handler. What the handler returns is the 200 JSON answer (`undefined`: it answered or the client
 * left); an {@link InternalRouteError} it throws is the error answer. Other errors are the HTTP
 * shell's 500.
 */
export function internalRoute<A extends InternalAccess>(
  options: InternalRouteOptions<A>,
  handle: (request: InternalRequest<A extends 'anyone' ? null : Caller>) => Promise<unknown> | unknown,
): RouteHandler {
  const methods = options.methods ?? ['POST'];
  const maxBodyBytes = options.maxBodyBytes ?? MAX_INTERNAL_BODY_BYTES;
  return async (req, res) => {
    try {
      if (!methods.includes(req.method ?? ''))
        throw new InternalRouteError(405, 'METHOD_NOT_ALLOWED', `Use ${methods.join(' or ')}`);
      const access: InternalAccess = options.access;
      const caller = (access === 'anyone' ? null : serviceCaller(req, access.service)) as A extends 'anyone'
        ? null
        : Caller;
      let body: Promise<Record<string, unknown>> | undefined;
      const answer = await handle({
        req,
        res,
        caller,
        json: () => {
          body ??= readJsonObject(req, maxBodyBytes);
          return body;
        },
      });
      if (answer !== undefined && !res.headersSent) sendJson(res, 200, answer);
    } catch (err) {
      if (!(err instanceof InternalRouteError)) throw err;
      if (!res.headersSent) sendJson(res, err.status, { error: { code: err.code, message: err.message } });
    }
  };
}

function serviceCaller(req: IncomingMessage, secret: string): Caller {
  try {
    return verifyServiceCaller(req.headers, secret);
  } catch (err) {
    if (err instanceof UntrustedCallerError)
      throw new InternalRouteError(401, 'UNAUTHENTICATED', err.message);
    throw err;
  }
}

async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new InternalRouteError(413, 'PAYLOAD_TOO_LARGE', err.message);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InternalRouteError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InternalRouteError(400, 'BAD_REQUEST', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A required id field of an internal body: a non-blank string of at most `max` characters, else 400. */
export function requireIdField(body: Record<string, unknown>, field: string, max = 100): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) {
    throw new InternalRouteError(
      400,
      'BAD_REQUEST',
      `${field} must be a non-empty string of at most ${max} characters`,
    );
  }
  return value;
}
