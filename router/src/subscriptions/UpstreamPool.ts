import { type Caller, logger, signCallerHeaders } from '@baemin/platform';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** The identity the router uses upstream: one subscription serves many clients, so it is not theirs. */
const ROUTER_CALLER: Caller = { id: 'router', role: 'service' };

/**
 * One graphql-ws connection per subgraph, multiplexing every upstream subscription to it.
 * Connections are lazy (opened by the first subscription, closed shortly after the last one) and
 * never retried by graphql-ws itself: each {@link UpstreamSubscription} re-subscribes on its own,
 * with the change feed position it resumes from, which graphql-ws' own retry cannot know.
 */
export class UpstreamPool {
  private readonly clients = new Map<string, Client>();
  private readonly connected = new Set<string>();
  private readonly connectedListeners = new Map<string, Set<() => void>>();

  constructor(
    private readonly subgraphUrls: Record<string, string>,
    private readonly internalSecret: string,
    /** Client keep-alive ping interval in ms. Default 10 s. */
    private readonly keepAliveMs = 10_000,
    /**
     * A ping without a pong (or a connection without an ack) for this long means a dead peer (a
     * frozen process, a lost network path): the connection is cut at once and subscriptions resume,
     * instead of waiting minutes for TCP to notice. Default 5 s.
     */
    private readonly pongTimeoutMs = 5000,
  ) {}

  /** Connections cut because a ping or the connection init went unanswered. */
  deadPeers = 0;

  /** Open upstream WebSocket connections. */
  get openConnections(): number {
    return this.connected.size;
  }

  client(serviceName: string): Client {
    let client = this.clients.get(serviceName);
    if (client) return client;
    const base = this.subgraphUrls[serviceName];
    if (!base) throw new Error(`no URL for subgraph ${serviceName}`);
    const url = `${base.replace(/^http/, 'ws')}/graphql`;
    let pongTimer: NodeJS.Timeout | undefined;
    const stopPongTimer = () => {
      clearTimeout(pongTimer);
      pongTimer = undefined;
    };
    const handshakeTimeout = this.pongTimeoutMs;
    // A frozen peer still completes TCP connects (the kernel accepts), but never the HTTP upgrade.
    class TimedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { handshakeTimeout });
      }
    }
    const created: Client = createClient({
      url,
      webSocketImpl: TimedWebSocket,
      lazy: true,
      lazyCloseTimeout: 1000,
      retryAttempts: 0,
      keepAlive: this.keepAliveMs,
      connectionAckWaitTimeout: this.pongTimeoutMs,
      // Signed afresh for every connection (signatures expire).
      connectionParams: () => signCallerHeaders(ROUTER_CALLER, this.internalSecret),
      on: {
        connected: () => {
          this.connected.add(serviceName);
          for (const listener of [...(this.connectedListeners.get(serviceName) ?? [])]) listener();
          logger.debug('upstream connected', { subgraph: serviceName });
        },
        ping: (received) => {
          if (received || pongTimer) return;
          pongTimer = setTimeout(() => {
            pongTimer = undefined;
            this.deadPeers++;
            logger.warn('upstream did not answer a ping; cutting the connection', {
              subgraph: serviceName,
              pongTimeoutMs: this.pongTimeoutMs,
            });
            // terminate(): no close handshake with a peer that does not answer.
            created.terminate();
          }, this.pongTimeoutMs);
          pongTimer.unref();
        },
        pong: (received) => {
          if (received) stopPongTimer();
        },
        closed: () => {
          stopPongTimer();
          this.connected.delete(serviceName);
          logger.debug('upstream connection closed', { subgraph: serviceName });
        },
      },
    });
    client = created;
    this.clients.set(serviceName, client);
    return client;
  }

  /**
   * Calls `listener` once the connection to `serviceName` is acknowledged (at once, asynchronously,
   * if it is already): a subscription sent on it has reached the subgraph. Returns a cancel function.
   */
  whenConnected(serviceName: string, listener: () => void): () => void {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      cancel();
      listener();
    };
    const listeners = this.connectedListeners.get(serviceName) ?? new Set();
    this.connectedListeners.set(serviceName, listeners);
    listeners.add(once);
    const cancel = () => {
      listeners.delete(once);
    };
    if (this.connected.has(serviceName)) queueMicrotask(once);
    return () => {
      done = true;
      cancel();
    };
  }

  /** Closes every upstream connection (tests use it to simulate a dropped connection). */
  async terminateAll(): Promise<void> {
    for (const client of this.clients.values()) client.terminate();
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.dispose()));
    this.clients.clear();
  }
}
