import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, driveToDelivered, expectCode } from '../harness/flows.js';
import { OtlpReceiver, type ReceivedSpan, SpanKinds } from '../harness/OtlpReceiver.js';
import { type MetricsScrape, scrapeMetrics } from '../harness/scrapeMetrics.js';
import { SUBGRAPH_NAMES, type ServiceName, TestSystem, waitFor } from '../harness/TestSystem.js';
import { transports } from '../harness/transports.js';

const SERVICES: ServiceName[] = [...SUBGRAPH_NAMES, 'router'];

/** Events each consumer group handles for one order driven from placed to delivered. */
const CONSUMED_BY_ONE_DELIVERY: Record<string, Record<string, number>> = {
  order: {
    TicketAccepted: 1,
    TicketCookingStarted: 1,
    TicketReady: 1,
    DeliveryPickedUp: 1,
    DeliveryCompleted: 1,
  },
  store: { OrderPlaced: 1, OrderPickedUp: 1 },
  payment: { OrderPlaced: 1 },
  delivery: { TicketReady: 1 },
  dashboard: {
    OrderPlaced: 1,
    PaymentCaptured: 1,
    OrderAccepted: 1,
    OrderCookingStarted: 1,
    OrderReady: 1,
    OrderPickedUp: 1,
    DeliveryPickedUp: 1,
    OrderDelivered: 1,
    DeliveryCompleted: 1,
  },
};

const PLACE_ORDER = `mutation MetricsPlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;

describe.each(transports())('metrics and traces on $name', (transport) => {
  let sys: TestSystem;
  let receiver: OtlpReceiver;

  const scrapeAll = async () =>
    Object.fromEntries(
      await Promise.all(SERVICES.map(async (s) => [s, await scrapeMetrics(sys.url(s))] as const)),
    ) as Record<ServiceName, MetricsScrape>;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    sys = await TestSystem.start({
      kafkaBrokers: transport.kafkaBrokers,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // Long enough that the breaker is still open when the test places its one rejected order.
        PAYMENT_BREAKER_RESET_MS: '60000',
      },
    });
  });
  afterAll(async () => {
    await sys?.close();
    await receiver?.close();
  });

  it('one delivered order moves every counter by the right amount, and its saga is one trace', async () => {
    const before = await scrapeAll();
    for (const s of SERVICES) {
      // Node process metrics on every service.
      expect(before[s].has('process_cpu_user_seconds_total'), s).toBe(true);
      expect(before[s].has('nodejs_eventloop_lag_seconds'), s).toBe(true);
    }

    const placed = await sys.ok<{ placeOrder: { id: string; status: string } }>(
      PLACE_ORDER,
      { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
      sys.token('customer', 'alice'),
    );
    const orderId = placed.placeOrder.id;
    await driveToDelivered(sys, 'alice', orderId);

    /** How far a counter of `svc` moved from the scrape before the order to the scrape `now`. */
    const grew = (
      now: Record<ServiceName, MetricsScrape>,
      svc: ServiceName,
      name: string,
      labels: Record<string, string> = {},
    ) => now[svc].value(name, labels) - before[svc].value(name, labels);
    const handled = (group: string, type: string) => ({ group, type, outcome: 'handled' });
    // What the relays count for one delivered order: its OrderPlaced, OrderDelivered and the
    // store's TicketReady published once each, and the order's six events through its relay.
    const RELAYED: [ServiceName, string, Record<string, string>, number][] = [
      ['order', 'outbox_published_total', { topic: 'order.events', type: 'OrderPlaced' }, 1],
      ['order', 'outbox_published_total', { topic: 'order.events', type: 'OrderDelivered' }, 1],
      ['order', 'outbox_relay_lag_seconds_count', { topic: 'order.events' }, 6],
      ['store', 'outbox_published_total', { topic: 'store.events', type: 'TicketReady' }, 1],
    ];
    // Consumers run after the order's status is visible (the dashboard last): wait for the facts.
    // And for the relays' counts: a relay counts a publish once the broker has acknowledged it and
    // the row is marked published, which can be after a consumer has already handled the record.
    const after = await waitFor(
      async () => {
        const now = await scrapeAll();
        for (const [group, types] of Object.entries(CONSUMED_BY_ONE_DELIVERY)) {
          for (const [type, n] of Object.entries(types))
            if (grew(now, group as ServiceName, 'events_consumed_total', handled(group, type)) < n)
              return null;
        }
        if (RELAYED.some(([svc, name, labels, n]) => grew(now, svc, name, labels) < n)) return null;
        return now;
      },
      { what: 'every consumer to have handled the order, and every relay to have counted it' },
    );
    for (const [group, types] of Object.entries(CONSUMED_BY_ONE_DELIVERY)) {
      const svc = group as ServiceName;
      for (const [type, n] of Object.entries(types))
        expect(grew(after, svc, 'events_consumed_total', handled(group, type)), `${group} ${type}`).toBe(n);
      expect(after[svc].value('event_handling_duration_seconds_count', { group })).toBeGreaterThan(
        before[svc].value('event_handling_duration_seconds_count', { group }),
      );
    }

    const delta = (svc: ServiceName, name: string, labels: Record<string, string> = {}) =>
      grew(after, svc, name, labels);
    // One order placed: at the router and at the order subgraph; the relays as RELAYED says.
    expect(
      delta('router', 'graphql_requests_total', {
        operation: 'MetricsPlaceOrder',
        type: 'mutation',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      delta('router', 'graphql_request_duration_seconds_count', { operation: 'MetricsPlaceOrder' }),
    ).toBe(1);
    expect(
      delta('order', 'graphql_requests_total', {
        operation: 'MetricsPlaceOrder__order__0',
        type: 'mutation',
        outcome: 'ok',
      }),
    ).toBe(1);
    for (const [svc, name, labels, n] of RELAYED)
      expect(delta(svc, name, labels), `${svc} ${name} ${JSON.stringify(labels)}`).toBe(n);
    expect(
      delta('router', 'router_subgraph_fetch_duration_seconds_count', { subgraph: 'order', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(delta('order', 'db_transaction_duration_seconds_count', { kind: 'transaction' })).toBeGreaterThan(
      0,
    );
    // Gauges: nothing left to relay or consume, nothing dead-lettered, no live subscription.
    expect(after.order.value('outbox_pending_events', { topic: 'order.events' })).toBe(0);
    expect(after.dashboard.value('consumer_lag_events', { group: 'dashboard' })).toBe(0);
    expect(after.order.value('dlq_events', { topic: 'order.events.dlq' })).toBe(0);
    expect(after.router.value('router_subscriptions', { kind: 'clients' })).toBe(0);
    expect(after.order.value('circuit_breaker_state', { breaker: 'payment-capture' })).toBe(0);

    // The trace: every span about this order (bus publish/process, saga continuations) is in one trace…
    const about = (s: ReceivedSpan) => s.attributes['baemin.order.id'] === orderId;
    // Each process exports on its own schedule: wait until the last event's span and every
    // parent of the order's spans have arrived.
    const orphans = (trace: ReceivedSpan[]) => {
      const ids = new Set(trace.map((s) => s.spanId));
      return trace.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
    };
    const spans = await waitFor(
      () => {
        const mine = receiver.spans.filter(about);
        const done = mine.some((s) => s.service === 'dashboard' && s.name.endsWith('OrderDelivered'));
        if (!done) return null;
        const ids = new Set(mine.map((s) => s.traceId));
        return orphans(receiver.spans.filter((s) => ids.has(s.traceId))).length === 0 ? mine : null;
      },
      { what: `the spans of order ${orderId} to be exported` },
    );
    const traceIds = new Set(spans.map((s) => s.traceId));
    expect([...traceIds]).toHaveLength(1);
    const [traceId] = traceIds;
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    // …that starts at the router's placeOrder request, spans all six services…
    const root = trace.filter((s) => !s.parentSpanId);
    expect(root.map((s) => `${s.service} ${s.kind}`)).toEqual([`router ${SpanKinds.server}`]);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(SERVICES));
    // …goes through the bus on every topic (published by the relay, processed by each consumer)…
    const onBus = (kind: number) =>
      new Set(
        trace.filter((s) => s.kind === kind).map((s) => String(s.attributes['messaging.destination.name'])),
      );
    for (const topic of ['order.events', 'store.events', 'delivery.events', 'payment.events']) {
      expect(onBus(SpanKinds.producer), topic).toContain(topic);
      expect(onBus(SpanKinds.consumer), topic).toContain(topic);
    }
    // …calls payment synchronously to capture (order's CLIENT span; payment continued it from the
    // traceparent the call carried)…
    const capture = trace.filter((s) => s.service === 'order' && s.kind === SpanKinds.client);
    expect(capture.map((s) => s.name)).toContain('POST payment');
    const captureIds = new Set(capture.map((s) => s.spanId));
    expect(
      trace
        .filter((s) => s.service === 'payment' && s.kind === SpanKinds.server)
        .filter((s) => s.parentSpanId && captureIds.has(s.parentSpanId))
        .map((s) => s.name),
    ).toEqual(['POST /internal/payments/capture']);
    // …and the owner's and rider's own requests are linked into it (acceptOrder, pickUp, …).
    const linked = trace.filter((s) => s.name === 'saga continue').flatMap((s) => s.links);
    expect(linked.length).toBeGreaterThan(0);
    const requestSpans = new Set(
      receiver.spans.filter((s) => s.kind === SpanKinds.server).map((s) => s.spanId),
    );
    for (const l of linked) {
      expect(l.traceId).not.toBe(traceId);
      expect(requestSpans.has(l.spanId)).toBe(true);
    }
    // Every span of the trace has its parent in the trace (nothing orphaned on the way).
    expect(orphans(trace).map((s) => s.name)).toEqual([]);
  });

  it('payment failing opens the breaker; the next order is rejected by it and counted once', async () => {
    const fault = (mode: string) =>
      fetch(`${sys.url('payment')}/internal/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sys.callerHeaders('service', 'order') },
        body: JSON.stringify({ mode }),
      });
    expect((await fault('error')).status).toBe(200);
    const place = () =>
      sys.gql(
        PLACE_ORDER,
        { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
        sys.token('customer', 'bob'),
      );
    try {
      await waitFor(
        async () => {
          expectCode(await place(), 'PAYMENT_UNAVAILABLE');
          return (
            (await scrapeMetrics(sys.url('order'))).value('circuit_breaker_state', {
              breaker: 'payment-capture',
            }) === 2
          );
        },
        { what: 'the payment breaker to open', intervalMs: 10 },
      );
      const before = await scrapeMetrics(sys.url('order'));
      expectCode(await place(), 'PAYMENT_UNAVAILABLE');
      const after = await scrapeMetrics(sys.url('order'));
      expect(
        after.value('circuit_breaker_rejections_total', { breaker: 'payment-capture' }) -
          before.value('circuit_breaker_rejections_total', { breaker: 'payment-capture' }),
      ).toBe(1);
      expect(
        after.value('circuit_breaker_calls_total', { breaker: 'payment-capture', result: 'failure' }) -
          before.value('circuit_breaker_calls_total', { breaker: 'payment-capture', result: 'failure' }),
      ).toBe(0);
      // The failures that opened it were counted too.
      expect(after.value('circuit_breaker_calls_total', { result: 'failure' })).toBeGreaterThan(0);
      expect(after.value('graphql_errors_total', { code: 'PAYMENT_UNAVAILABLE' })).toBeGreaterThan(0);
    } finally {
      await fault('none');
    }
  });
});
