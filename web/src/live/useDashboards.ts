import { useCallback, useEffect, useReducer, useState } from 'react';
import { useClient } from 'urql';
import type { DashboardFieldsFragment } from '../generated/graphql';
import { MyDashboardsQuery } from '../operations';
import type { ConnectionState, LiveClient } from './LiveClient';

export type Row = DashboardFieldsFragment;
export type Rows = Record<string, Row>;

/** Rows the snapshot asks for; a full page means there may be older ones it did not bring. */
const SNAPSHOT = 50;

/**
 * Keeps the newest version of each order: a row replaces the one held only when its per-order
 * `sequence` is higher, so a replayed or repeated event (after a reconnect, or a query racing the
 * feed) never moves an order backwards or shows a step twice.
 */
function rowsReducer(state: Rows, incoming: Row[]): Rows {
  let next: Rows | null = null;
  for (const row of incoming) {
    const held = (next ?? state)[row.orderId];
    if (held && held.sequence >= row.sequence) continue;
    next ??= { ...state };
    next[row.orderId] = row;
  }
  return next ?? state;
}

/**
 * The caller's dashboard rows, live: subscribes to `feed` first, then loads `myDashboards`, and
 * loads it again after every reconnect, merging everything by sequence.
 */
export function useDashboards(
  live: LiveClient,
  subscribe: (live: LiveClient, onRow: (row: Row) => void, onError: (message: string) => void) => () => void,
): {
  rows: Rows;
  apply: (rows: Row[]) => void;
  reload: () => void;
  loaded: boolean;
  /** False when the last snapshot was a full page: counts over `rows` are then only "at least". */
  complete: boolean;
  feedError: string | null;
} {
  const client = useClient();
  const [rows, apply] = useReducer(rowsReducer, {});
  const [loaded, setLoaded] = useState(false);
  const [complete, setComplete] = useState(true);
  const [feedError, setFeedError] = useState<string | null>(null);

  const reload = useCallback(() => {
    void client
      .query(MyDashboardsQuery, { first: SNAPSHOT }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((res) => {
        if (res.data) {
          apply(res.data.myDashboards);
          setComplete(res.data.myDashboards.length < SNAPSHOT);
        }
        setLoaded(true);
      });
  }, [client]);

  useEffect(() => {
    const stop = subscribe(
      live,
      (row) => {
        setFeedError(null);
        apply([row]);
      },
      setFeedError,
    );
    reload();
    const off = live.onReconnect(reload);
    return () => {
      off();
      stop();
    };
  }, [live, subscribe, reload]);

  return { rows, apply: useCallback((r: Row[]) => apply(r), []), reload, loaded, complete, feedError };
}

/** The live connection's state, for the offline banner. */
export function useConnection(live: LiveClient): ConnectionState {
  const [state, setState] = useState(live.connection);
  useEffect(() => {
    setState(live.connection);
    return live.onState(setState);
  }, [live]);
  return state;
}
