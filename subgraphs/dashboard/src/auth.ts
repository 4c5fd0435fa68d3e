import {
  type Caller,
  canSeeOrder,
  canSeePayment,
  domainError,
  ErrorCode,
  forbidden,
  type OrderAudienceFacts,
  requireRole,
  type Role,
} from '@baemin/platform';
import type { DashboardRow } from './db/schema.js';

/** Food ready and no rider yet: any rider may pick it up. */
export function isAwaitingRider(row: DashboardRow): boolean {
  return row.status === 'READY' && row.riderId === null;
}

/** The facts of a row that decide who may see it (the platform's order rule). */
export function dashboardAudience(row: DashboardRow): OrderAudienceFacts {
  return {
    customerId: row.customerId,
    ownerId: row.ownerId,
    riderId: row.riderId,
    awaitingRider: isAwaitingRider(row),
  };
}

/**
 * The order's customer, its store's owner, its rider, and any rider while it waits for one: the
 * platform's order rule, the same as the order query's. Services do not read dashboards.
 */
export function canSeeDashboard(caller: Caller | null, row: DashboardRow): boolean {
  return canSeeOrder(caller, dashboardAudience(row));
}

/** FORBIDDEN unless {@link canSeeDashboard}. */
export function assertCanSeeDashboard(caller: Caller | null, row: DashboardRow): void {
  if (!canSeeDashboard(caller, row)) throw forbidden('This order is not yours to see');
}

/**
 * `paymentStatus` follows the payment query's rule (riders see the order, not how it was paid); the
 * router (a service) gets it for live events and applies the same rule per client.
 */
export function canSeePaymentStatus(caller: Caller | null, row: DashboardRow): boolean {
  return caller?.role === 'service' || canSeePayment(caller, row);
}

/** `myDashboards` lists what a person is part of: customers, owners and riders; FORBIDDEN for others. */
export function requireDashboardReader(caller: Caller | null): Caller {
  return requireRole(
    caller,
    ['customer', 'owner', 'rider'],
    'Dashboards are for customers, owners and riders',
  );
}

/**
 * Who may open a feed: its `roles`, plus services (the router subscribes once for every client and
 * authorizes each event per client). FORBIDDEN (also for anonymous callers) otherwise.
 */
export function requireFeedRole(caller: Caller | null, ...roles: Role[]): void {
  if (!caller || !(roles.includes(caller.role) || caller.role === 'service')) {
    throw domainError(ErrorCode.FORBIDDEN, `This feed is for ${roles.join(' and ')}s`);
  }
}
