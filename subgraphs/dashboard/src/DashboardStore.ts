import { type Caller, type Database, domainError, ErrorCode } from '@baemin/platform';
import { and, asc, desc, eq, gt } from 'drizzle-orm';
import { type DashboardEventRow, type DashboardRow, dashboardEvents, dashboards } from './db/schema.js';
import type * as schema from './db/schema.js';

type Schema = typeof schema;

/** Largest page of `myDashboards` (the schema's default is 20). */
const MAX_PAGE = 100;

/** Read side of the read model (committed snapshot only). */
export class DashboardStore {
  constructor(private readonly database: Database<Schema>) {}

  async find(orderId: string): Promise<DashboardRow | undefined> {
    const [row] = await this.database.reader.select().from(dashboards).where(eq(dashboards.orderId, orderId));
    return row;
  }

  /**
   * The caller's dashboards, newest first: customers' orders, owners' stores' orders, riders'
   * deliveries. `reader` passed `requireDashboardReader` (auth.ts).
   */
  async listFor(reader: Caller, first: number): Promise<DashboardRow[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw domainError(ErrorCode.BAD_USER_INPUT, `first must be from 1 to ${MAX_PAGE}`, {
        argumentName: 'first',
      });
    }
    const column =
      reader.role === 'customer'
        ? dashboards.customerId
        : reader.role === 'owner'
          ? dashboards.ownerId
          : dashboards.riderId;
    return this.database.reader
      .select()
      .from(dashboards)
      .where(eq(column, reader.id))
      .orderBy(desc(dashboards.placedAt), desc(dashboards.orderId))
      .limit(first);
  }

  /** Status steps of one order after `afterVersion`, oldest first (see `dashboardEvents`). */
  async history(orderId: string, afterVersion = 0): Promise<DashboardEventRow[]> {
    return await this.database.reader
      .select()
      .from(dashboardEvents)
      .where(and(eq(dashboardEvents.orderId, orderId), gt(dashboardEvents.version, afterVersion)))
      .orderBy(asc(dashboardEvents.version));
  }
}
