import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { partitionFor } from '../../packages/platform/src/bus/partitionFor.js';
import { consumerKilledBetweenHandleAndCommit } from '../harness/consumerCrash.js';
import {
  DEMO,
  dashboard,
  type OrderView,
  driveToDelivered,
  ownerDoes,
  paymentStatus,
  placeOrder,
  waitForDashboard,
  waitForOrderStatus,
  waitForTicket,
  waitForRefund,
} from '../harness/flows.js';
import { liveClient, subscribe } from '../harness/LiveClient.js';
import { TestSystem, waitFor } from '../harness/TestSystem.js';
import { queryServiceDb, readKafkaTopics, readSystemTopics } from '../harness/topics.js';
import { freePort } from '../../packages/platform/src/testing/freePort.js';

/**
 * The whole system (six processes) on a real Kafka broker: the one test/setup/kafkaGlobalSetup.ts
 * provides (KAFKA_BROKERS, or one it starts), plus a private broker for the outage test.
 */
const brokers = inject('kafkaBrokers');
const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);
const TOPICS = ['order.events', 'store.events', 'payment.events', 'delivery.events'];
const ENVELOPE_FIELDS = [
  'causationId',
  'correlationId',
  'id',
  'occurredAt',
  'payload',
  'producer',
  'schemaVersion',
  'type',
].sort();

if (!brokers) {
  // Never silent: CI must have Kafka; locally (E2E_KAFKA=0) the skip is shouted.
  console.warn(
    '\n*** test/e2e/kafka.e2e.ts: no Kafka broker (E2E_KAFKA=0), the Kafka system tests are NOT run ***\n',
  );
  it.skipIf(!process.env.CI)('a Kafka broker is available (required in CI)', () => {
    expect.fail('no Kafka broker: set KAFKA_BROKERS or let test/setup/kafkaGlobalSetup.ts start one');
  });
}

describe.runIf(brokers)('whole system on Kafka', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await TestSystem.start({
      kafkaBrokers: brokers,
      // The rebuild test keeps a watcher open while the dashboard is stopped, rebuilt and started.
      env: { ROUTER_SUBSCRIPTION_GIVE_UP_MS: '120000' },
    });
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('a consumer SIGKILLed after committing its effect, before the offset commit: the redelivery changes nothing', async () => {
    // First in this system: no OrderPlaced may be waiting for the store when the fault is armed.
    await consumerKilledBetweenHandleAndCommit(sys);
  });

  it('records are plain Kafka records: key, headers, JSON envelope, one partition per order, saga order', async () => {
    const order = await placeOrder(sys, 'rita');
    await driveToDelivered(sys, 'rita', order.id);
    const expected: Record<string, string[]> = {
      'order.events': [
        'OrderPlaced',
        'OrderAccepted',
        'OrderCookingStarted',
        'OrderReady',
        'OrderPickedUp',
        'OrderDelivered',
      ],
      'store.events': [
        'TicketCreated',
        'TicketAccepted',
        'TicketCookingStarted',
        'TicketReady',
        'TicketPickedUp',
      ],
      'payment.events': ['PaymentCaptured'],
      'delivery.events': ['DeliveryCreated', 'DeliveryPickedUp', 'DeliveryCompleted'],
    };
    const topicNames = TOPICS.map((t) => `${sys.namespace}.${t}`);
    let records: Awaited<ReturnType<typeof readKafkaTopics>> = [];
    const mine = (topic: string) =>
      records.filter((r) => r.topic === `${sys.namespace}.${topic}` && r.key === order.id);
    // TicketPickedUp follows OrderPickedUp asynchronously: read until every step is there.
    await waitFor(
      async () => {
        records = await readKafkaTopics(brokers, topicNames);
        return TOPICS.every((t) => mine(t).length >= expected[t]!.length);
      },
      { what: "all of the order's records", timeoutMs: 30_000, intervalMs: 500 },
    );
    const partition = partitionFor(order.id, 3);
    for (const topic of TOPICS) {
      const recs = mine(topic);
      // Saga order within each topic, nothing duplicated.
      expect(
        recs.map((r) => r.envelope.type),
        topic,
      ).toEqual(expected[topic]);
      for (const r of recs) {
        // One partition for every record of the order (same key, same partition count everywhere).
        expect(r.partition).toBe(partition);
        const value = JSON.parse(r.value) as Record<string, unknown>;
        expect(
          Object.keys(value)
            .filter((k) => k !== 'traceparent')
            .sort(),
        ).toEqual(ENVELOPE_FIELDS);
        expect(value.correlationId).toBe(order.id);
        expect(value.producer).toBe(topic.split('.')[0]);
        expect(value.schemaVersion).toBe(1);
        expect(typeof value.id).toBe('string');
        expect(Number.isNaN(Date.parse(value.occurredAt as string))).toBe(false);
        expect(r.headers).toMatchObject({
          'event-type': value.type,
          'event-id': value.id,
          'schema-version': String(value.schemaVersion),
          producer: value.producer,
          'correlation-id': order.id,
        });
        expect(r.headers['causation-id']).toBe((value.causationId as string | null) ?? undefined);
      }
      // Offsets grow with the saga (Kafka order = the order of the steps).
      const offsets = recs.map((r) => BigInt(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    const orderEvents = mine('order.events').map((r) => r.envelope);
    expect(orderEvents.map((e) => (e.payload as { version: number }).version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(orderEvents[0]!.payload).toMatchObject({
      orderId: order.id,
      status: 'PLACED',
      storeId: DEMO.store,
      total: order.total,
    });
    // The choreography is visible in the causation ids.
    const storeEvents = mine('store.events').map((r) => r.envelope);
    expect(storeEvents[0]!.causationId).toBe(orderEvents[0]!.id); // TicketCreated ← OrderPlaced
    expect(orderEvents[1]!.causationId).toBe(storeEvents[1]!.id); // OrderAccepted ← TicketAccepted

    // Topic settings: KAFKA_PARTITIONS=3 (the harness), infinite retention, a DLQ per topic.
    const kafka = new Kafka({
      brokers: brokers.split(','),
      clientId: 'e2e-admin',
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const all = [...topicNames, ...topicNames.map((t) => `${t}.dlq`)];
      const meta = await admin.fetchTopicMetadata({ topics: all });
      expect(meta.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(
        all.map((t) => [t, 3]).sort(),
      );
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: all.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms', 'cleanup.policy'],
        })),
      });
      for (const resource of configs.resources) {
        const entries = Object.fromEntries(resource.configEntries.map((c) => [c.configName, c.configValue]));
        expect(entries, resource.resourceName).toEqual({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('the dashboard, down for a while, catches up from its committed offsets', async () => {
    const a = await placeOrder(sys, 'sam');
    const b = await placeOrder(sys, 'sam');
    await waitForDashboard(sys, 'sam', b.id, (d) => d.status === 'PLACED', 'placed');
    await sys.stopService('dashboard');
    let c: OrderView | undefined;
    try {
      await waitForTicket(sys, a.id);
      await ownerDoes(sys, 'acceptOrder', a.id);
      await ownerDoes(sys, 'startCooking', a.id);
      await waitForOrderStatus(sys, 'sam', a.id, 'COOKING');
      await waitForTicket(sys, b.id);
      await sys.ok(
        `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`,
        { id: b.id },
        sys.token('customer', 'sam'),
      );
      await waitForOrderStatus(sys, 'sam', b.id, 'CANCELED');
      await waitForRefund(sys, 'sam', b.id);
      c = await placeOrder(sys, 'sam');
    } finally {
      await sys.startService('dashboard');
    }
    const da = await waitForDashboard(
      sys,
      'sam',
      a.id,
      (d) => d.status === 'COOKING',
      'caught up to COOKING',
    );
    expect(da).toMatchObject({ version: 3, paymentStatus: 'CAPTURED' });
    expect(da.acceptedAt && da.cookingAt).toBeTruthy();
    const db = await waitForDashboard(
      sys,
      'sam',
      b.id,
      (d) => d.status === 'CANCELED' && d.paymentStatus === 'REFUNDED',
      'caught up to CANCELED+REFUNDED',
    );
    expect(db.version).toBe(3); // PLACED, CANCEL_PENDING, CANCELED
    expect(db.cancelRequestedAt && db.canceledAt && db.refundedAt).toBeTruthy();
    const dc = await waitForDashboard(sys, 'sam', c!.id, (d) => d.status === 'PLACED', 'placed while away');
    expect(dc.version).toBe(1);
  });

  it('the dashboard is rebuilt by replaying the topics from offset 0, row for row the same', async () => {
    const delivered = await placeOrder(sys, 'uma');
    await driveToDelivered(sys, 'uma', delivered.id);
    const rejected = await placeOrder(sys, 'uma');
    await waitForTicket(sys, rejected.id);
    await sys.ok(
      `mutation($id: ID!) { rejectOrder(orderId: $id, reason: "Closed") { status } }`,
      { id: rejected.id },
      sys.token('owner', DEMO.owner),
    );
    const accepted = await placeOrder(sys, 'uma');
    await waitForTicket(sys, accepted.id);
    await ownerDoes(sys, 'acceptOrder', accepted.id);
    const settled = {
      [delivered.id]: (d: Record<string, unknown>) => d.status === 'DELIVERED' && d.riderId === 'rider-1',
      [rejected.id]: (d: Record<string, unknown>) =>
        d.status === 'REJECTED' && d.paymentStatus === 'REFUNDED',
      [accepted.id]: (d: Record<string, unknown>) => d.status === 'ACCEPTED',
    };
    const before: Record<string, Record<string, unknown>> = {};
    for (const [id, done] of Object.entries(settled))
      before[id] = await waitForDashboard(sys, 'uma', id, done, 'settled');
    // The customer watches an order through the router, across the rebuild.
    const watcher = liveClient(sys.routerUrl, sys.token('customer', 'uma'));
    const watched = subscribe<{ orderStatusChanged: { status: string; sequence: number } }>(
      watcher,
      `subscription($id: ID!) { orderStatusChanged(orderId: $id) { status sequence } }`,
      { id: accepted.id },
    );
    await waitFor(() => watched.results.length > 0, { what: 'the watched order now' });
    const seenBefore = watched.results.map((r) => r.data?.orderStatusChanged);
    expect(seenBefore.at(-1)?.status).toBe('ACCEPTED');

    await sys.stopService('dashboard');
    const env = { ...sys.env('dashboard') };
    const rebuild = () =>
      run(process.execPath, ['--import', 'tsx', 'subgraphs/dashboard/src/rebuild.ts'], { cwd: ROOT, env });
    try {
      const { stdout } = await rebuild();
      expect(stdout).toContain(`reset consumer group 'dashboard'`);
      expect(stdout).toContain('(kafka bus)');
      const deleted = Number(/deleted (\d+) dashboard rows/.exec(stdout)?.[1]);
      expect(deleted).toBeGreaterThanOrEqual(3);
      expect(queryServiceDb(sys, 'dashboard', 'SELECT order_id FROM dashboards')).toEqual([]);
    } finally {
      await sys.startService('dashboard');
    }
    for (const id of Object.keys(settled)) {
      await waitForDashboard(
        sys,
        'uma',
        id,
        (d) => JSON.stringify(d) === JSON.stringify(before[id]),
        'rebuilt',
      );
      expect(await dashboard(sys, 'uma', id)).toEqual(before[id]);
    }
    // The rebuilt read model keeps following new events.
    await ownerDoes(sys, 'startCooking', accepted.id);
    await waitForDashboard(
      sys,
      'uma',
      accepted.id,
      (d) => d.status === 'COOKING' && d.version === 3,
      'after rebuild',
    );
    // The watcher was sent none of the replay's changes (it had seen them all), and then the new
    // one, numbered above what it saw.
    await waitFor(() => watched.results.some((r) => r.data?.orderStatusChanged.status === 'COOKING'), {
      what: 'the watcher to see COOKING',
    });
    watched.unsubscribe();
    await watcher.dispose();
    expect(watched.results.filter((r) => r.errors)).toEqual([]);
    expect(watched.results.slice(seenBefore.length).map((r) => r.data?.orderStatusChanged)).toEqual([
      { status: 'COOKING', sequence: seenBefore.at(-1)!.sequence + 1 },
    ]);

    // While the dashboard runs, the command refuses (it would race the live consumer).
    const refused = await rebuild().catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain('stop it first');
  });
});

describe.runIf(brokers)('whole system on Kafka: broker outage (private broker)', () => {
  let sys: TestSystem | undefined;
  let dataDir: string;
  let kafkaEnv: NodeJS.ProcessEnv;
  const kafka = (cmd: 'start' | 'stop') =>
    run('bash', [join(ROOT, 'scripts/kafka.sh'), cmd], { env: kafkaEnv, timeout: 120_000 });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kafka-outage-'));
    kafkaEnv = {
      ...process.env,
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      KAFKA_DATA_DIR: dataDir,
    };
    await kafka('start');
    sys = await TestSystem.start({ kafkaBrokers: `127.0.0.1:${kafkaEnv.KAFKA_PORT}` });
  }, 180_000);
  afterAll(async () => {
    // Broker first back (if a failure left it down), so the services shut down cleanly.
    await kafka('start').catch(() => {});
    await sys?.close();
    await kafka('stop').catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('orders are taken while the broker is down; their events wait in the outboxes and flow, once, when it returns', async () => {
    const s = sys!;
    const warm = [await placeOrder(s, 'vic'), await placeOrder(s, 'vic')];
    for (const o of warm)
      await waitForDashboard(
        s,
        'vic',
        o.id,
        (d) => d.status === 'PLACED' && d.paymentStatus === 'CAPTURED',
        'warm',
      );

    const t0 = Date.now();
    await kafka('stop');
    const stoppedAfter = Date.now() - t0;
    const during: OrderView[] = [];
    // Payment is a synchronous call; nothing on this path needs the broker.
    for (let i = 0; i < 10; i++) during.push(await placeOrder(s, 'vic'));
    const placedAfter = Date.now() - t0 - stoppedAfter;
    expect(during.map((o) => o.status)).toEqual(Array(10).fill('PLACED'));
    for (const o of during) expect((await paymentStatus(s, 'vic', o.id))?.status).toBe('CAPTURED');

    // The events are held in the producers' outboxes; no consumer has seen them.
    const unpublished = (service: string, type: string) =>
      queryServiceDb<{ key: string }>(
        s,
        service,
        'SELECT key FROM outbox WHERE published_at IS NULL AND type = ?',
        type,
      ).map((r) => r.key);
    expect(unpublished('order', 'OrderPlaced').sort()).toEqual(during.map((o) => o.id).sort());
    expect(unpublished('payment', 'PaymentCaptured').sort()).toEqual(during.map((o) => o.id).sort());
    for (const o of during) expect(await dashboard(s, 'vic', o.id)).toBeNull();
    const tickets = await s.ok<{ myTickets: { orderId: string }[] }>(
      `{ myTickets { orderId } }`,
      {},
      s.token('owner', DEMO.owner),
    );
    expect(tickets.myTickets.filter((t) => during.some((o) => o.id === t.orderId))).toEqual([]);

    const t1 = Date.now();
    await kafka('start');
    const restartedAfter = Date.now() - t1;
    for (const o of during) await waitForTicket(s, o.id, 'AWAITING_ACCEPTANCE', DEMO.owner, 60_000);
    const ticketsAfter = Date.now() - t1;
    for (const o of during)
      await waitForDashboard(
        s,
        'vic',
        o.id,
        (d) => d.status === 'PLACED' && d.paymentStatus === 'CAPTURED',
        'flowed',
      );
    const dashboardsAfter = Date.now() - t1;
    await waitFor(() => unpublished('order', 'OrderPlaced').length === 0, { what: 'order outbox drained' });
    expect(unpublished('payment', 'PaymentCaptured')).toEqual([]);

    // Exactly once in effect: one ticket per order, every dashboard at version 1.
    const all = [...warm, ...during];
    const after = await s.ok<{ myTickets: { orderId: string; status: string }[] }>(
      `{ myTickets { orderId status } }`,
      {},
      s.token('owner', DEMO.owner),
    );
    for (const o of all)
      expect(after.myTickets.filter((t) => t.orderId === o.id)).toEqual([
        { orderId: o.id, status: 'AWAITING_ACCEPTANCE' },
      ]);
    for (const o of all) expect((await dashboard(s, 'vic', o.id))?.version).toBe(1);
    const placedEvents = (await readSystemTopics(s, ['order.events'])).filter(
      (r) => r.envelope.type === 'OrderPlaced',
    );
    for (const o of all)
      expect(placedEvents.filter((r) => r.envelope.correlationId === o.id).length).toBeGreaterThan(0);

    // And the saga runs to the end on the restarted broker.
    const last = during[9]!;
    await driveToDelivered(s, 'vic', last.id);
    await waitForDashboard(
      s,
      'vic',
      last.id,
      (d) => d.status === 'DELIVERED' && d.version === 6,
      'delivered',
    );
    console.info(
      `broker outage: stop ${stoppedAfter} ms; 10 orders placed in ${placedAfter} ms with the broker down; ` +
        `after restart (${restartedAfter} ms) all tickets in ${ticketsAfter} ms, dashboards in ${dashboardsAfter} ms`,
    );
  }, 150_000);
});
