import {
  type DeliveryPayload,
  DeliveryEvents,
  executeIn,
  paramsFor,
  preparedIn,
  isPostgresHandle,
  type EventEnvelope,
  type EventHandler,
  type EventHandlers,
  OrderEvents,
  PermanentEventError,
  type OrderPlacedPayload,
  type OrderStatus,
  type OrderStatusPayload,
  type PaymentPayload,
  PaymentEvents,
  type Tx,
  UnknownEntityError,
} from '@baemin/platform';
import { eq, sql } from 'drizzle-orm';
import {
  type DashboardRebuildFloorRow,
  type DashboardRow,
  dashboardChanges,
  dashboardDeliveries,
  dashboardEvents,
  dashboardPayments,
  dashboardRebuildFloors,
  dashboards,
} from './db/schema.js';
import type * as schema from './db/schema.js';

type Schema = typeof schema;
type StepColumn = keyof Pick<
  DashboardRow,
  | 'acceptedAt'
  | 'rejectedAt'
  | 'cookingAt'
  | 'readyAt'
  | 'pickedUpAt'
  | 'deliveredAt'
  | 'cancelRequestedAt'
  | 'canceledAt'
>;

/** The step time each status records. */
const STATUS_COLUMN: Partial<Record<OrderStatus, StepColumn>> = {
  ACCEPTED: 'acceptedAt',
  REJECTED: 'rejectedAt',
  COOKING: 'cookingAt',
  READY: 'readyAt',
  PICKED_UP: 'pickedUpAt',
  DELIVERED: 'deliveredAt',
  CANCEL_PENDING: 'cancelRequestedAt',
  CANCELED: 'canceledAt',
};

/**
 * The step each event type records, whatever status it leaves the order in: an OrderAccepted
 * while CANCEL_PENDING (docs/saga.md) still tells when the store accepted.
 */
const TYPE_COLUMN: Partial<Record<string, StepColumn>> = {
  [OrderEvents.OrderAccepted]: 'acceptedAt',
  [OrderEvents.OrderRejected]: 'rejectedAt',
  [OrderEvents.OrderCookingStarted]: 'cookingAt',
  [OrderEvents.OrderReady]: 'readyAt',
  [OrderEvents.OrderPickedUp]: 'pickedUpAt',
  [OrderEvents.OrderDelivered]: 'deliveredAt',
  [OrderEvents.OrderCancelRequested]: 'cancelRequestedAt',
  [OrderEvents.OrderCanceled]: 'canceledAt',
};

const ORDER_STATUSES = new Set<string>([
  'PLACED',
  'ACCEPTED',
  'REJECTED',
  'COOKING',
  'READY',
  'PICKED_UP',
  'DELIVERED',
  'CANCEL_PENDING',
  'CANCELED',
]);

/** ISO-8601 strings in UTC compare in time order. */
const later = (a: string, b: string) => (a > b ? a : b);

/** What the dashboard's handlers need. */
export interface DashboardHandlerDeps {
  /**
   * Told which event changed which row (inside the transaction), so the subgraph notifies
   * watchers only of real changes, after commit.
   */
  notify: (eventId: string, row: DashboardRow) => void;
}

/**
 * What an event did to its order's row: the facts it adds to the row's `facts`, and whether a
 * column changed (a change for watchers). Null: nothing to count (no row yet, or a stale event).
 */
type Applied = { facts: number; visible: boolean } | null;

/** One more fact on the row, shown to watchers as a change. */
const CHANGED: Applied = { facts: 1, visible: true };

/**
 * The projection: every handler runs in the consumer's transaction (with the inbox row), so a
 * redelivered event is ignored before it gets here.
 *
 * Besides `sequence` (+1 per change shown), each row counts its order's facts (`facts`): an early
 * payment fact merged into the row at OrderPlaced counts as it would have after it, and a rider
 * fact that changes no column (the status event brought the rider first) still counts. Each topic
 * is read in order per order, so which facts apply is fixed; only how the topics interleave
 * differs between a live run and a replay, and the count does not depend on that. A rebuild uses
 * it to tell when its replay of an order has caught up with what watchers saw
 * (dashboardRebuildFloors).
 */
export function eventHandlers({ notify }: DashboardHandlerDeps): EventHandlers<Schema> {
  const onApplied = async (tx: Tx<Schema>, envelope: EventEnvelope, orderId: string, applied: Applied) => {
    if (!applied) return;
    if (!applied.visible) {
      await countFacts(tx, orderId, applied.facts, envelope.occurredAt);
      return;
    }
    const row = await recordChange(tx, orderId, applied.facts, envelope.occurredAt);
    if (row) notify(envelope.id, row);
  };
  const statusHandler: EventHandler<Schema> = async (tx, envelope: EventEnvelope<OrderStatusPayload>) => {
    await onApplied(tx, envelope, envelope.payload.orderId, await applyStatus(tx, envelope));
  };
  const paymentHandler: EventHandler<Schema> = async (tx, envelope: EventEnvelope<PaymentPayload>) => {
    await onApplied(tx, envelope, envelope.payload.orderId, await applyPayment(tx, envelope.payload));
  };
  const handlers: EventHandlers<Schema> = {
    [OrderEvents.OrderPlaced]: async (tx, envelope: EventEnvelope<OrderPlacedPayload>) => {
      await onApplied(tx, envelope, envelope.payload.orderId, await applyPlaced(tx, envelope.payload));
    },
    [PaymentEvents.PaymentCaptured]: paymentHandler,
    [PaymentEvents.PaymentRefunded]: paymentHandler,
  };
  for (const type of Object.values(OrderEvents)) {
    if (type !== OrderEvents.OrderPlaced) handlers[type] = statusHandler;
  }
  const riderHandler: EventHandler<Schema> = async (tx, envelope: EventEnvelope<DeliveryPayload>) => {
    await onApplied(tx, envelope, envelope.payload.orderId, await applyRider(tx, envelope.payload));
  };
  handlers[DeliveryEvents.DeliveryPickedUp] = riderHandler;
  handlers[DeliveryEvents.DeliveryCompleted] = riderHandler;
  return handlers;
}

/** NOTIFY channel (and advisory lock name) of the dashboard change feed on PostgreSQL. */
export const CHANGE_FEED_CHANNEL = 'dashboard_changes';

/** Where a rebuild left the order's counters, while its replay has not caught up. */
async function floorOf(tx: Tx<Schema>, orderId: string): Promise<DashboardRebuildFloorRow | undefined> {
  const [floor] = await preparedIn<DashboardRebuildFloorRow[]>(
    tx,
    'dashboard:floor',
    (p) =>
      tx
        .select()
        .from(dashboardRebuildFloors)
        .where(eq(dashboardRebuildFloors.orderId, p('orderId'))),
    { orderId },
  );
  return floor;
}

/**
 * Where an order's replay stands against its rebuild floor once an event is applied: `behind`
 * (fewer facts, from an event of before the rebuild: its watchers saw this state or a later one),
 * `same` (the facts its watchers saw last) or `past` (news for them).
 */
function againstFloor(
  floor: DashboardRebuildFloorRow,
  facts: number,
  occurredAt: string,
): 'behind' | 'same' | 'past' {
  // An event from after the rebuild is news whatever the count: a fact the replay no longer
  // applies must not hold back the order's feed.
  if (occurredAt > floor.rebuiltAt) return 'past';
  if (facts < floor.facts) return 'behind';
  return facts === floor.facts ? 'same' : 'past';
}

/** The replay has caught up with the floor: the row goes on from `sequence`. */
async function leaveFloor(tx: Tx<Schema>, orderId: string, sequence: number): Promise<void> {
  await tx.update(dashboards).set({ sequence }).where(eq(dashboards.orderId, orderId));
  await tx.delete(dashboardRebuildFloors).where(eq(dashboardRebuildFloors.orderId, orderId));
}

/** Counts facts that changed no column: nothing for watchers. */
async function countFacts(tx: Tx<Schema>, orderId: string, facts: number, occurredAt: string): Promise<void> {
  const [row] = await preparedIn<{ facts: number }[]>(
    tx,
    'dashboard:count',
    (p) =>
      tx
        .update(dashboards)
        .set({ facts: sql`${dashboards.facts} + ${p('facts')}` })
        .where(eq(dashboards.orderId, p('orderId')))
        .returning({ facts: dashboards.facts }),
    { facts, orderId },
  );
  if (!row) return;
  const floor = await floorOf(tx, orderId);
  // The replay shows what the watchers saw last: it takes that number, and sends nothing.
  if (floor && againstFloor(floor, row.facts, occurredAt) === 'same')
    await leaveFloor(tx, orderId, floor.sequence);
}

/**
 * Counts the change and its facts and appends the row's new snapshot to the change feed, in the
 * same transaction as the change itself. Undefined: no row, or a replayed change the order's
 * watchers have seen (behind its rebuild floor), which stays out of the feed.
 */
async function recordChange(
  tx: Tx<Schema>,
  orderId: string,
  facts: number,
  occurredAt: string,
): Promise<DashboardRow | undefined> {
  let [row] = await preparedIn<DashboardRow[]>(
    tx,
    'dashboard:bump',
    (p) =>
      tx
        .update(dashboards)
        .set({ sequence: sql`${dashboards.sequence} + 1`, facts: sql`${dashboards.facts} + ${p('facts')}` })
        .where(eq(dashboards.orderId, p('orderId')))
        .returning(),
    { facts, orderId },
  );
  if (!row) return undefined;
  const floor = await floorOf(tx, orderId);
  if (floor) {
    const stand = againstFloor(floor, row.facts, occurredAt);
    if (stand === 'behind') return undefined;
    // The same facts: the state its watchers saw last, under its number (they drop it).
    const sequence = floor.sequence + (stand === 'same' ? 0 : 1);
    await leaveFloor(tx, orderId, sequence);
    row = { ...row, sequence };
  }
  // The snapshot leaves out its own position: readers take changeId from the feed's `position`.
  const { changeId: _position, ...snapshot } = row;
  const onPostgres = isPostgresHandle(tx);
  // Replicas share the feed on PostgreSQL: positions are taken one transaction at a time, so they
  // grow in commit order and a follower reading "after my last position" never skips one.
  if (onPostgres) await executeIn(tx, sql`SELECT pg_advisory_xact_lock(hashtext(${CHANGE_FEED_CHANNEL}))`);
  const [change] = await preparedIn<{ position: number }[]>(
    tx,
    'dashboard:change',
    (p, values) =>
      tx
        .insert(dashboardChanges)
        .values(paramsFor(p, values))
        .returning({ position: dashboardChanges.position }),
    {
      orderId,
      sequence: row.sequence,
      snapshot: JSON.stringify(snapshot),
      changedAt: new Date().toISOString(),
    },
  );
  await preparedIn(
    tx,
    'dashboard:changeId',
    (p) =>
      tx
        .update(dashboards)
        .set({ changeId: p('changeId') })
        .where(eq(dashboards.orderId, p('orderId'))),
    { changeId: change!.position, orderId },
  );
  // Delivered to every replica's listener at commit (ChangeFeedFollower), never for a rollback.
  if (onPostgres)
    await executeIn(tx, sql`SELECT pg_notify(${CHANGE_FEED_CHANNEL}, ${String(change!.position)})`);
  return { ...row, changeId: change!.position };
}

/** One step of the order's status timeline (Dashboard.history); a copy changes nothing. */
async function recordEvent(tx: Tx<Schema>, p: OrderStatusPayload): Promise<void> {
  await preparedIn(
    tx,
    'dashboard:event',
    (param, values) => tx.insert(dashboardEvents).values(paramsFor(param, values)).onConflictDoNothing(),
    { orderId: p.orderId, version: p.version, status: p.status, at: p.at },
  );
}

/** The order's dashboard row (the hot read of every status and payment event). */
function dashboardRowOf(tx: Tx<Schema>, orderId: string): Promise<DashboardRow[]> {
  return preparedIn(
    tx,
    'dashboard:row',
    (p) =>
      tx
        .select()
        .from(dashboards)
        .where(eq(dashboards.orderId, p('orderId'))),
    { orderId },
  );
}

/** The payment fact kept for an order (it may come before OrderPlaced). */
function paymentFactOf(tx: Tx<Schema>, orderId: string): Promise<(typeof dashboardPayments.$inferSelect)[]> {
  return preparedIn(
    tx,
    'dashboard:paymentFact',
    (p) =>
      tx
        .select()
        .from(dashboardPayments)
        .where(eq(dashboardPayments.orderId, p('orderId'))),
    { orderId },
  );
}

function checkStatusPayload(p: OrderStatusPayload, type: string): void {
  if (
    typeof p?.orderId !== 'string' ||
    !ORDER_STATUSES.has(p.status) ||
    !Number.isInteger(p.version) ||
    typeof p.at !== 'string'
  ) {
    throw new PermanentEventError(`malformed ${type} payload`);
  }
}

/**
 * OrderPlaced creates the row (once), merging payment and delivery facts that came first; they are
 * counted with it.
 */
async function applyPlaced(tx: Tx<Schema>, p: OrderPlacedPayload): Promise<Applied> {
  checkStatusPayload(p, OrderEvents.OrderPlaced);
  // A copy of OrderPlaced (new event id) changes nothing, however it looks.
  const [existing] = await preparedIn<unknown[]>(
    tx,
    'dashboard:exists',
    (param) =>
      tx
        .select({ v: dashboards.version })
        .from(dashboards)
        .where(eq(dashboards.orderId, param('orderId'))),
    { orderId: p.orderId },
  );
  if (existing) return null;
  const [payment] = await paymentFactOf(tx, p.orderId);
  const [delivery] = await preparedIn<(typeof dashboardDeliveries.$inferSelect)[]>(
    tx,
    'dashboard:delivery',
    (param) =>
      tx
        .select()
        .from(dashboardDeliveries)
        .where(eq(dashboardDeliveries.orderId, param('orderId'))),
    { orderId: p.orderId },
  );
  let updatedAt = p.at;
  if (payment) updatedAt = later(updatedAt, payment.updatedAt);
  if (delivery) updatedAt = later(updatedAt, delivery.updatedAt);
  const inserted = await preparedIn<unknown[]>(
    tx,
    'dashboard:insert',
    (param, values) =>
      tx
        .insert(dashboards)
        .values(paramsFor(param, values))
        .onConflictDoNothing()
        .returning({ orderId: dashboards.orderId }),
    {
      orderId: p.orderId,
      customerId: p.customerId,
      storeId: p.storeId,
      ownerId: p.ownerId,
      storeName: p.storeName,
      items: JSON.stringify(p.items ?? []),
      total: p.total,
      status: p.status,
      paymentStatus: payment?.status ?? null,
      riderId: delivery?.riderId ?? p.riderId ?? null,
      statusReason: p.reason ?? null,
      version: p.version,
      placedAt: p.at,
      refundedAt: payment?.refundedAt ?? null,
      updatedAt,
    },
  );
  if (inserted.length === 0) return null;
  await recordEvent(tx, p);
  return { facts: 1 + (payment?.facts ?? 0) + (delivery?.facts ?? 0), visible: true };
}

/**
 * A status event applies only when newer than the row (stale and duplicate ones are ignored).
 * Before OrderPlaced it throws UnknownEntityError, so the bus retries it (for the unknown-entity
 * window, then the DLQ): both travel on order.events with the order id as key, so OrderPlaced is
 * ahead of it and this cannot last.
 */
async function applyStatus(tx: Tx<Schema>, envelope: EventEnvelope<OrderStatusPayload>): Promise<Applied> {
  const p = envelope.payload;
  checkStatusPayload(p, envelope.type);
  const [row] = await dashboardRowOf(tx, p.orderId);
  if (!row) {
    throw new UnknownEntityError(
      `no dashboard row for order ${p.orderId} yet (${envelope.type} v${p.version} before OrderPlaced)`,
    );
  }
  if (p.version <= row.version) return null;
  const set: Partial<DashboardRow> = {
    status: p.status,
    version: p.version,
    updatedAt: later(row.updatedAt, p.at),
  };
  // OrderCancelDenied returns to a status reached before: it records no new step.
  const columns = [TYPE_COLUMN[envelope.type]];
  if (envelope.type !== OrderEvents.OrderCancelDenied) columns.push(STATUS_COLUMN[p.status]);
  for (const column of columns) {
    // First time wins: a step happens once; a later event with the same status is not a new step.
    if (column && row[column] === null) set[column] = p.at;
  }
  if (p.reason) set.statusReason = p.reason;
  if (p.riderId) set.riderId = p.riderId;
  await tx.update(dashboards).set(set).where(eq(dashboards.orderId, p.orderId));
  await recordEvent(tx, p);
  return CHANGED;
}

/** Payment facts are kept by order id; REFUNDED is final (a late CAPTURED copy cannot undo it). */
async function applyPayment(tx: Tx<Schema>, p: PaymentPayload): Promise<Applied> {
  if (typeof p?.orderId !== 'string' || (p.status !== 'CAPTURED' && p.status !== 'REFUNDED')) {
    throw new PermanentEventError('malformed payment payload');
  }
  const [known] = await paymentFactOf(tx, p.orderId);
  if (known?.status === 'REFUNDED') return null;
  if (known?.status === p.status) return null;
  const fact = {
    orderId: p.orderId,
    status: p.status,
    capturedAt: p.status === 'CAPTURED' ? p.at : (known?.capturedAt ?? null),
    refundedAt: p.status === 'REFUNDED' ? p.at : null,
    updatedAt: known ? later(known.updatedAt, p.at) : p.at,
    facts: (known?.facts ?? 0) + 1,
  };
  await preparedIn(
    tx,
    'dashboard:paymentFact:upsert',
    (param, values) =>
      tx
        .insert(dashboardPayments)
        .values(paramsFor(param, values))
        .onConflictDoUpdate({
          target: dashboardPayments.orderId,
          set: {
            status: param('status'),
            capturedAt: param('capturedAt'),
            refundedAt: param('refundedAt'),
            updatedAt: param('updatedAt'),
            facts: param('facts'),
          },
        }),
    fact,
  );
  const [row] = await dashboardRowOf(tx, p.orderId);
  // Counted when OrderPlaced creates the row.
  if (!row) return null;
  await preparedIn(
    tx,
    'dashboard:payment',
    (param) =>
      tx
        .update(dashboards)
        .set({
          paymentStatus: param('paymentStatus'),
          refundedAt: param('refundedAt'),
          updatedAt: param('updatedAt'),
        })
        .where(eq(dashboards.orderId, param('orderId'))),
    {
      paymentStatus: fact.status,
      refundedAt: fact.refundedAt,
      updatedAt: later(row.updatedAt, p.at),
      orderId: p.orderId,
    },
  );
  return CHANGED;
}

/** The rider from the delivery context (kept by order id, copied to the row when it exists). */
async function applyRider(tx: Tx<Schema>, p: DeliveryPayload): Promise<Applied> {
  if (typeof p?.orderId !== 'string') throw new PermanentEventError('malformed delivery payload');
  if (!p.riderId) return null;
  const [known] = await tx
    .select()
    .from(dashboardDeliveries)
    .where(eq(dashboardDeliveries.orderId, p.orderId));
  if (known?.riderId === p.riderId) return null;
  const updatedAt = known ? later(known.updatedAt, p.at) : p.at;
  const facts = (known?.facts ?? 0) + 1;
  await tx
    .insert(dashboardDeliveries)
    .values({ orderId: p.orderId, riderId: p.riderId, updatedAt, facts })
    .onConflictDoUpdate({
      target: dashboardDeliveries.orderId,
      set: { riderId: p.riderId, updatedAt, facts },
    });
  const [row] = await tx.select().from(dashboards).where(eq(dashboards.orderId, p.orderId));
  // Counted when OrderPlaced creates the row.
  if (!row) return null;
  // The order's status event named the rider first: a fact, but nothing new to show.
  if (row.riderId === p.riderId) return { facts: 1, visible: false };
  await tx
    .update(dashboards)
    .set({ riderId: p.riderId, updatedAt: later(row.updatedAt, p.at) })
    .where(eq(dashboards.orderId, p.orderId));
  return CHANGED;
}
