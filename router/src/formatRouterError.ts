import { logger } from '@baemin/platform';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

const CONTEXT_PREFIX = 'Context creation failed: ';

/**
 * The router's `formatError`. Errors with a deliberate code (from subgraphs, from the router's
 * auth and limits, from Apollo's parse/validation) pass unchanged, minus internals (stack traces,
 * the subgraph response and its URL). INTERNAL_SERVER_ERRORs are masked: those thrown inside the
 * router, and those a subgraph reports (real subgraphs mask theirs already; this is the second
 * line, should one leak a message). Both are logged.
 */
export function formatRouterError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { stacktrace: _s, exception: _e, response: _r, ...extensions } = formatted.extensions ?? {};
  const code = extensions.code;
  if (code && code !== 'INTERNAL_SERVER_ERROR') {
    // Apollo prefixes errors thrown while building the context; the client needs only the reason.
    const message = formatted.message.startsWith(CONTEXT_PREFIX)
      ? formatted.message.slice(CONTEXT_PREFIX.length)
      : formatted.message;
    return { ...formatted, message, extensions };
  }
  const original = (error as { originalError?: unknown } | null)?.originalError;
  const fromSubgraph = typeof extensions.serviceName === 'string';
  const unexpected = original !== undefined && original !== null && !(original instanceof GraphQLError);
  if (!fromSubgraph && !unexpected) return { ...formatted, extensions };
  logger.error(fromSubgraph ? 'subgraph internal error' : 'unexpected router error', {
    serviceName: extensions.serviceName,
    error: fromSubgraph ? formatted.message : (original as Error).message,
    stack: fromSubgraph ? undefined : (original as Error).stack,
    path: formatted.path,
  });
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      ...(fromSubgraph ? { serviceName: extensions.serviceName } : {}),
    },
  };
}
