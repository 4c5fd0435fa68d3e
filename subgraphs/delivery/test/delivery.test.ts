import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  type Caller,
  createEnvelope,
  type DeliveryPayload,
  type RunningSubgraph,
  StoreEvents,
  type TicketPayload,
  Topics,
} from '@baemin/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema.js';
import { start } from '../src/server.js';
import {
  alice,
  bob,
  eventsOf,
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

const tmp = tempDir('delivery-test-');
let s: RunningSubgraph<typeof schema>;

beforeAll(async () => {
  s = await start({ port: 0, dataDir: tmp.dir, eventLogPath: join(tmp.dir, 'eventlog.db') });
});
afterAll(async () => {
  await s?.close();
  tmp.cleanup();
});

const FIELDS = 'id orderId status riderId createdAt pickedUpAt deliveredAt order { id } store { id }';
const PICK_UP = `mutation($id: ID!) { pickUp(orderId: $id) { ${FIELDS} } }`;
const COMPLETE = `mutation($id: ID!) { completeDelivery(orderId: $id) { ${FIELDS} } }`;
const DELIVERY = `query($id: ID!) { delivery(orderId: $id) { ${FIELDS} } }`;
const AVAILABLE = `{ availableDeliveries { orderId status } }`;
const MINE = `{ myDeliveries { orderId status riderId } }`;

interface DeliveryView {
  id: string;
  orderId: string;
  status: string;
  riderId: string | null;
  createdAt: string;
  pickedUpAt: string | null;
  deliveredAt: string | null;
  order: { id: string };
  store: { id: string };
}

const rowOf = async (orderId: string) =>
  (await s.database.reader.select().from(schema.deliveries)).find((d) => d.orderId === orderId);

function ticket(orderId: string, status: TicketPayload['status'] = 'READY'): TicketPayload {
  return {
    orderId,
    storeId: 'store-1',
    ownerId: 'owner-1',
    customerId: 'alice',
    status,
    at: new Date().toISOString(),
  };
}

async function readyOrder(): Promise<string> {
  const orderId = `order-${randomUUID()}`;
  await publish(s.bus, Topics.store, 'store', StoreEvents.TicketReady, orderId, ticket(orderId));
  await waitFor(() => rowOf(orderId), { what: `delivery of ${orderId}` });
  return orderId;
}

const code = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

describe('TicketReady consumer', () => {
  it('creates one AVAILABLE delivery and one DeliveryCreated, even when TicketReady comes twice', async () => {
    const orderId = `order-${randomUUID()}`;
    const envelope = await publish(
      s.bus,
      Topics.store,
      'store',
      StoreEvents.TicketReady,
      orderId,
      ticket(orderId),
    );
    await republish(s.bus, Topics.store, envelope);
    await publish(s.bus, Topics.store, 'store', StoreEvents.TicketReady, orderId, ticket(orderId));
    const row = await waitFor(() => rowOf(orderId));
    expect(row).toEqual(
      expect.objectContaining({
        orderId,
        storeId: 'store-1',
        ownerId: 'owner-1',
        customerId: 'alice',
        status: 'AVAILABLE',
        riderId: null,
        createdAt: envelope.payload.at,
      }),
    );
    await waitFor(() => eventsOf(s.bus, Topics.delivery, orderId).length > 0);
    // Both ticket events consumed and whatever they wrote relayed: only then is "one" final.
    await waitSettled(s.url);
    expect(
      (await s.database.reader.select().from(schema.deliveries)).filter((d) => d.orderId === orderId),
    ).toHaveLength(1);
    const events = eventsOf(s.bus, Topics.delivery, orderId);
    expect(events.map((e) => e.type)).toEqual(['DeliveryCreated']);
    expect(events[0]!.causationId).toBe(envelope.id);
    expect(events[0]!.payload).toEqual({
      deliveryId: row.id,
      orderId,
      storeId: 'store-1',
      customerId: 'alice',
      status: 'AVAILABLE',
      riderId: null,
      at: row.createdAt,
    } satisfies DeliveryPayload);
  });

  it('ignores TicketCanceled and other store events', async () => {
    const orderId = `order-${randomUUID()}`;
    await publish(
      s.bus,
      Topics.store,
      'store',
      StoreEvents.TicketCanceled,
      orderId,
      ticket(orderId, 'CANCELED'),
    );
    await publish(
      s.bus,
      Topics.store,
      'store',
      StoreEvents.TicketAccepted,
      orderId,
      ticket(orderId, 'ACCEPTED'),
    );
    // A marker on the same key (so the same partition, consumed in order): once it is handled,
    // the two events before it were too.
    const marker = `order-${randomUUID()}`;
    const envelope = createEnvelope('store', {
      type: StoreEvents.TicketReady,
      correlationId: marker,
      payload: ticket(marker),
    });
    await s.bus.publish([{ topic: Topics.store, key: orderId, envelope }]);
    await waitFor(() => rowOf(marker), { what: 'marker' });
    expect(await rowOf(orderId)).toBeUndefined();
  });
});

describe('delivery lifecycle', () => {
  it('AVAILABLE → PICKED_UP → DELIVERED by one rider, with events', async () => {
    const orderId = await readyOrder();
    const available = await gql<{ availableDeliveries: { orderId: string }[] }>(s.url, AVAILABLE, {}, rider2);
    expect(available.data?.availableDeliveries).toContainEqual({ orderId, status: 'AVAILABLE' });

    const picked = await gql<{ pickUp: DeliveryView }>(s.url, PICK_UP, { id: orderId }, rider1);
    expect(picked.errors).toBeUndefined();
    expect(picked.data?.pickUp).toEqual(
      expect.objectContaining({
        orderId,
        status: 'PICKED_UP',
        riderId: 'rider-1',
        pickedUpAt: expect.any(String),
        deliveredAt: null,
        order: { id: orderId },
        store: { id: 'store-1' },
      }),
    );
    const after = await gql<{ availableDeliveries: { orderId: string }[] }>(s.url, AVAILABLE, {}, rider2);
    expect(after.data?.availableDeliveries.map((d) => d.orderId)).not.toContain(orderId);
    const mine = await gql<{ myDeliveries: unknown[] }>(s.url, MINE, {}, rider1);
    expect(mine.data?.myDeliveries).toContainEqual({ orderId, status: 'PICKED_UP', riderId: 'rider-1' });
    expect(
      (await gql<{ myDeliveries: { orderId: string }[] }>(s.url, MINE, {}, rider2)).data?.myDeliveries,
    ).toEqual([]);

    const done = await gql<{ completeDelivery: DeliveryView }>(s.url, COMPLETE, { id: orderId }, rider1);
    expect(done.errors).toBeUndefined();
    expect(done.data?.completeDelivery).toEqual(
      expect.objectContaining({ status: 'DELIVERED', riderId: 'rider-1', deliveredAt: expect.any(String) }),
    );
    expect(await rowOf(orderId)).toEqual(
      expect.objectContaining({ status: 'DELIVERED', riderId: 'rider-1' }),
    );

    const events = await waitFor(() => {
      const e = eventsOf(s.bus, Topics.delivery, orderId);
      return e.length === 3 && e;
    });
    expect(
      events.map((e) => [
        e.type,
        (e.payload as DeliveryPayload).status,
        (e.payload as DeliveryPayload).riderId,
      ]),
    ).toEqual([
      ['DeliveryCreated', 'AVAILABLE', null],
      ['DeliveryPickedUp', 'PICKED_UP', 'rider-1'],
      ['DeliveryCompleted', 'DELIVERED', 'rider-1'],
    ]);
    expect((events[1]!.payload as DeliveryPayload).at).toBe(done.data?.completeDelivery.pickedUpAt);
  });

  it('an id no order can have is NOT_FOUND; an order id without a delivery yet is NOT_READY (it may be on its way)', async () => {
    for (const id of ['nope', `order-${randomUUID()}`, `${randomUUID()}x`]) {
      for (const mutation of [PICK_UP, COMPLETE]) {
        const r = await gql(s.url, mutation, { id }, rider1);
        expect(r.errors?.[0]?.extensions, id).toMatchObject({ code: 'NOT_FOUND', id });
      }
    }
    // A real order's id looks like this; its TicketReady may not have arrived yet.
    const pending = randomUUID();
    const early = await gql(s.url, PICK_UP, { id: pending }, rider1);
    expect(early.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_TRANSITION',
      currentStatus: 'NOT_READY',
    });
    await publish(s.bus, Topics.store, 'store', StoreEvents.TicketReady, pending, ticket(pending));
    await waitFor(() => rowOf(pending), { what: `delivery of ${pending}` });
    expect(code(await gql(s.url, PICK_UP, { id: pending }, rider1))).toBeUndefined();
    expect(await rowOf('nope')).toBeUndefined();
  });

  it('illegal transitions get INVALID_TRANSITION with the current status and change nothing', async () => {
    const notReady = randomUUID();
    const early = await gql(s.url, PICK_UP, { id: notReady }, rider1);
    expect(code(early)).toBe('INVALID_TRANSITION');
    expect(early.errors?.[0]?.extensions?.currentStatus).toBe('NOT_READY');
    expect(code(await gql(s.url, COMPLETE, { id: notReady }, rider1))).toBe('INVALID_TRANSITION');
    expect(await rowOf(notReady)).toBeUndefined();

    const orderId = await readyOrder();
    const completeFirst = await gql(s.url, COMPLETE, { id: orderId }, rider1);
    expect(code(completeFirst)).toBe('INVALID_TRANSITION');
    expect(completeFirst.errors?.[0]?.extensions?.currentStatus).toBe('AVAILABLE');
    expect((await rowOf(orderId))?.status).toBe('AVAILABLE');

    await gql(s.url, PICK_UP, { id: orderId }, rider1);
    for (const rider of [rider1, rider2]) {
      const twice = await gql(s.url, PICK_UP, { id: orderId }, rider);
      expect(code(twice)).toBe('INVALID_TRANSITION');
      expect(twice.errors?.[0]?.extensions?.currentStatus).toBe('PICKED_UP');
    }
    expect(await rowOf(orderId)).toEqual(
      expect.objectContaining({ status: 'PICKED_UP', riderId: 'rider-1' }),
    );

    await gql(s.url, COMPLETE, { id: orderId }, rider1);
    const again = await gql(s.url, COMPLETE, { id: orderId }, rider1);
    expect(code(again)).toBe('INVALID_TRANSITION');
    expect(again.errors?.[0]?.extensions?.currentStatus).toBe('DELIVERED');
    const deliveredAt = (await rowOf(orderId))?.deliveredAt;
    expect(deliveredAt).toEqual(expect.any(String));
    await waitSettled(s.url);
    expect(eventsOf(s.bus, Topics.delivery, orderId).map((e) => e.type)).toEqual([
      'DeliveryCreated',
      'DeliveryPickedUp',
      'DeliveryCompleted',
    ]);
    expect(code(await gql(s.url, PICK_UP, { id: '' }, rider1))).toBe('BAD_USER_INPUT');
    expect(code(await gql(s.url, PICK_UP, { id: 'x'.repeat(101) }, rider1))).toBe('BAD_USER_INPUT');
  });

  it('only riders act, and only the rider who picked it up completes it', async () => {
    const orderId = await readyOrder();
    expect(code(await gql(s.url, PICK_UP, { id: orderId }, null))).toBe('UNAUTHENTICATED');
    expect(code(await gql(s.url, PICK_UP, { id: orderId }, alice))).toBe('FORBIDDEN');
    expect(code(await gql(s.url, PICK_UP, { id: orderId }, owner1))).toBe('FORBIDDEN');
    expect((await rowOf(orderId))?.status).toBe('AVAILABLE');
    await gql(s.url, PICK_UP, { id: orderId }, rider1);
    expect(code(await gql(s.url, COMPLETE, { id: orderId }, rider2))).toBe('FORBIDDEN');
    expect(code(await gql(s.url, COMPLETE, { id: orderId }, alice))).toBe('FORBIDDEN');
    expect(code(await gql(s.url, COMPLETE, { id: orderId }, null))).toBe('UNAUTHENTICATED');
    expect(await rowOf(orderId)).toEqual(
      expect.objectContaining({ status: 'PICKED_UP', riderId: 'rider-1', deliveredAt: null }),
    );
    // Rider lists are for riders.
    expect(code(await gql(s.url, AVAILABLE, {}, alice))).toBe('FORBIDDEN');
    expect(code(await gql(s.url, AVAILABLE, {}, null))).toBe('UNAUTHENTICATED');
    expect(code(await gql(s.url, MINE, {}, owner1))).toBe('FORBIDDEN');
  });
});

describe('visibility', () => {
  const seen = async (orderId: string, caller: Caller | null) => {
    const res = await gql<{ delivery: DeliveryView | null }>(s.url, DELIVERY, { id: orderId }, caller);
    return res.data?.delivery ? 'visible' : code(res);
  };
  const entity = async (orderId: string, caller: Caller | null) => {
    const res = await gql<{ _entities: { id: string; delivery: { status: string } | null }[] }>(
      s.url,
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id delivery { status riderId } } } }`,
      { reps: [{ __typename: 'Order', id: orderId }] },
      caller,
    );
    expect(res.errors).toBeUndefined();
    return res.data?._entities[0]?.delivery ?? null;
  };

  it('delivery(orderId) and Order.delivery: customer, owner, riders while AVAILABLE, then the assigned rider', async () => {
    const orderId = await readyOrder();
    for (const caller of [alice, owner1, rider1, rider2]) expect(await seen(orderId, caller)).toBe('visible');
    expect(await seen(orderId, bob)).toBe('FORBIDDEN');
    expect(await seen(orderId, owner2)).toBe('FORBIDDEN');
    expect(await seen(orderId, null)).toBe('UNAUTHENTICATED');
    expect(await entity(orderId, rider2)).toEqual({ status: 'AVAILABLE', riderId: null });

    await gql(s.url, PICK_UP, { id: orderId }, rider1);
    for (const caller of [alice, owner1, rider1]) expect(await seen(orderId, caller)).toBe('visible');
    expect(await seen(orderId, rider2)).toBe('FORBIDDEN');
    expect(await entity(orderId, alice)).toEqual({ status: 'PICKED_UP', riderId: 'rider-1' });
    expect(await entity(orderId, rider1)).toEqual({ status: 'PICKED_UP', riderId: 'rider-1' });
    for (const caller of [rider2, bob, owner2, null]) expect(await entity(orderId, caller)).toBeNull();

    const missing = await gql(s.url, DELIVERY, { id: 'no-such-order' }, alice);
    expect(missing.errors).toBeUndefined();
    expect(missing.data).toEqual({ delivery: null });
    expect(await entity('no-such-order', alice)).toBeNull();
  });
});

describe('delivery connections', () => {
  type Page = { nodes: { orderId: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  const pages = async (field: string, caller: Caller, first: number) => {
    const seen: string[][] = [];
    let after: string | null = null;
    for (;;) {
      const res: { data?: Record<string, Page> | null; errors?: unknown[] } = await gql<Record<string, Page>>(
        s.url,
        `query($first: Int, $after: String) { ${field}(first: $first, after: $after) { nodes { orderId } pageInfo { hasNextPage endCursor } } }`,
        { first, after },
        caller,
      );
      expect(res.errors).toBeUndefined();
      const page = res.data![field]!;
      seen.push(page.nodes.map((n) => n.orderId));
      if (!page.pageInfo.hasNextPage) return seen;
      after = page.pageInfo.endCursor;
    }
  };

  it('pages available deliveries and a rider’s deliveries in the order of the lists, without gaps or repeats', async () => {
    for (let i = 0; i < 5; i++) await readyOrder();
    const list = await gql<{ availableDeliveries: { orderId: string }[] }>(s.url, AVAILABLE, {}, rider1);
    const all = list.data!.availableDeliveries.map((d) => d.orderId);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const paged = await pages('availableDeliveryConnection', rider1, 2);
    expect(paged.length).toBe(Math.ceil(all.length / 2));
    expect(paged.flat()).toEqual(all);

    const rider = { id: `rider-pages-${randomUUID()}`, role: 'rider' } as const;
    for (const orderId of all.slice(0, 3))
      expect(code(await gql(s.url, PICK_UP, { id: orderId }, rider))).toBeUndefined();
    const mine = await gql<{ myDeliveries: { orderId: string }[] }>(s.url, MINE, {}, rider);
    const minePaged = await pages('myDeliveryConnection', rider, 2);
    expect(minePaged.map((p) => p.length)).toEqual([2, 1]);
    expect(minePaged.flat()).toEqual(mine.data!.myDeliveries.map((d) => d.orderId));
    expect(code(await gql(s.url, '{ myDeliveryConnection(first: 0) { nodes { id } } }', {}, rider))).toBe(
      'BAD_USER_INPUT',
    );
    expect(code(await gql(s.url, '{ availableDeliveryConnection { nodes { id } } }', {}, alice))).toBe(
      'FORBIDDEN',
    );
  });

  it('refuses a cursor of another list on after (the other delivery list, stores) instead of an empty page', async () => {
    await readyOrder();
    await readyOrder();
    const PAGE = (field: string) =>
      `query($after: String) { ${field}(first: 1, after: $after) { nodes { orderId } pageInfo { endCursor } } }`;
    const available = await gql<{ availableDeliveryConnection: Page }>(
      s.url,
      PAGE('availableDeliveryConnection'),
      { after: null },
      rider1,
    );
    const cursor = available.data!.availableDeliveryConnection.pageInfo.endCursor;
    const next = await gql(s.url, PAGE('availableDeliveryConnection'), { after: cursor }, rider1);
    expect(next.errors).toBeUndefined();
    const storeCursor = Buffer.from('[1,"store-2"]').toString('base64url');
    const cases: [string, string | null][] = [
      ['myDeliveryConnection', cursor],
      ['myDeliveryConnection', storeCursor],
      ['availableDeliveryConnection', storeCursor],
      ['availableDeliveryConnection', Buffer.from('[1,2]').toString('base64url')],
    ];
    for (const [field, after] of cases) {
      const r = await gql(s.url, PAGE(field), { after }, rider1);
      expect(r.errors?.[0]?.extensions, `${field} ${after}`).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'after',
      });
    }
  });
});
