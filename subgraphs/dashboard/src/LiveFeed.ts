import { type Caller, forbidden, PushIterator, unauthenticated } from '@baemin/platform';
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import type { Database } from '@baemin/platform';
import type { DashboardChanges } from './DashboardChanges.js';
import type { DashboardStore } from './DashboardStore.js';
import { type DashboardRow, dashboardChanges } from './db/schema.js';
import type * as schema from './db/schema.js';

type Schema = typeof schema;

/** Which rows a live stream carries and who may receive them. */
export interface StreamSpec {
  /** Rows of interest (cheap: runs for every change of every order). */
  matches: (row: DashboardRow) => boolean;
  /** Whether `caller` may receive `row`; rows it may not see are skipped (feeds) or refused (one order). */
  allowed: (caller: Caller, row: DashboardRow) => boolean;
  /** One order (`orderId`): a refused row ends the stream with FORBIDDEN instead of being skipped. */
  orderId?: string;
  /** Resume after this change feed position (replay); else start with the current state (one order only). */
  afterChangeId?: number | null;
}

/** Largest replay a resuming watcher gets; past it, one order's stream restarts from the current row. */
const MAX_REPLAY = 5000;

/**
 * Live streams over the read model. A stream subscribes to committed changes first, then reads its
 * backlog (the current row, or the change feed after `afterChangeId`), then emits the buffered and
 * live changes it has not emitted yet: nothing between the read and the subscription is lost, and
 * nothing is emitted twice or out of order (changeId only grows).
 */
export class LiveFeed {
  private active = 0;

  constructor(
    private readonly database: Database<Schema>,
    private readonly changes: DashboardChanges,
    private readonly store: DashboardStore,
  ) {}

  /** Open live streams (subscriptions) in this process. */
  get activeStreams(): number {
    return this.active;
  }

  stream(caller: Caller | null, spec: StreamSpec): AsyncIterableIterator<DashboardRow> {
    if (!caller) throw unauthenticated();
    const isService = caller.role === 'service';
    let lastChangeId = 0;
    let live = false;
    const pending: DashboardRow[] = [];
    this.active++;
    let unsubscribe: () => void = () => {};
    const it = new PushIterator<DashboardRow>(() => {
      this.active--;
      unsubscribe();
    });
    const emit = (row: DashboardRow) => {
      if (row.changeId <= lastChangeId || !spec.matches(row)) return;
      if (!isService && !spec.allowed(caller, row)) {
        if (spec.orderId) it.fail(forbidden('This order is not yours to watch'));
        return;
      }
      lastChangeId = row.changeId;
      it.push(row);
    };
    unsubscribe = this.changes.subscribe((change) => {
      if (live) emit(change.row);
      else pending.push(change.row);
    }, spec.orderId);
    for (const row of this.backlog(spec)) emit(row);
    live = true;
    for (const row of pending.splice(0)) emit(row);
    return it;
  }

  private backlog(spec: StreamSpec): DashboardRow[] {
    const after = spec.afterChangeId;
    const current = () => {
      const row = spec.orderId ? this.store.find(spec.orderId) : undefined;
      return row ? [row] : [];
    };
    if (after === undefined || after === null) return current();
    const where = spec.orderId
      ? and(eq(dashboardChanges.orderId, spec.orderId), gt(dashboardChanges.position, after))
      : gt(dashboardChanges.position, after);
    const rows = this.database.reader
      .select({ position: dashboardChanges.position, snapshot: dashboardChanges.snapshot })
      .from(dashboardChanges)
      .where(where)
      .orderBy(asc(dashboardChanges.position))
      .limit(MAX_REPLAY + 1)
      .all()
      .map((r) => ({ ...(JSON.parse(r.snapshot) as DashboardRow), changeId: r.position }));
    if (rows.length > MAX_REPLAY && spec.orderId) return current();
    return rows.slice(0, MAX_REPLAY);
  }

  /** Deletes change feed entries older than `days` (resuming past them falls back to current state). */
  async prune(days: number): Promise<number> {
    const cutoff = new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();
    return this.database.transaction(async (tx) => {
      const res = tx.delete(dashboardChanges).where(lt(dashboardChanges.changedAt, cutoff)).run();
      return res.changes;
    });
  }
}
