import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';

/** `online`: subscribed and receiving; `connecting`: first connection; `offline`: lost, retrying. */
export type ConnectionState = 'connecting' | 'online' | 'offline';

/** A row of a live feed: every feed of this API carries the change feed position. */
export interface FeedRow {
  changeId: number;
}

export interface FeedSink<TRow> {
  row(row: TRow): void;
  /** A GraphQL error ended the feed (it is re-subscribed after a pause). */
  error?(message: string, code?: string): void;
}

/** Longest pause between reconnect attempts, in ms. */
const MAX_RETRY_MS = 4000;

/**
 * One graphql-ws connection to the router's /graphql for a signed-in person: it reconnects by
 * itself (forever, backing off up to 4 s), reports its state for the offline banner, and
 * resumes each live feed from the last change it delivered so nothing is missed or repeated.
 */
export class LiveClient {
  readonly ws: Client;
  private state: ConnectionState = 'connecting';
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private wasConnected = false;

  constructor(url: string, token: string) {
    this.ws = createClient({
      url,
      lazy: false,
      keepAlive: 10_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      retryWait: (retries) =>
        new Promise((resolve) =>
          setTimeout(resolve, Math.min(300 * 2 ** retries, MAX_RETRY_MS) + Math.random() * 300),
        ),
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
      on: {
        connected: () => {
          this.setState('online');
          if (this.wasConnected) for (const l of this.reconnectListeners) l();
          this.wasConnected = true;
        },
        closed: () => this.setState(this.wasConnected ? 'offline' : 'connecting'),
        error: () => this.setState(this.wasConnected ? 'offline' : 'connecting'),
      },
    });
  }

  get connection(): ConnectionState {
    return this.state;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after the socket came back from a loss (not on the first connect): refetch lists. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /**
   * Subscribes to a feed whose only argument is `afterChangeId`, forever: after a lost socket
   * graphql-ws re-sends the subscription, and because it re-serializes this same payload object,
   * the resume position updated below goes with it: the router replays only what came after.
   */
  feed<TData, TRow extends FeedRow>(
    document: TypedDocumentNode<TData, { afterChangeId?: number | null }>,
    pick: (data: TData) => TRow,
    sink: FeedSink<TRow>,
  ): () => void {
    const payload = { query: print(document), variables: { afterChangeId: null as number | null } };
    let stopped = false;
    let dispose: (() => void) | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failed = false;
    const start = () => {
      if (stopped) return;
      failed = false;
      dispose = this.ws.subscribe<TData>(payload, {
        next: (result) => {
          const first = result.errors?.[0];
          if (first) {
            failed = true;
            sink.error?.(first.message, first.extensions?.code as string | undefined);
            return;
          }
          if (!result.data) return;
          const row = pick(result.data);
          if (payload.variables.afterChangeId === null || row.changeId > payload.variables.afterChangeId) {
            payload.variables.afterChangeId = row.changeId;
          }
          sink.row(row);
        },
        error: (err) => {
          const list = Array.isArray(err)
            ? (err as { message: string; extensions?: { code?: string } }[])
            : [];
          sink.error?.(list[0]?.message ?? 'Live updates stopped', list[0]?.extensions?.code);
          retry = setTimeout(start, 2000);
        },
        // The router ended it (schema reload, upstream gone): subscribe again from where we are.
        // After an error result (e.g. SUBSCRIPTION_UPSTREAM_UNAVAILABLE) wait longer before retrying.
        complete: () => {
          if (!stopped) retry = setTimeout(start, failed ? 5000 : 1000);
        },
      });
    };
    start();
    return () => {
      stopped = true;
      clearTimeout(retry);
      dispose?.();
    };
  }

  close(): void {
    this.listeners.clear();
    this.reconnectListeners.clear();
    void this.ws.dispose();
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.listeners) l(state);
  }
}

/** ws(s)://<this host>/graphql: the app only ever talks to the router that served it. */
export function liveUrl(): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${window.location.host}/graphql`;
}
