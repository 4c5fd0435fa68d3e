import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { EmbeddedEventBus } from '../../packages/platform/src/bus/EmbeddedEventBus.js';
import {
  createEnvelope,
  signCallerHeaders,
  StoreEvents,
  type TicketPayload,
} from '../../packages/platform/src/index.js';
import {
  DEMO,
  ORDER_OWN_FIELDS,
  type OrderView,
  paymentStatus,
  placeOrder,
  waitForDashboard,
  waitForOrderStatus,
  waitForTicket,
} from '../harness/flows.js';
import { TestSystem, waitFor } from '../harness/TestSystem.js';
import { queryServiceDb, readSystemTopics } from '../harness/topics.js';

/**
 * Issue 16's saga scenarios on the whole system (embedded log), asserted on the data of every
 * context involved: each service's own SQLite file, read directly (read-only).
 */
describe('saga fences and timeouts', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await TestSystem.start({
      env: {
        // Unconfirmed captures are swept after 1 s (5 min in production).
        PAYMENT_ORPHAN_AFTER_MS: '1000',
        PAYMENT_SWEEP_INTERVAL_MS: '200',
        // The order process is paused for seconds mid-capture; its own capture timeout must not be
        // what ends the scenario.
        PAYMENT_TIMEOUT_MS: '60000',
      },
    });
  });
  afterAll(async () => {
    await sys?.close();
  });

  const query = <T>(service: string, sql: string, ...params: unknown[]) =>
    queryServiceDb<T>(sys, service, sql, ...params);
  const service = (name: 'payment', path: string, init: RequestInit = {}) =>
    fetch(`${sys.url(name)}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...signCallerHeaders({ id: 'order', role: 'service' }, sys.env(name).INTERNAL_SECRET!),
      },
    });

  it('an order process paused past the sweeper window: its refunded capture never becomes an order', async () => {
    // A second order process on the same database answers payment's sweeper while the first one is
    // paused, as a replica behind a load balancer would (a single paused process answers nobody).
    const replica = await sys.startReplica('order');
    await sys.stopService('payment');
    await sys.startService('payment', { env: { ORDER_URL: replica.url } });
    try {
      // Capture waits 1.5 s before it is applied, so the order process can be paused in between.
      expect(
        (
          await service('payment', '/internal/fault', {
            method: 'POST',
            body: JSON.stringify({ mode: 'slow', delayMs: 1500 }),
          })
        ).status,
      ).toBe(200);
      const placing = sys.gql<{ placeOrder: { id: string } }>(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`,
        { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
        sys.token('customer', 'paused'),
      );
      await waitFor(
        async () => {
          const res = await service('payment', '/internal/fault');
          return ((await res.json()) as { waiting: number }).waiting === 1;
        },
        { what: 'the capture to be in flight at payment' },
      );
      sys.pauseService('order');
      let orderId: string;
      try {
        // While it is paused: the capture is applied, stays unconfirmed, and the sweeper refunds it.
        const refunded = await waitFor(
          () =>
            query<{ order_id: string }>(
              'payment',
              `SELECT order_id FROM payments WHERE customer_id = 'paused' AND status = 'REFUNDED'`,
            )[0],
          { timeoutMs: 30_000, what: 'the orphan sweeper to refund the capture' },
        );
        orderId = refunded.order_id;
      } finally {
        sys.resumeService('order');
      }
      await service('payment', '/internal/fault', { method: 'POST', body: JSON.stringify({ mode: 'none' }) });
      const res = await placing;

      // The customer is told, with a retry hint, and no order exists next to the refunded payment.
      expect(res.data?.placeOrder ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'PAYMENT_UNAVAILABLE',
        reason: 'ORDER_ABANDONED',
        retryAfterSeconds: expect.any(Number),
      });
      expect(query('order', 'SELECT id FROM orders WHERE id = ?', orderId)).toEqual([]);
      expect(
        query('order', 'SELECT order_id FROM abandoned_orders WHERE order_id = ?', orderId),
      ).toHaveLength(1);
      expect(query('payment', 'SELECT status FROM payments WHERE order_id = ?', orderId)).toEqual([
        { status: 'REFUNDED' },
      ]);
      // And a fenced id is refused for good, by either process.
      const abandon = await fetch(`${sys.url('order')}/internal/orders/abandon`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signCallerHeaders({ id: 'payment', role: 'service' }, sys.env('order').INTERNAL_SECRET!),
        },
        body: JSON.stringify({ orderId }),
      });
      expect(await abandon.json()).toEqual({ exists: false, abandoned: true });
    } finally {
      await sys.stopService('payment');
      await sys.startService('payment');
      await replica.close();
    }
  });

  /** The test plays the store (stopped meanwhile): its events go straight onto the system's log. */
  async function publishAsStore(
    order: OrderView,
    type: string,
    status: TicketPayload['status'],
    reason?: string,
  ) {
    const bus = new EmbeddedEventBus({ path: join(sys.dataDir, 'eventlog.db') });
    try {
      const payload: TicketPayload = {
        orderId: order.id,
        storeId: DEMO.store,
        ownerId: DEMO.owner,
        customerId: 'kang',
        status,
        at: new Date().toISOString(),
        ...(reason ? { reason } : {}),
      };
      await bus.publish([
        {
          topic: 'store.events',
          key: order.id,
          envelope: createEnvelope('store', { type, correlationId: order.id, payload }),
        },
      ]);
    } finally {
      await bus.close();
    }
  }
  const orderEventTypes = async (orderId: string) =>
    (await readSystemTopics(sys, ['order.events']))
      .filter((r) => r.key === orderId)
      .map((r) => r.envelope.type);

  it('accepted while a cancel is pending, then the cancel is refused: OrderAccepted once, acceptedAt set', async () => {
    await sys.stopService('store');
    try {
      const order = await placeOrder(sys, 'kang', undefined, undefined, ORDER_OWN_FIELDS);
      await sys.ok(
        `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
        { id: order.id },
        sys.token('customer', 'kang'),
      );
      await publishAsStore(order, StoreEvents.TicketAccepted, 'ACCEPTED');
      await publishAsStore(order, StoreEvents.TicketCancelRefused, 'ACCEPTED', 'The store said no');
      await waitForOrderStatus(sys, 'kang', order.id, 'ACCEPTED');
      const dash = await waitForDashboard(
        sys,
        'kang',
        order.id,
        (d) => d.status === 'ACCEPTED' && d.acceptedAt !== null && d.version === 4,
        'ACCEPTED with acceptedAt',
      );
      expect(dash.cancelRequestedAt).not.toBeNull();
      expect(await orderEventTypes(order.id)).toEqual([
        'OrderPlaced',
        'OrderCancelRequested',
        'OrderCancelDenied',
        'OrderAccepted',
      ]);
    } finally {
      await sys.startService('store');
    }
  });

  it('saga timeouts: a PLACED order the store never answers is reported, re-published, then canceled and refunded', async () => {
    await sys.stopService('store');
    let stuck: OrderView;
    let pending: OrderView;
    try {
      stuck = await placeOrder(sys, 'yoon', undefined, undefined, ORDER_OWN_FIELDS);
      pending = await placeOrder(sys, 'yoon', undefined, undefined, ORDER_OWN_FIELDS);
      await sys.ok(
        `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
        { id: pending.id },
        sys.token('customer', 'yoon'),
      );
      // The order context with short deadlines: report and re-publish after 1 s, give up 15 s after placing.
      await sys.stopService('order');
      await sys.startService('order', {
        env: {
          ORDER_SAGA_TIMEOUT_MS: '1000',
          ORDER_SAGA_COMPENSATE_AFTER_MS: '15000',
          ORDER_SAGA_CHECK_INTERVAL_MS: '200',
        },
      });
      const health = await waitFor(
        async () => {
          const body = (await (await fetch(`${sys.url('order')}/health`)).json()) as {
            sagaTimeouts?: { stuckPlaced: number; stuckCancelPending: number; republished: number };
          };
          const t = body.sagaTimeouts;
          return t && t.stuckPlaced >= 1 && t.stuckCancelPending >= 1 && t.republished >= 1 ? t : null;
        },
        { what: 'the saga timeout report in /health' },
      );
      expect(health.stuckPlaced).toBeGreaterThanOrEqual(1);
      // OrderPlaced went out again (a copy every consumer ignores if it already has it).
      await waitFor(
        async () => (await orderEventTypes(stuck.id)).filter((t) => t === 'OrderPlaced').length >= 2,
        { what: 'OrderPlaced re-published' },
      );
      // Still nobody answers: canceled with the reason, and refunded.
      await waitForOrderStatus(sys, 'yoon', stuck.id, 'CANCELED');
      await waitFor(async () => (await paymentStatus(sys, 'yoon', stuck.id))?.status === 'REFUNDED', {
        what: 'refund of the timed-out order',
      });
      const [row] = queryServiceDb<{ status_reason: string }>(
        sys,
        'order',
        'SELECT status_reason FROM orders WHERE id = ?',
        stuck.id,
      );
      expect(row!.status_reason).toBe('The store did not answer in time');
      // The CANCEL_PENDING one is only reported: the store decides it.
      expect(
        queryServiceDb<{ status: string }>(
          sys,
          'order',
          'SELECT status FROM orders WHERE id = ?',
          pending.id,
        ),
      ).toEqual([{ status: 'CANCEL_PENDING' }]);
    } finally {
      await sys.startService('store');
    }
    // The store, back, creates the ticket once (the copy of OrderPlaced changes nothing) and cancels it.
    await waitForTicket(sys, stuck.id, 'CANCELED');
    expect(
      queryServiceDb<{ n: number }>(
        sys,
        'store',
        'SELECT count(*) AS n FROM tickets WHERE order_id = ?',
        stuck.id,
      ),
    ).toEqual([{ n: 1 }]);
    await waitForOrderStatus(sys, 'yoon', pending.id, 'CANCELED');
    await sys.stopService('order');
    await sys.startService('order');
  });
});
