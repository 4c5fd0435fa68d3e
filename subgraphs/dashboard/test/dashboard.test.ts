import { join } from 'node:path';
import { type Caller, type EmbeddedEventBus, metrics, OrderEvents, Topics } from '@baemin/platform';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardChange } from '../src/DashboardChanges.js';
import * as schema from '../src/db/schema.js';
import { type RunningDashboard, start } from '../src/server.js';
import { OrderScript } from './events.js';
import {
  alice,
  bob,
  gql,
  owner1,
  owner2,
  publish,
  republish,
  rider1,
  rider2,
  tempDir,
  waitFor,
  waitSettled,
} from '@baemin/platform/testing';

// An event for an order with no row yet is retried this long before the DLQ (default 60 s).
process.env.EVENT_UNKNOWN_ENTITY_RETRY_MS = '1000';
const tmp = tempDir('dashboard-test-');
let s: RunningDashboard;

beforeAll(async () => {
  s = await start({ port: 0, dataDir: tmp.dir, eventLogPath: join(tmp.dir, 'eventlog.db') });
});
afterAll(async () => {
  await s?.close();
  tmp.cleanup();
});

const row = async (orderId: string) =>
  (await s.database.reader.select().from(schema.dashboards).where(eq(schema.dashboards.orderId, orderId)))[0];
const history = async (orderId: string) =>
  (await s.store.history(orderId)).map((e) => [e.version, e.status, e.at]);
const waitRow = (orderId: string, predicate: (r: schema.DashboardRow) => boolean, what = 'row') =>
  waitFor(
    async () => {
      const r = await row(orderId);
      return r && predicate(r) ? r : undefined;
    },
    { what: `${orderId} ${what}` },
  );
/** Failed attempts of `type` events whose order the dashboard does not know yet (the retry metric). */
const unknownEntityFailures = async (type: string) =>
  (await metrics.eventHandlerFailures.get()).values.find(
    (v) => v.labels.group === 'dashboard' && v.labels.type === type && v.labels.failure === 'unknown-entity',
  )?.value ?? 0;
const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

const ALL_FIELDS = `orderId customerId storeId storeName items { menuItemId name quantity unitPrice } total status
  paymentStatus riderId statusReason version placedAt acceptedAt rejectedAt cookingAt readyAt pickedUpAt deliveredAt
  cancelRequestedAt canceledAt refundedAt updatedAt order { id }`;

describe('projection', () => {
  it('builds the row and its status history (the GraphQL timeline) from a full event sequence', async () => {
    const o = new OrderScript(s.bus);
    await o.fullLifecycle('rider-1');
    // Payment facts come from another topic, consumed on their own: wait for both.
    await waitRow(o.orderId, (r) => r.version === 6 && r.paymentStatus === 'CAPTURED', 'delivered');
    const res = await gql<{ dashboard: Record<string, unknown> }>(
      s.url,
      `query($id: ID!) { dashboard(orderId: $id) { ${ALL_FIELDS} history { version status at } } }`,
      { id: o.orderId },
      alice,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.dashboard).toEqual({
      orderId: o.orderId,
      customerId: 'alice',
      storeId: 'store-1',
      storeName: 'Kimchi House',
      items: [
        { menuItemId: 'menu-1-1', name: 'Kimchi stew', quantity: 2, unitPrice: 9000 },
        { menuItemId: 'menu-1-2', name: 'Rice', quantity: 1, unitPrice: 1000 },
      ],
      total: 19_000,
      status: 'DELIVERED',
      paymentStatus: 'CAPTURED',
      riderId: 'rider-1',
      statusReason: null,
      version: 6,
      placedAt: o.at(0),
      acceptedAt: o.at(1),
      rejectedAt: null,
      cookingAt: o.at(2),
      readyAt: o.at(3),
      pickedUpAt: o.at(4),
      deliveredAt: o.at(5),
      cancelRequestedAt: null,
      canceledAt: null,
      refundedAt: null,
      updatedAt: o.at(5),
      order: { id: o.orderId },
      history: [
        { version: 1, status: 'PLACED', at: o.at(0) },
        { version: 2, status: 'ACCEPTED', at: o.at(1) },
        { version: 3, status: 'COOKING', at: o.at(2) },
        { version: 4, status: 'READY', at: o.at(3) },
        { version: 5, status: 'PICKED_UP', at: o.at(4) },
        { version: 6, status: 'DELIVERED', at: o.at(5) },
      ],
    });
    expect(await history(o.orderId)).toEqual([
      [1, 'PLACED', o.at(0)],
      [2, 'ACCEPTED', o.at(1)],
      [3, 'COOKING', o.at(2)],
      [4, 'READY', o.at(3)],
      [5, 'PICKED_UP', o.at(4)],
      [6, 'DELIVERED', o.at(5)],
    ]);
    expect((await s.store.history(o.orderId, 4)).map((e) => e.version)).toEqual([5, 6]);
  });

  it('ignores stale and duplicate status events', async () => {
    const o = new OrderScript(s.bus);
    await o.placed(0);
    const accepted = await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await o.status('OrderCookingStarted', 'COOKING', 3, 2);
    await waitRow(o.orderId, (r) => r.version === 3);
    const before = await row(o.orderId);
    // The same envelope again, another copy of an old fact, and an older event arriving late.
    await republish(s.bus, Topics.order, accepted);
    await o.status('OrderAccepted', 'ACCEPTED', 2, 9);
    await publish(s.bus, Topics.order, 'order', OrderEvents.OrderPlaced, o.orderId, {
      ...o.placedPayload(9),
      total: 1,
    });
    await o.status('OrderCookingStarted', 'COOKING', 3, 9);
    // A marker behind them on the same key: once it is applied, they were handled.
    await o.status('OrderReady', 'READY', 4, 3);
    await waitRow(o.orderId, (r) => r.version === 4);
    expect(await row(o.orderId)).toEqual({
      ...before,
      status: 'READY',
      version: 4,
      // Exactly one more change and fact: the stale and duplicate events changed nothing.
      sequence: before!.sequence + 1,
      facts: before!.facts + 1,
      changeId: expect.any(Number),
      readyAt: o.at(3),
      updatedAt: o.at(3),
    });
    expect(await history(o.orderId)).toEqual([
      [1, 'PLACED', o.at(0)],
      [2, 'ACCEPTED', o.at(1)],
      [3, 'COOKING', o.at(2)],
      [4, 'READY', o.at(3)],
    ]);
  });

  it('keeps payment and rider facts that arrive before OrderPlaced (other topics)', async () => {
    const o = new OrderScript(s.bus);
    await o.payment('PaymentCaptured', 0);
    await o.payment('PaymentRefunded', 3);
    await o.pickedUp('rider-2', 2);
    await waitFor(
      async () =>
        (
          await s.database.reader
            .select()
            .from(schema.dashboardPayments)
            .where(eq(schema.dashboardPayments.orderId, o.orderId))
        )[0]?.status === 'REFUNDED' &&
        (
          await s.database.reader
            .select()
            .from(schema.dashboardDeliveries)
            .where(eq(schema.dashboardDeliveries.orderId, o.orderId))
        )[0],
      { what: 'early facts' },
    );
    expect(await row(o.orderId)).toBeUndefined();
    await o.placed(0);
    const r = await waitRow(o.orderId, () => true);
    expect(r).toEqual(
      expect.objectContaining({
        status: 'PLACED',
        paymentStatus: 'REFUNDED',
        refundedAt: o.at(3),
        riderId: 'rider-2',
        updatedAt: o.at(3),
        // One change, four facts: placed, captured, refunded, the rider.
        sequence: 1,
        facts: 4,
      }),
    );
    // A late copy of the capture (new event id) cannot undo the refund.
    await o.payment('PaymentCaptured', 0);
    await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await waitRow(o.orderId, (x) => x.version === 2);
    // The capture travels on the payment topic: the order event's row says nothing about it.
    await waitSettled(s.url);
    expect((await row(o.orderId))?.paymentStatus).toBe('REFUNDED');
  });

  it('records the cancel saga: requested, canceled, refunded', async () => {
    const o = new OrderScript(s.bus);
    await o.payment('PaymentCaptured', 0);
    await o.placed(0);
    await o.status('OrderCancelRequested', 'CANCEL_PENDING', 2, 1);
    await o.status('OrderCanceled', 'CANCELED', 3, 2);
    await o.payment('PaymentRefunded', 3);
    const r = await waitRow(o.orderId, (x) => x.status === 'CANCELED' && x.paymentStatus === 'REFUNDED');
    expect(r).toEqual(
      expect.objectContaining({
        version: 3,
        cancelRequestedAt: o.at(1),
        canceledAt: o.at(2),
        refundedAt: o.at(3),
        acceptedAt: null,
        updatedAt: o.at(3),
      }),
    );
  });

  it('records rejection and a refused cancel with their reasons; a denial records no new step', async () => {
    const rejected = new OrderScript(s.bus);
    await rejected.placed(0);
    await rejected.status('OrderRejected', 'REJECTED', 2, 1, { reason: 'Out of kimchi' });
    expect(await waitRow(rejected.orderId, (x) => x.version === 2)).toEqual(
      expect.objectContaining({
        status: 'REJECTED',
        rejectedAt: rejected.at(1),
        statusReason: 'Out of kimchi',
      }),
    );

    const denied = new OrderScript(s.bus);
    await denied.placed(0);
    await denied.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await denied.status('OrderCancelRequested', 'CANCEL_PENDING', 3, 2);
    await denied.status('OrderCancelDenied', 'ACCEPTED', 4, 3, { reason: 'Cooking already started' });
    // Accepted while a cancel is pending: the step is recorded, the status stays.
    const raced = new OrderScript(s.bus);
    await raced.placed(0);
    await raced.status('OrderCancelRequested', 'CANCEL_PENDING', 2, 1);
    await raced.status('OrderAccepted', 'CANCEL_PENDING', 3, 2);
    expect(await waitRow(denied.orderId, (x) => x.version === 4)).toEqual(
      expect.objectContaining({
        status: 'ACCEPTED',
        acceptedAt: denied.at(1),
        cancelRequestedAt: denied.at(2),
        statusReason: 'Cooking already started',
      }),
    );
    expect(await waitRow(raced.orderId, (x) => x.version === 3)).toEqual(
      expect.objectContaining({
        status: 'CANCEL_PENDING',
        acceptedAt: raced.at(2),
        cancelRequestedAt: raced.at(1),
      }),
    );
  });

  it('a status event before OrderPlaced is retried, never applied on its own, and finally dead-lettered', async () => {
    const o = new OrderScript(s.bus);
    const failedBefore = await unknownEntityFailures('OrderAccepted');
    await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
    // Two failed attempts: the event was handled, refused and is being retried, not pending.
    await waitFor(async () => (await unknownEntityFailures('OrderAccepted')) >= failedBefore + 2, {
      what: 'OrderAccepted to be retried',
    });
    expect(await row(o.orderId)).toBeUndefined();
    await o.placed(0);
    // The retries hold the partition for EVENT_UNKNOWN_ENTITY_RETRY_MS (1 s here); then the DLQ.
    await waitRow(o.orderId, () => true, 'placed after the dead-lettered event');
    const dead = (s.bus as EmbeddedEventBus).read(`${Topics.order}.dlq`).filter((r) => r.key === o.orderId);
    expect(dead.map((r) => [r.envelope.type, r.headers['dlq-group']])).toEqual([
      ['OrderAccepted', 'dashboard'],
    ]);
    expect(await row(o.orderId)).toEqual(
      expect.objectContaining({ status: 'PLACED', version: 1, acceptedAt: null }),
    );
  });
});

describe('after a rebuild (dashboard_rebuild_floors)', () => {
  it('keeps replayed changes out of the feed until the floor, and sends one from after the rebuild even when the replay came short of it', async () => {
    const o = new OrderScript(s.bus);
    const seen: DashboardChange[] = [];
    const stop = s.changes.subscribe((c) => seen.push(c), o.orderId);
    try {
      await o.placed(0);
      await waitFor(() => seen.length === 1, { what: 'placed' });
      // As if a rebuild had found the order with 7 changes shown and facts the replay will not reach.
      const floor = { orderId: o.orderId, sequence: 7, facts: 9, rebuiltAt: '9999-01-01T00:00:00.000Z' };
      await s.database.db.insert(schema.dashboardRebuildFloors).values(floor);
      await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
      await waitRow(o.orderId, (r) => r.version === 2);
      await waitSettled(s.url);
      // Applied, but behind the floor: not a change its watchers are sent.
      expect(seen).toHaveLength(1);
      await s.database.db
        .update(schema.dashboardRebuildFloors)
        .set({ rebuiltAt: '2000-01-01T00:00:00.000Z' })
        .where(eq(schema.dashboardRebuildFloors.orderId, o.orderId));
      await o.status('OrderCookingStarted', 'COOKING', 3, 2);
      await waitFor(() => seen.length === 2, { what: 'the change from after the rebuild' });
      expect(seen[1]!.row).toEqual(expect.objectContaining({ status: 'COOKING', sequence: 8, facts: 3 }));
      expect(
        await s.database.reader
          .select()
          .from(schema.dashboardRebuildFloors)
          .where(eq(schema.dashboardRebuildFloors.orderId, o.orderId)),
      ).toEqual([]);
      await o.status('OrderReady', 'READY', 4, 3);
      await waitFor(() => seen.length === 3, { what: 'the next change' });
      expect(seen[2]!.row.sequence).toBe(9);
    } finally {
      stop();
    }
  });
});

describe('DashboardChanges', () => {
  it('emits each committed change once, with the committed row, and nothing for ignored events', async () => {
    const o = new OrderScript(s.bus);
    const seen: DashboardChange[] = [];
    const all: string[] = [];
    const stopAll = s.changes.subscribe((c) => all.push(c.orderId));
    const reads: Promise<void>[] = [];
    const stop = s.changes.subscribe((c) => {
      // The row is committed when the listener runs: a fresh read sees this change (or a later one).
      reads.push(
        row(c.orderId).then((r) => {
          expect(r?.changeId).toBeGreaterThanOrEqual(c.row.changeId);
          if (r?.changeId === c.row.changeId) expect(r).toEqual(c.row);
        }),
      );
      seen.push(c);
    }, o.orderId);
    await o.payment('PaymentCaptured', 0); // no row yet: nothing to show
    await waitSettled(s.url);
    await o.placed(0);
    const accepted = await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await waitFor(() => seen.length === 2);
    await republish(s.bus, Topics.order, accepted); // duplicate: inbox
    await o.status('OrderAccepted', 'ACCEPTED', 2, 1); // stale copy: version
    await o.payment('PaymentRefunded', 2);
    await o.pickedUp('rider-1', 3);
    await waitFor(() => seen.length === 4, { what: 'changes' });
    // A marker order placed after everything above was consumed: once its change is out, every
    // earlier change is too (changes are published in commit order, on either store engine).
    await waitSettled(s.url);
    const marker = new OrderScript(s.bus);
    await marker.placed(0);
    await waitFor(() => all.includes(marker.orderId), { what: 'the marker change' });
    stop();
    stopAll();
    await Promise.all(reads);
    expect(seen.map((c) => [c.orderId, c.version, c.row.status, c.row.paymentStatus, c.row.riderId])).toEqual(
      [
        [o.orderId, 1, 'PLACED', 'CAPTURED', null],
        [o.orderId, 2, 'ACCEPTED', 'CAPTURED', null],
        [o.orderId, 2, 'ACCEPTED', 'REFUNDED', null],
        [o.orderId, 2, 'ACCEPTED', 'REFUNDED', 'rider-1'],
      ],
    );
    expect(all.filter((id) => id === o.orderId)).toHaveLength(4);
    expect(s.changes.listenerCount('change')).toBe(0);
  });
});

describe('GraphQL visibility', () => {
  const DASH = `query($id: ID!) { dashboard(orderId: $id) { orderId status riderId } }`;
  const seen = async (orderId: string, caller: Caller | null) => {
    const res = await gql<{ dashboard: unknown }>(s.url, DASH, { id: orderId }, caller);
    return res.data?.dashboard ? 'visible' : code(res);
  };
  const entities = async (reps: unknown[], caller: Caller | null) => {
    const res = await gql<{ _entities: unknown[] }>(
      s.url,
      `query($reps: [_Any!]!) { _entities(representations: $reps) {
        ... on Order { id dashboard { status } }
        ... on Dashboard { orderId status order { id } } } }`,
      { reps },
      caller,
    );
    expect(res.errors).toBeUndefined();
    return res.data?._entities;
  };

  it('shows a dashboard to its customer, its store owner and its rider only', async () => {
    const o = new OrderScript(s.bus);
    await o.placed(0);
    await o.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await waitRow(o.orderId, (r) => r.version === 2);
    for (const caller of [alice, owner1]) expect(await seen(o.orderId, caller)).toBe('visible');
    for (const caller of [bob, owner2, rider1, { id: 'order', role: 'service' as const }]) {
      expect(await seen(o.orderId, caller)).toBe('FORBIDDEN');
    }
    expect(await seen(o.orderId, null)).toBe('UNAUTHENTICATED');
    await o.pickedUp('rider-1', 2);
    await waitRow(o.orderId, (r) => r.riderId === 'rider-1');
    expect(await seen(o.orderId, rider1)).toBe('visible');
    expect(await seen(o.orderId, rider2)).toBe('FORBIDDEN');
    const missing = await gql(s.url, DASH, { id: 'no-such-order' }, alice);
    expect(missing.errors).toBeUndefined();
    expect(missing.data).toEqual({ dashboard: null });

    const reps = [
      { __typename: 'Order', id: o.orderId },
      { __typename: 'Dashboard', orderId: o.orderId },
    ];
    expect(await entities(reps, alice)).toEqual([
      { id: o.orderId, dashboard: { status: 'ACCEPTED' } },
      { orderId: o.orderId, status: 'ACCEPTED', order: { id: o.orderId } },
    ]);
    for (const caller of [bob, owner2, rider2, null]) {
      expect(await entities(reps, caller)).toEqual([{ id: o.orderId, dashboard: null }, null]);
    }
  });

  it('myDashboards: customers, owners and riders get theirs, newest first, at most `first`', async () => {
    const carol: Caller = { id: `carol-${Date.now()}`, role: 'customer' };
    const owner: Caller = { id: `owner-${Date.now()}`, role: 'owner' };
    const rider: Caller = { id: `rider-${Date.now()}`, role: 'rider' };
    const orders = [new OrderScript(s.bus, carol.id, owner.id), new OrderScript(s.bus, carol.id, owner.id)];
    const other = new OrderScript(s.bus, 'dave', owner.id);
    for (const o of orders) await o.placed(0);
    await other.placed(0);
    await orders[0]!.pickedUp(rider.id, 1);
    for (const o of [...orders, other]) await waitRow(o.orderId, () => true);
    await waitRow(orders[0]!.orderId, (r) => r.riderId === rider.id);
    const newestFirst = [...orders].sort((a, b) => b.at(0).localeCompare(a.at(0))).map((o) => o.orderId);
    const mine = async (caller: Caller | null, first?: number) => {
      const res = await gql<{ myDashboards: { orderId: string }[] }>(
        s.url,
        `query($first: Int) { myDashboards(first: $first) { orderId } }`,
        first === undefined ? {} : { first },
        caller,
      );
      return res.data ? res.data.myDashboards.map((d) => d.orderId) : code(res);
    };
    expect(await mine(carol)).toEqual(newestFirst);
    expect(await mine(carol, 1)).toEqual(newestFirst.slice(0, 1));
    expect(new Set(await mine(owner))).toEqual(new Set([...newestFirst, other.orderId]));
    expect(await mine(rider)).toEqual([orders[0]!.orderId]);
    expect(await mine({ id: 'nobody', role: 'customer' })).toEqual([]);
    expect(await mine(carol, 0)).toBe('BAD_USER_INPUT');
    expect(await mine(carol, 101)).toBe('BAD_USER_INPUT');
    expect(await mine(null)).toBe('UNAUTHENTICATED');
    expect(await mine({ id: 'order', role: 'service' })).toBe('FORBIDDEN');
  });
});
