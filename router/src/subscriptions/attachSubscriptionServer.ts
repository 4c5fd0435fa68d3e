import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { type Caller, ErrorCode, type JwtChecks, logger, tokenAcceptedUntil } from '@baemin/platform';
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  Kind,
  parse,
  print,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { authenticate } from '../authenticate.js';
import { formatErrorForClient } from '../formatRouterError.js';
import { checkOperationLimits, type OperationLimits } from '../operationLimits.js';
import { type RateLimiter, rateLimitedError, rateLimitKey } from '../RateLimiter.js';
import type { RouterContext } from '../routerContext.js';
import type { SubscriptionLimits } from './loadSubscriptionLimits.js';
import type { SubscriptionEngine } from './SubscriptionEngine.js';
import { SubscriptionErrorCode } from './SubscriptionErrorCode.js';
import { unresolvedOperationError } from '../operationRules.js';
import type { OutboundQueue } from './WatcherGroup.js';

/** Close codes of the router's WebSocket (a public contract, like the error codes). */
const CloseCode = {
  /** The token in the connection params is malformed, forged or expired at connect. */
  BAD_TOKEN: 4403,
  /** The session's token expired (its `exp`): reconnect with a fresh token. */
  TOKEN_EXPIRED: 4001,
  /** The client fell further behind than ROUTER_MAX_QUEUED_BYTES_PER_SOCKET: dropped, others unaffected. */
  SLOW_CLIENT: 4002,
  /**
   * Bad tokens from this address used up its rate limit (ROUTER_RATE_LIMIT_*): retry later. Reason
   * `Too many attempts; retry in N s`. graphql-ws closes with the same code, reason `Too many
   * initialisation requests`, on a second connection_init (README tells clients apart by reason).
   */
  RATE_LIMITED: 4429,
} as const;

interface ConnectionState {
  caller: Caller | null;
  /** Active subscriptions on this socket. */
  subscriptions: number;
  /** Bytes of results queued for this client (router side). */
  queuedBytes: number;
  dropped: boolean;
  /** Set while the client is over its queue limit: still over when it fires = dropped. */
  overLimit: NodeJS.Timeout | null;
}

/**
 * The credential in the connection params, as an `Authorization` value: `authorization` (or
 * `Authorization`) as it is, or a bare `token`. Null or absent is no credential (anonymous, as an
 * HTTP request without the header); any other non-string value is `false`: a credential that is
 * present but malformed is refused, never mistaken for none.
 */
function credentialOf(params: Record<string, unknown>): string | undefined | false {
  for (const [key, prefix] of [
    ['authorization', ''],
    ['Authorization', ''],
    ['token', 'Bearer '],
  ] as const) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    return typeof value === 'string' ? `${prefix}${value}` : false;
  }
  return undefined;
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
  /** Per-socket subscription and outbound queue limits. */
  subscriptionLimits: Pick<SubscriptionLimits, 'maxPerSocket' | 'maxQueuedBytes' | 'slowClientGraceMs'>;
}

export interface SubscriptionServer {
  /** Open client WebSocket connections. */
  connections(): number;
  /** Clients dropped for falling behind (close 4002) and sessions ended by token expiry (close 4001). */
  drops(): { slowClients: number; expiredTokens: number };
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
  const drops = { slowClients: 0, expiredTokens: 0 };
  const { maxPerSocket, maxQueuedBytes, slowClientGraceMs } = options.subscriptionLimits;
  /** Closes a client that cannot keep up; terminate() follows, as its socket may never read the close frame. */
  const dropSlow = (socket: WebSocket, st: ConnectionState) => {
    if (st.dropped) return;
    st.dropped = true;
    if (st.overLimit) clearTimeout(st.overLimit);
    drops.slowClients++;
    logger.warn('dropping a slow subscription client', { queuedBytes: st.queuedBytes, maxQueuedBytes });
    socket.close(CloseCode.SLOW_CLIENT, 'Too slow: outbound queue full');
    setTimeout(() => socket.terminate(), 1000).unref();
  };
  const cleanup = useServer<Record<string, unknown>, Record<PropertyKey, unknown>>(
    {
      // Close reasons never carry an exception's message, whatever NODE_ENV says.
      isProd: true,
      onConnect: async (ctx) => {
        const raw = credentialOf((ctx.connectionParams ?? {}) as Record<string, unknown>);
        let caller: Caller | null;
        try {
          if (raw === false) throw new Error('authorization must be a string');
          caller = await authenticate(raw, options.jwtSecret, options.jwtChecks);
        } catch {
          // Bad tokens count against the client address, as over HTTP: guessing is limited on both
          // paths alike, and an address out of tokens is told when to come back.
          const retryAfterSeconds = options.rateLimiter.take(
            rateLimitKey(null, ctx.extra.request.socket.remoteAddress),
          );
          if (retryAfterSeconds !== null) {
            (ctx.extra as unknown as { socket: WebSocket }).socket.close(
              CloseCode.RATE_LIMITED,
              `Too many attempts; retry in ${retryAfterSeconds} s`,
            );
          }
          return false;
        }
        const st: ConnectionState = {
          caller,
          subscriptions: 0,
          queuedBytes: 0,
          dropped: false,
          overLimit: null,
        };
        state.set(ctx.extra, st);
        (ctx.extra as unknown as { socket: WebSocket }).socket.once('close', () => {
          if (st.overLimit) clearTimeout(st.overLimit);
        });
        // The session lives as long as its token would be accepted over HTTP (exp, or iat + maximum
        // age, with the same clock leeway): then it ends with a coded close.
        const until =
          caller && raw
            ? tokenAcceptedUntil(raw.replace(/^\s*Bearer\s+/i, '').trim(), options.jwtChecks)
            : null;
        if (until !== null) {
          const socket = (ctx.extra as unknown as { socket: WebSocket }).socket;
          let timer: NodeJS.Timeout;
          // setTimeout holds at most ~24.8 days: a longer-lived token re-arms until then.
          const arm = () => {
            const left = until - Date.now();
            timer = setTimeout(
              () => {
                if (until > Date.now()) return arm();
                drops.expiredTokens++;
                socket.close(CloseCode.TOKEN_EXPIRED, 'Token expired');
              },
              Math.min(Math.max(0, left), 2 ** 31 - 1),
            );
            timer.unref();
          };
          arm();
          socket.once('close', () => clearTimeout(timer));
        }
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const st = state.get(ctx.extra);
        const caller = st?.caller ?? null;
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
        // Subscriptions need a caller and a free slot on this socket before any validation or planning.
        const isSubscription = document.definitions.some(
          (d) =>
            d.kind === Kind.OPERATION_DEFINITION &&
            d.operation === 'subscription' &&
            (!payload.operationName || d.name?.value === payload.operationName),
        );
        if (isSubscription && !caller) {
          return [
            new GraphQLError('Sign in first: send a token in the connection params', {
              extensions: { code: ErrorCode.UNAUTHENTICATED },
            }),
          ];
        }
        if (isSubscription && st && st.subscriptions >= maxPerSocket) {
          return [
            new GraphQLError(`At most ${maxPerSocket} active subscriptions per connection`, {
              extensions: {
                code: SubscriptionErrorCode.LIMIT_EXCEEDED,
                scope: 'socket',
                limit: maxPerSocket,
              },
            }),
          ];
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
          return [unresolvedOperationError(document, payload.operationName)];
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
        // Unreachable (a subscription needs a caller, known only after connect); typed for what follows.
        if (!st) return [new GraphQLError('Connection not initialised')];
        const socket = (ctx.extra as unknown as { socket: WebSocket }).socket;
        const queue: OutboundQueue = {
          // Over the limit for the whole grace time (a burst a reading client takes at once is not
          // "behind"), or over four times the limit at any moment (memory stays bounded): dropped.
          add: (bytes) => {
            st.queuedBytes += bytes;
            const owed = () => st.queuedBytes + socket.bufferedAmount;
            if (owed() > 4 * maxQueuedBytes) dropSlow(socket, st);
            else if (owed() > maxQueuedBytes && !st.overLimit && !st.dropped) {
              st.overLimit = setTimeout(() => {
                st.overLimit = null;
                if (owed() > maxQueuedBytes) dropSlow(socket, st);
              }, slowClientGraceMs);
              st.overLimit.unref();
            }
          },
          remove: (bytes) => {
            st.queuedBytes -= bytes;
          },
        };
        // The socket's slot is taken now, in the same synchronous run as its check above (and the
        // engine's caller and replay slots in prepare): a burst of subscribes cannot all pass the
        // check before any is counted. Given back when the subscription is refused or ends.
        st.subscriptions++;
        let counted = true;
        const uncount = () => {
          if (counted) st.subscriptions--;
          counted = false;
        };
        const prepared = engine.prepare(
          document,
          payload.operationName ?? undefined,
          variables,
          caller,
          queue,
        );
        if ('errors' in prepared) {
          uncount();
          return prepared.errors;
        }
        let started: Awaited<ReturnType<typeof prepared.start>>;
        try {
          started = await prepared.start();
        } catch (err) {
          uncount();
          throw err;
        }
        if ('errors' in started) {
          uncount();
          return started.errors;
        }
        const it: AsyncIterableIterator<ExecutionResult> = {
          next: async () => {
            const r = await started.next();
            if (r.done) uncount();
            return r;
          },
          return: async () => {
            uncount();
            return (await started.return?.()) ?? { value: undefined, done: true };
          },
          throw: async (e?: unknown) => {
            uncount();
            return (await started.throw?.(e)) ?? { value: undefined, done: true };
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
        // graphql-ws always calls subscribe() with these args next, and returns the iterator (so
        // the slots are given back) if the client completed or left in the meantime.
        (args.contextValue as { subscription?: AsyncIterableIterator<ExecutionResult> }).subscription = it;
        return args;
      },
      subscribe: (args) => {
        const it = (args.contextValue as { subscription?: AsyncIterableIterator<ExecutionResult> })
          .subscription;
        if (!it) return { errors: [new GraphQLError('Subscription was not prepared')] };
        return it;
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
  // graphql-ws prints socket errors to stderr with a stack, outside the JSON log, even those a
  // client causes on purpose (a frame over maxPayload: ws has closed it with 1009 already). This
  // listener runs after graphql-ws's (registered first, in useServer) and takes over from it.
  wss.on('connection', (socket: WebSocket) => {
    socket.removeAllListeners('error');
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code?.startsWith('WS_ERR_')) {
        logger.warn('WebSocket client broke the protocol; connection closed', {
          code: err.code,
          error: err.message,
        });
        return;
      }
      logger.error('WebSocket connection error', { error: err.message, stack: err.stack });
      socket.close(1011, 'Internal server error');
    });
  });
  return {
    connections: () => wss.clients.size,
    drops: () => ({ ...drops }),
    close: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
