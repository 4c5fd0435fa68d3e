import { type Database, logger } from '@baemin/platform';
import { asc, desc, gt } from 'drizzle-orm';
import type { DashboardChanges } from './DashboardChanges.js';
import type * as schema from './db/schema.js';
import { type DashboardRow, dashboardChanges } from './db/schema.js';
import { CHANGE_FEED_CHANNEL } from './handlers.js';

/** Rows read per catch-up query. */
const BATCH = 500;

/**
 * Dashboard replicas on one PostgreSQL read model: every replica's live subscribers must see
 * every change, whichever replica's consumer applied the event. Each committed change NOTIFYs
 * its feed position; every replica LISTENs, reads the feed after the last position it published
 * (positions grow in commit order: see recordChange) and publishes those rows to its own
 * subscribers. A lost LISTEN connection reconnects and catches up the same way; a notification
 * is only a wake-up, so nothing depends on one arriving.
 */
export class ChangeFeedFollower {
  private last = 0;
  private reading: Promise<void> = Promise.resolve();
  private again = false;
  private stopListening: (() => Promise<void>) | null = null;

  constructor(
    private readonly database: Database<typeof schema>,
    private readonly changes: DashboardChanges,
  ) {}

  async start(): Promise<void> {
    // Live subscribers see what commits from now on; older changes are the replay's (afterChangeId).
    const [newest] = await this.database.reader
      .select({ position: dashboardChanges.position })
      .from(dashboardChanges)
      .orderBy(desc(dashboardChanges.position))
      .limit(1);
    this.last = newest?.position ?? 0;
    this.stopListening = await this.database.listen(CHANGE_FEED_CHANNEL, () => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = null;
    await this.reading;
  }

  private wake(): void {
    this.again = true;
    this.reading = this.reading.then(async () => {
      while (this.again && this.stopListening) {
        this.again = false;
        try {
          await this.catchUp();
        } catch (err) {
          logger.warn('dashboard change feed catch-up failed; retrying on the next change', {
            error: (err as Error).message,
          });
        }
      }
    });
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const rows = await this.database.reader
        .select({ position: dashboardChanges.position, snapshot: dashboardChanges.snapshot })
        .from(dashboardChanges)
        .where(gt(dashboardChanges.position, this.last))
        .orderBy(asc(dashboardChanges.position))
        .limit(BATCH);
      for (const r of rows) {
        const row = { ...(JSON.parse(r.snapshot) as DashboardRow), changeId: r.position };
        this.last = r.position;
        this.changes.publish({ orderId: row.orderId, version: row.version, row });
      }
      if (rows.length < BATCH) return;
    }
  }
}
