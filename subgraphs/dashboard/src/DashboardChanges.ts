import type { DashboardRow } from './db/schema.js';

export interface DashboardChange {
  orderId: string;
  /** The row's version after the change (payment and rider changes keep the version). */
  version: number;
  /** The committed row, as a reader sees it now. */
  row: DashboardRow;
}

export type DashboardChangeListener = (change: DashboardChange) => void;

/**
 * In-process notifications of committed read-model changes: one per event that changed a row,
 * after its transaction committed. Live subscriptions build on it. Listeners of one order are
 * indexed by order id, so a change reaches only its own watchers (and the feed listeners), not
 * every open subscription.
 */
export class DashboardChanges {
  private readonly byOrder = new Map<string, Set<DashboardChangeListener>>();
  private readonly feeds = new Set<DashboardChangeListener>();

  publish(change: DashboardChange): void {
    for (const listener of this.feeds) listener(change);
    const watchers = this.byOrder.get(change.orderId);
    if (watchers) for (const listener of watchers) listener(change);
  }

  /** Calls `listener` for every change, or only those of `orderId`; returns the unsubscribe function. */
  subscribe(listener: DashboardChangeListener, orderId?: string): () => void {
    if (orderId === undefined) {
      this.feeds.add(listener);
      return () => {
        this.feeds.delete(listener);
      };
    }
    let watchers = this.byOrder.get(orderId);
    if (!watchers) {
      watchers = new Set();
      this.byOrder.set(orderId, watchers);
    }
    watchers.add(listener);
    return () => {
      watchers.delete(listener);
      if (watchers.size === 0 && this.byOrder.get(orderId) === watchers) this.byOrder.delete(orderId);
    };
  }

  /** Open listeners (leak checks). */
  listenerCount(_event: 'change' = 'change'): number {
    let n = this.feeds.size;
    for (const watchers of this.byOrder.values()) n += watchers.size;
    return n;
  }
}
