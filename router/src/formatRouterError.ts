import type { ApolloServerPlugin } from '@apollo/server';
import { logger } from '@baemin/platform';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

const CONTEXT_PREFIX = 'Context creation failed: ';
/** graphql-js's suggestion suffix, the same pattern Apollo Server's DisableSuggestions plugin removes. */
const SUGGESTION = / Did you mean(.+)\?$/;

export interface RouterErrorFormatOptions {
  /**
   * Remove "Did you mean …?" field, argument and enum suggestions from messages: they reveal the
   * schema bit by bit. On whenever introspection is off.
   */
  hideSuggestions: boolean;
}

/** The request id of each error of an HTTP response, noted by {@link errorRequestIds}. */
const requestOfError = new WeakMap<object, string>();

/**
 * Notes which request each error of a response belongs to, so that the masked-error log line of
 * {@link formatRouterError} names it. Apollo's formatError is handed the error but not its request,
 * and the router keeps no per-request log context (HttpServiceOptions.requestLogContext): Apollo
 * calls didEncounterErrors with the same error objects just before it formats them.
 */
export function errorRequestIds<C extends { requestId: string }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) requestOfError.set(error, contextValue.requestId);
        },
      };
    },
  };
}

/**
 * The router's error formatter with its options: the one formatter for HTTP responses and for
 * everything sent over the WebSocket (refusals, query results and subscription events).
 */
export function createRouterErrorFormatter(
  options: RouterErrorFormatOptions,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const result = formatRouterError(formatted, error);
    if (!options.hideSuggestions || !SUGGESTION.test(result.message)) return result;
    return { ...result, message: result.message.replace(SUGGESTION, '') };
  };
}

/**
 * Formats anything that reaches a WebSocket client as an error with `format`, the way Apollo
 * does for HTTP: a GraphQLError by its JSON form, an already formatted error as it is, and any
 * other thrown value as an unexpected error (masked).
 */
export function formatErrorForClient(
  error: unknown,
  format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): GraphQLFormattedError {
  if (error instanceof GraphQLError) return format(error.toJSON(), error);
  if (error instanceof Error) return format({ message: error.message }, { originalError: error });
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    return format(error as GraphQLFormattedError, error);
  }
  return format({ message: String(error) }, { originalError: new Error(String(error)) });
}

/**
 * The router's `formatError`. Errors with a deliberate code (from subgraphs, from the router's
 * auth and limits, from Apollo's parse/validation) pass unchanged, minus internals (stack traces,
 * the subgraph response and its URL). INTERNAL_SERVER_ERRORs are masked: those thrown inside the
 * router, and those a subgraph reports (real subgraphs mask theirs already; this is the second
 * line, should one leak a message). Both are logged.
 */
function formatRouterError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // `http` is Apollo's status/headers side channel: HTTP strips it; WebSocket messages must too.
  const { stacktrace: _s, exception: _e, response: _r, http: _h, ...extensions } = formatted.extensions ?? {};
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
  const requestId = error && typeof error === 'object' ? requestOfError.get(error) : undefined;
  logger.error(fromSubgraph ? 'subgraph internal error' : 'unexpected router error', {
    ...(requestId ? { requestId } : {}),
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
