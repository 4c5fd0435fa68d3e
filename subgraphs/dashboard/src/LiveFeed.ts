import {
  type Caller,
  changedRows,
  domainError,
  ErrorCode,
  forbidden,
  PushIterator,
  requireCaller,
} from '@baemin/platform';
import { and, asc, count, eq, gt, lt } from 'drizzle-orm';
import type { Database } from '@baemin/platform';
import type { DashboardChanges } from './DashboardChanges.js';
import type { DashboardStore } from './DashboardStore.js';
import { type DashboardRow, dashboardChanges } from './db/schema.js';
import type * as schema from './db/schema.js';

type Schema = typeof schema;

/** Which rows a live stream carries and who may receive them. */
export interface StreamSpec {
  /**
   * Rows of interest (cheap: runs for every change of every order). A replayed snapshot must match
   * both as it was and as the order is now (a feed of available deliveries replays only orders
   * still waiting for a rider).
   */
  matches: (row: DashboardRow) => boolean;
  /**
   * Whether `caller` (a person) may receive the order, judged on its CURRENT row; rows it may not
   * see are skipped (feeds) or refused (one order). Services (the router) get every matching row and
   * authorize per client with the same rule on the `access` facts.
   */
  allowed: (caller: Caller, row: DashboardRow) => boolean;
  /** One order (`orderId`): a refused row ends the stream with FORBIDDEN instead of being skipped. */
  orderId?: string;
  /** Resume after this change feed position (replay); else start with the current state (one order only). */
  afterChangeId?: number | null;
}

/** A row a stream emits: a replayed snapshot carries the order's current row for authorization. */
export type LiveRow = DashboardRow & { [CURRENT]?: DashboardRow };
const CURRENT = Symbol('current row');

/** The row whose facts decide who may see `row`: the order's current row for a replayed snapshot. */
export function currentRowOf(row: DashboardRow): DashboardRow {
  return (row as LiveRow)[CURRENT] ?? row;
}

/**
 * Largest replay a resuming watcher gets. Past it, one order's stream restarts from the current
 * row (a full snapshot), and a feed fails with REPLAY_WINDOW_EXCEEDED rather than skip changes.
 */
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

  async stream(anyCaller: Caller | null, spec: StreamSpec): Promise<AsyncIterableIterator<DashboardRow>> {
    const caller = requireCaller(anyCaller);
    const isService = caller.role === 'service';
    // Checked before anything is registered: a refused replay leaves nothing behind.
    const backlog = await this.backlog(spec);
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
      const current = currentRowOf(row);
      if (row.changeId <= lastChangeId || !spec.matches(row) || !spec.matches(current)) return;
      if (!isService && !spec.allowed(caller, current)) {
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
    try {
      for (const row of await backlog()) emit(row);
    } catch (err) {
      it.fail(err as Error);
    }
    live = true;
    for (const row of pending.splice(0)) emit(row);
    return it;
  }

  /**
   * Checks the replay window at once (throws REPLAY_WINDOW_EXCEEDED for a feed) and returns the
   * reader of the backlog, run after the stream listens to live changes.
   */
  private async backlog(spec: StreamSpec): Promise<() => Promise<DashboardRow[]>> {
    const after = spec.afterChangeId;
    const current = async () => {
      const row = spec.orderId ? await this.store.find(spec.orderId) : undefined;
      return row ? [row] : [];
    };
    if (after === undefined || after === null) return current;
    const where = spec.orderId
      ? and(eq(dashboardChanges.orderId, spec.orderId), gt(dashboardChanges.position, after))
      : gt(dashboardChanges.position, after);
    const read = () =>
      this.database.reader
        .select({ position: dashboardChanges.position, snapshot: dashboardChanges.snapshot })
        .from(dashboardChanges)
        .where(where)
        .orderBy(asc(dashboardChanges.position))
        .limit(MAX_REPLAY + 1);
    if (!spec.orderId) {
      // Older positions were pruned (or more changes than one replay carries): say so, never skip.
      const [first] = await this.database.reader
        .select({ position: dashboardChanges.position })
        .from(dashboardChanges)
        .orderBy(asc(dashboardChanges.position))
        .limit(1);
      const oldest = first?.position;
      const pruned = oldest !== undefined && after < oldest - 1;
      const [counted] = pruned
        ? []
        : await this.database.reader
            .select({ n: count() })
            .from(dashboardChanges)
            .where(gt(dashboardChanges.position, after));
      const tooMany = !pruned && Number(counted?.n ?? 0) > MAX_REPLAY;
      if (pruned || tooMany) {
        throw domainError(
          ErrorCode.REPLAY_WINDOW_EXCEEDED,
          `Cannot replay after change ${after}: ${pruned ? 'older changes were pruned' : `more than ${MAX_REPLAY} changes`}; subscribe without afterChangeId and re-read with a query`,
          { maxReplay: MAX_REPLAY, oldestChangeId: oldest ?? null },
        );
      }
    }
    return async () => {
      const currentRows = new Map<string, DashboardRow | undefined>();
      const currentOf = async (orderId: string) => {
        if (!currentRows.has(orderId)) currentRows.set(orderId, await this.store.find(orderId));
        return currentRows.get(orderId);
      };
      const rows = await read();
      if (rows.length > MAX_REPLAY && spec.orderId) return current();
      const out: DashboardRow[] = [];
      for (const r of rows.slice(0, MAX_REPLAY)) {
        const snapshot = JSON.parse(r.snapshot) as DashboardRow;
        const row: LiveRow = { ...snapshot, changeId: r.position };
        row[CURRENT] = (await currentOf(snapshot.orderId)) ?? snapshot;
        out.push(row);
      }
      return out;
    };
  }

  /** Deletes change feed entries older than `days` (resuming past them falls back to current state). */
  async prune(days: number): Promise<number> {
    const cutoff = new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();
    return this.database.transaction(async (tx) => {
      return changedRows(await tx.delete(dashboardChanges).where(lt(dashboardChanges.changedAt, cutoff)));
    });
  }
}
