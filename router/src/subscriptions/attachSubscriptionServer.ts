import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { type Caller, ErrorCode, type JwtChecks, logger } from '@baemin/platform';
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  parse,
  print,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate } from '../authenticate.js';
import { formatErrorForClient } from '../formatRouterError.js';
import { checkOperationLimits, type OperationLimits } from '../operationLimits.js';
import { type RateLimiter, rateLimitedError, rateLimitKey } from '../RateLimiter.js';
import type { RouterContext } from '../routerContext.js';
import type { SubscriptionEngine } from './SubscriptionEngine.js';

interface ConnectionState {
  caller: Caller | null;
}

export interface SubscriptionServerOptions {
  server: Server;
  engine: SubscriptionEngine;
  /** Runs queries and mutations sent over the socket, exactly as over HTTP. */
  apollo: ApolloServer<RouterContext>;
  /** The context of an operation by this caller (signed identity for the subgraphs). */
  contextFor: (caller: Caller | null) => RouterContext;
  jwtSecret: string;
  /** Issuer, audience and maximum age, checked exactly as for HTTP requests. */
  jwtChecks: JwtChecks;
  limits: OperationLimits;
  maxTokens: number;
  /** The limiter HTTP operations take from too: every operation on the socket counts. */
  rateLimiter: RateLimiter;
  /** The router's error formatter (masking, no suggestions): the same as HTTP responses get. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

export interface SubscriptionServer {
  /** Open client WebSocket connections. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * graphql-ws on the router's `/graphql` path (the same path as HTTP). The token travels in the
 * connection params (`{ authorization: 'Bearer …' }` or `{ token }`): a bad token closes the
 * socket with 4403; no token connects anonymously, and subscribing then needs one.
 */
export function attachSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { engine, apollo } = options;
  const wss = new WebSocketServer({ server: options.server, path: '/graphql', maxPayload: 1024 * 1024 });
  const state = new WeakMap<object, ConnectionState>();
  const format = (errors: readonly unknown[]) =>
    errors.map((e) => formatErrorForClient(e, options.formatError));
  const cleanup = useServer<Record<string, unknown>, Record<PropertyKey, unknown>>(
    {
      // Close reasons never carry an exception's message, whatever NODE_ENV says.
      isProd: true,
      onConnect: async (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const raw =
          typeof params.authorization === 'string'
            ? params.authorization
            : typeof params.Authorization === 'string'
              ? params.Authorization
              : typeof params.token === 'string'
                ? `Bearer ${params.token}`
                : undefined;
        try {
          state.set(ctx.extra, { caller: await authenticate(raw, options.jwtSecret, options.jwtChecks) });
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        const caller = state.get(ctx.extra)?.caller ?? null;
        // Counted before any parsing, like an HTTP request, and from the same bucket.
        const retryAfterSeconds = options.rateLimiter.take(
          rateLimitKey(caller, ctx.extra.request.socket.remoteAddress),
        );
        if (retryAfterSeconds !== null) return [rateLimitedError(retryAfterSeconds)];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (err) {
          return [new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const validationErrors = validate(engine.schema, document);
        if (validationErrors.length > 0) {
          return validationErrors.map(
            (e) =>
              new GraphQLError(e.message, {
                nodes: e.nodes,
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
          );
        }
        const operation = getOperationAST(document, payload.operationName ?? undefined);
        if (!operation) {
          return [new GraphQLError('Unknown operation', { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
        }
        const variables = (payload.variables ?? {}) as Record<string, unknown>;
        const limitError = checkOperationLimits(
          document,
          operation,
          options.limits,
          engine.schema,
          variables,
        );
        if (limitError) return [limitError];
        const args: ExecutionArgs = {
          schema: engine.schema,
          document,
          operationName: payload.operationName ?? undefined,
          variableValues: variables,
          contextValue: { caller },
        };
        if (operation.operation !== 'subscription') return args;
        const prepared = engine.prepare(document, payload.operationName ?? undefined, variables, caller);
        if ('errors' in prepared) return prepared.errors;
        (args.contextValue as { start?: () => AsyncIterableIterator<ExecutionResult> }).start =
          prepared.start;
        return args;
      },
      subscribe: (args) => {
        const start = (args.contextValue as { start?: () => AsyncIterableIterator<ExecutionResult> }).start;
        if (!start) return { errors: [new GraphQLError('Subscription was not prepared')] };
        return start();
      },
      execute: async (args) => {
        // Queries and mutations over the socket go through the gateway, like HTTP requests.
        const caller = (args.contextValue as { caller: Caller | null }).caller;
        const response = await apollo.executeOperation(
          {
            query: print(args.document),
            variables: (args.variableValues ?? {}) as Record<string, unknown>,
            operationName: args.operationName ?? undefined,
          },
          { contextValue: options.contextFor(caller) },
        );
        if (response.body.kind !== 'single')
          return { errors: [new GraphQLError('Incremental delivery is not supported')] };
        return response.body.singleResult as ExecutionResult;
      },
      onError: (_ctx, _id, _payload, errors) => {
        logger.debug('subscription refused', { errors: errors.map((e) => e.message) });
        return format(errors);
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: format(result.errors) };
      },
    },
    wss,
    // Ping every 12 s; a client that has not answered the previous ping by then is dropped.
    12_000,
  );
  return {
    connections: () => wss.clients.size,
    close: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
