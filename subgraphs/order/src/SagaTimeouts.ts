import { type Database, envInt, logger, OrderEvents, type Outbox, PeriodicTask } from '@baemin/platform';
import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { itemsOf } from './db/itemsOf.js';
import { orders, sagaNudges } from './db/schema.js';
import { orderPlacedPayload } from './orderEvents.js';
import { placeOrderSaga } from './sagas/placeOrderSaga.js';

type Schema = typeof schema;

export interface SagaTimeoutSettings {
  /**
   * ORDER_SAGA_TIMEOUT_MS: an order still PLACED or CANCEL_PENDING this long after its last status
   * change is reported (log + health details); a PLACED one gets its OrderPlaced re-published, at
   * most once per this period. Default 600000 (10 min).
   */
  timeoutMs: number;
  /**
   * ORDER_SAGA_COMPENSATE_AFTER_MS: an order still PLACED (no answer from the store) this long after
   * it was placed is canceled and refunded. Default 1800000 (30 min).
   */
  compensateAfterMs: number;
  /** ORDER_SAGA_CHECK_INTERVAL_MS: how often the check runs. Default 60000. */
  intervalMs: number;
}

export function loadSagaTimeoutSettings(env: NodeJS.ProcessEnv = process.env): SagaTimeoutSettings {
  return {
    timeoutMs: envInt(env, 'ORDER_SAGA_TIMEOUT_MS', 600_000),
    compensateAfterMs: envInt(env, 'ORDER_SAGA_COMPENSATE_AFTER_MS', 1_800_000),
    intervalMs: envInt(env, 'ORDER_SAGA_CHECK_INTERVAL_MS', 60_000),
  };
}

/** What the last check found, and what the job did since start (in the order service's /health). */
export interface SagaTimeoutReport {
  /** Orders PLACED for longer than the timeout at the last check. */
  stuckPlaced: number;
  /** Orders CANCEL_PENDING for longer than the timeout at the last check. */
  stuckCancelPending: number;
  /** OrderPlaced events re-published since start. */
  republished: number;
  /** Orders canceled (and so refunded) for want of a store answer since start. */
  compensated: number;
  lastCheckAt: string | null;
}

export const SAGA_TIMEOUT_REASON = 'The store did not answer in time';

/** Most orders handled per check; the rest wait for the next one. */
const BATCH = 100;

/**
 * Saga timeouts (Eventuate's "a saga must not wait forever"): a periodic job in the order context.
 * An order left PLACED (the store never answered: OrderPlaced lost, dead-lettered, or the store
 * down) or CANCEL_PENDING longer than `timeoutMs` is reported. PLACED ones get OrderPlaced again
 * through the outbox (every consumer of it is idempotent on the order id), and after
 * `compensateAfterMs` are canceled with an OrderCanceled, which payment refunds and the store
 * answers by canceling the ticket. Safe to run repeatedly and from several processes: every
 * decision is re-checked inside the write transaction that acts on it.
 */
export class SagaTimeouts {
  private readonly totals = { republished: 0, compensated: 0 };
  private last: Pick<SagaTimeoutReport, 'stuckPlaced' | 'stuckCancelPending' | 'lastCheckAt'> = {
    stuckPlaced: 0,
    stuckCancelPending: 0,
    lastCheckAt: null,
  };

  private readonly periodic: PeriodicTask;

  constructor(
    private readonly database: Database<Schema>,
    private readonly outbox: Outbox,
    private readonly settings: SagaTimeoutSettings,
  ) {
    // Replicas sharing a PostgreSQL store: one checks per round, the others skip it.
    this.periodic = new PeriodicTask('saga timeout check', settings.intervalMs, () =>
      database.exclusively('order:saga-timeouts', () => this.check()),
    );
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  report(): SagaTimeoutReport {
    return { ...this.last, ...this.totals };
  }

  async check(now = Date.now()): Promise<SagaTimeoutReport> {
    const stuckBefore = new Date(now - this.settings.timeoutMs).toISOString();
    const stuck = await this.database.reader
      .select({
        id: orders.id,
        status: orders.status,
        updatedAt: orders.updatedAt,
        placedAt: orders.placedAt,
      })
      .from(orders)
      .where(and(inArray(orders.status, ['PLACED', 'CANCEL_PENDING']), lt(orders.updatedAt, stuckBefore)))
      .orderBy(asc(orders.updatedAt))
      .limit(BATCH);
    const placed = stuck.filter((o) => o.status === 'PLACED');
    const pending = stuck.filter((o) => o.status === 'CANCEL_PENDING');
    this.last = {
      stuckPlaced: placed.length,
      stuckCancelPending: pending.length,
      lastCheckAt: new Date(now).toISOString(),
    };
    if (stuck.length > 0) {
      logger.warn('saga timeout: orders waiting too long for the store', {
        placed: placed.map((o) => o.id),
        cancelPending: pending.map((o) => o.id),
        timeoutMs: this.settings.timeoutMs,
      });
    }
    let wrote = false;
    for (const o of placed) {
      const compensate = Date.parse(o.placedAt) <= now - this.settings.compensateAfterMs;
      const acted = compensate ? await this.compensate(o.id) : await this.republish(o.id, now);
      wrote ||= acted;
    }
    if (wrote) this.outbox.notify();
    return this.report();
  }

  /** Re-publishes OrderPlaced (a new event id, the same payload) unless that was done within the timeout. */
  private async republish(orderId: string, now: number): Promise<boolean> {
    const done = await this.database.transaction(async (tx) => {
      const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (order?.status !== 'PLACED') return false;
      const [nudge] = await tx.select().from(sagaNudges).where(eq(sagaNudges.orderId, orderId));
      if (nudge && Date.parse(nudge.republishedAt) > now - this.settings.timeoutMs) return false;
      const payload = orderPlacedPayload(order, await itemsOf(tx, orderId));
      await this.outbox.add(tx, { type: OrderEvents.OrderPlaced, correlationId: orderId, payload });
      const republishedAt = new Date(now).toISOString();
      await tx
        .insert(sagaNudges)
        .values({ orderId, republishedAt, attempts: 1 })
        .onConflictDoUpdate({
          target: sagaNudges.orderId,
          set: { republishedAt, attempts: (nudge?.attempts ?? 0) + 1 },
        });
      return true;
    });
    if (done) {
      this.totals.republished++;
      logger.warn('saga timeout: re-published OrderPlaced', { orderId });
    }
    return done;
  }

  /** PLACED → CANCELED with OrderCanceled (payment refunds it; the store cancels its ticket). */
  private async compensate(orderId: string): Promise<boolean> {
    const done = await this.database.transaction((tx) =>
      placeOrderSaga.giveUp(tx, this.outbox, orderId, SAGA_TIMEOUT_REASON),
    );
    if (done) {
      this.totals.compensated++;
      logger.error('saga timeout: canceled and refunded an order the store never answered', { orderId });
    }
    return done;
  }
}
