import { type Database, logger, type Outbox, PeriodicTask, signCallerHeaders } from '@baemin/platform';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { payments } from './db/schema.js';
import { refundInTx } from './PaymentService.js';

type Schema = typeof schema;

export interface OrphanSweeperOptions {
  database: Database<Schema>;
  outbox: Outbox;
  /** Base URL of the order context (ORDER_URL). */
  orderUrl: string;
  internalSecret: string;
  /** Captures unconfirmed for longer than this are checked. */
  orphanAfterMs: number;
  intervalMs: number;
}

export interface SweepResult {
  confirmed: number;
  refunded: number;
  /** Left for the next round (the order context did not answer). */
  skipped: number;
}

export const ORPHAN_REFUND_REASON = 'The order was never placed';

/**
 * Refunds captures whose order never came to exist: placeOrder captures first and writes the
 * order after, so an order process that dies in between leaves a charge without an order. Such a
 * capture never gets its OrderPlaced; after `orphanAfterMs` the sweeper asks the order context
 * (`POST /internal/orders/abandon`) and refunds only on a definite "abandoned" — a slow event bus
 * or an order context that does not answer never causes a refund. "Abandoned" is a fence, not an
 * observation: the order context recorded that the id may never be written, so an order process
 * that was merely paused (GC, VM pause, SIGSTOP) cannot write the order after the refund.
 */
export class OrphanSweeper {
  private readonly periodic: PeriodicTask;

  constructor(private readonly options: OrphanSweeperOptions) {
    // Replicas sharing a PostgreSQL store: one sweeps per round, the others skip it.
    this.periodic = new PeriodicTask('orphan sweep', options.intervalMs, () =>
      options.database.exclusively('payment:orphan-sweep', () => this.sweep()),
    );
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  async sweep(): Promise<SweepResult> {
    const { database, orphanAfterMs } = this.options;
    const cutoff = new Date(Date.now() - orphanAfterMs).toISOString();
    const suspects = await database.reader
      .select({ orderId: payments.orderId })
      .from(payments)
      .where(
        and(eq(payments.status, 'CAPTURED'), isNull(payments.confirmedAt), lt(payments.capturedAt, cutoff)),
      )
      .limit(100);
    const result: SweepResult = { confirmed: 0, refunded: 0, skipped: 0 };
    for (const { orderId } of suspects) {
      const exists = await this.orderExists(orderId);
      if (exists === null) {
        result.skipped++;
        continue;
      }
      const now = new Date().toISOString();
      const refunded = await database.transaction(async (tx) => {
        if (exists) {
          await tx.update(payments).set({ confirmedAt: now }).where(eq(payments.orderId, orderId));
          return false;
        }
        return (
          (await refundInTx(tx, this.options.outbox, orderId, ORPHAN_REFUND_REASON, null))?.refunded ?? false
        );
      });
      if (refunded) {
        this.options.outbox.notify();
        result.refunded++;
        logger.warn('refunded a capture whose order was never placed', { orderId });
      } else if (exists) {
        result.confirmed++;
      }
    }
    return result;
  }

  /**
   * true: the order exists; false: the order context fenced the id off (it can never be written);
   * null when it could not say (then nothing is refunded this round).
   */
  private async orderExists(orderId: string): Promise<boolean | null> {
    try {
      const res = await fetch(`${this.options.orderUrl}/internal/orders/abandon`, {
        method: 'POST',
        headers: {
          ...signCallerHeaders({ id: 'payment', role: 'service' }, this.options.internalSecret),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ orderId }),
        signal: AbortSignal.timeout(3000),
      });
      if (res.status !== 200) return null;
      const body = (await res.json()) as { exists?: unknown; abandoned?: unknown };
      if (body.exists === true) return true;
      // Only an explicit abandonment is a "no": a bare {exists:false} is no fence.
      return body.exists === false && body.abandoned === true ? false : null;
    } catch {
      return null;
    }
  }
}
