import { EventEmitter } from 'node:events';
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
 * In-process notifications of committed read-model changes: one `change` per event that changed a
 * row, emitted after its transaction committed. Live subscriptions build on it (a watcher that
 * missed some replays them from `dashboard_events`, then follows these).
 */
export class DashboardChanges extends EventEmitter<{ change: [DashboardChange] }> {
  constructor() {
    super();
    // One listener per live watcher: many are normal, not a leak.
    this.setMaxListeners(0);
  }

  publish(change: DashboardChange): void {
    this.emit('change', change);
  }

  /** Calls `listener` for every change, or only those of `orderId`; returns the unsubscribe function. */
  subscribe(listener: DashboardChangeListener, orderId?: string): () => void {
    const wrapped: DashboardChangeListener = orderId
      ? (change) => {
          if (change.orderId === orderId) listener(change);
        }
      : listener;
    this.on('change', wrapped);
    return () => {
      this.off('change', wrapped);
    };
  }
}
