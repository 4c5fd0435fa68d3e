import { type Caller, ErrorCode, InvalidTokenError, type JwtChecks, verifyJwt } from '@baemin/platform';
import { GraphQLError } from 'graphql';

/** A 401 the HTTP layer (and later the WebSocket layer) turns into an UNAUTHENTICATED response. */
function unauthenticatedError(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });
}

/**
 * The caller named by an `Authorization` header value (HTTP) or connection parameter (WebSocket).
 * No value means anonymous (null): subgraphs decide per field what anonymous callers may see.
 * A value that is present but not a valid `Bearer <JWT>` is refused rather than treated as anonymous,
 * so a client with an expired token learns it instead of silently seeing less.
 */
export async function authenticate(
  authorization: string | null | undefined,
  jwtSecret: string,
  checks: JwtChecks = {},
): Promise<Caller | null> {
  const value = authorization?.trim();
  if (!value) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  if (!match?.[1]) throw unauthenticatedError('Authorization must be "Bearer <token>"');
  return callerFromToken(match[1], jwtSecret, checks);
}

/**
 * Verifies a bare JWT (jose; issuer, audience and maximum age per `checks`); throws
 * UNAUTHENTICATED (401) when it is malformed, forged, expired, too old or for someone else.
 */
async function callerFromToken(token: string, jwtSecret: string, checks: JwtChecks = {}): Promise<Caller> {
  try {
    return await verifyJwt(token, jwtSecret, checks);
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthenticatedError(`Invalid token: ${err.message}`);
    throw err;
  }
}
