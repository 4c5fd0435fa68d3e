import { type Client, createClient, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveSubscription<T> {
  results: ExecutionResult<T>[];
  /** Resolves when the server completes the subscription (or it errors). */
  done: Promise<{ completed: boolean; error?: unknown }>;
  unsubscribe(): void;
}

/** A real graphql-ws client (the `graphql-ws` package's own) connected to a URL with a token. */
export function liveClient(url: string, token?: string): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/**
 * A graphql-ws client that exposes its socket: `pause()` stops reading from it (a client that
 * falls behind, as on a stalled mobile link), and `closes` records every close code it saw.
 */
export function instrumentedClient(
  url: string,
  token?: string,
): { client: Client; pause(): void; resume(): void; closes: number[] } {
  let socket: WebSocket | null = null;
  const closes: number[] = [];
  class Tapped extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      socket = this;
    }
  }
  const raw = () => (socket as unknown as { _socket?: { pause(): void; resume(): void } } | null)?._socket;
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: Tapped,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  return { client, pause: () => raw()?.pause(), resume: () => raw()?.resume(), closes };
}

export function subscribe<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  const results: ExecutionResult<T>[] = [];
  let unsubscribe: () => void = () => {};
  const done = new Promise<{ completed: boolean; error?: unknown }>((resolve) => {
    unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (r) => results.push(r as ExecutionResult<T>),
        error: (error) => resolve({ completed: false, error }),
        complete: () => resolve({ completed: true }),
      },
    );
  });
  return { results, done, unsubscribe: () => unsubscribe() };
}
