import type { Server } from 'node:http';
import { type Caller, logger, UntrustedCallerError, verifyCallerHeaders } from '@baemin/platform';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

export interface LiveServer {
  /** Open WebSocket connections and active subscriptions (leak checks, metrics). */
  stats(): { connections: number; subscriptions: number; rssBytes: number };
  close(): Promise<void>;
}

interface Extra {
  caller: Caller | null;
}

/**
 * graphql-ws on the subgraph's `/graphql` path. Like HTTP requests, a connection is accepted only
 * with identity signed by the router (or another service) in its connection params
 * (`x-baemin-caller` + `x-baemin-caller-signature`), checked once at connect.
 */
export function attachLiveServer(
  server: Server,
  schema: GraphQLSchema,
  internalSecret: string,
  /** Active subscriptions, counted where they are freed (the live streams). */
  activeSubscriptions: () => number,
): LiveServer {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const cleanup = useServer<Record<string, unknown>, Record<PropertyKey, unknown>>(
    {
      schema,
      onConnect: (ctx) => {
        try {
          const params = (ctx.connectionParams ?? {}) as Record<string, string | undefined>;
          (ctx.extra as unknown as Extra).caller = verifyCallerHeaders(params, internalSecret);
          return true;
        } catch (err) {
          if (err instanceof UntrustedCallerError) return false;
          throw err;
        }
      },
      context: (ctx) => ({ caller: (ctx.extra as unknown as Extra).caller }),
      onError: (_ctx, _id, _payload, errors) => {
        logger.debug('subscription error', { errors: errors.map((e) => e.message) });
      },
    },
    wss,
    // Ping every 12 s; a peer that has not answered the previous ping by then is dropped.
    12_000,
  );
  return {
    stats: () => ({
      connections: wss.clients.size,
      subscriptions: activeSubscriptions(),
      rssBytes: process.memoryUsage().rss,
    }),
    close: async () => {
      // 1001 Going Away: clients (the router) reconnect and resume from their last change.
      for (const client of wss.clients) client.close(1001, 'Going away');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
