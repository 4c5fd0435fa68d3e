import { pgSchemaOf } from '@baemin/platform';
import * as schema from './schema.js';

/**
 * The PostgreSQL twin of schema.ts, derived from it (drizzle.pg.config.ts generates drizzle-pg/
 * from these). Queries always use schema.ts's tables, on either engine.
 */
export const {
  inbox,
  outbox,
  dashboards,
  dashboardEvents,
  dashboardChanges,
  dashboardPayments,
  dashboardDeliveries,
  dashboardRebuildFloors,
} = pgSchemaOf(schema);
