import { join } from 'node:path';
import {
  createEnvelope,
  DeliveryEvents,
  type DeliveryPayload,
  loadServiceConfig,
  type TicketPayload,
  type TicketStatus,
  Topics,
} from '@baemin/platform';
import { catalogStores, type OrderRow } from '../src/db/schema.js';
import { type OrderStartOptions, start } from '../src/server.js';
import { SNAPSHOTS, snapshotEnvelope } from './fixtures.js';
import { EmbeddedEventBus, republish, readyStatus, SECRET, tempDir, waitFor } from '@baemin/platform/testing';
import { PaymentStub } from './paymentStub.js';

/** One order subgraph on a temp dir, a payment stub, and a handle on the same embedded event log. */
export interface Harness {
  order: Awaited<ReturnType<typeof start>>;
  stub: PaymentStub;
  bus: EmbeddedEventBus;
  eventLogPath: string;
  /** Where the order context keeps its database (order.db). */
  dataDir: string;
  close(): Promise<void>;
}

export async function startHarness(
  payment: OrderStartOptions['payment'] = {},
  seedCatalog = true,
  /** The order context's clock (opening hours). Default the system clock. */
  clock?: () => Date,
): Promise<Harness> {
  const tmp = tempDir('order-it-');
  const stub = await new PaymentStub(SECRET).start();
  const eventLogPath = join(tmp.dir, 'eventlog.db');
  const order = await start({
    port: 0,
    dataDir: tmp.dir,
    eventLogPath,
    internalSecret: SECRET,
    urls: { ...loadServiceConfig('order').urls, payment: stub.url },
    payment,
    ...(clock ? { clock } : {}),
  });
  const bus = new EmbeddedEventBus({ path: eventLogPath });
  if (seedCatalog) {
    for (const s of SNAPSHOTS) await republish(bus, Topics.store, snapshotEnvelope(s));
    await waitFor(async () => (await readyStatus(order.url)) === 200, {
      timeoutMs: 5000,
      what: 'order /ready',
    });
    await waitFor(
      async () =>
        (await order.database.reader.select({ id: catalogStores.id }).from(catalogStores)).length >=
        SNAPSHOTS.length,
      { timeoutMs: 5000, what: 'the replicated catalogue' },
    );
  }
  return {
    order,
    stub,
    bus,
    eventLogPath,
    dataDir: tmp.dir,
    close: async () => {
      await order.close();
      await bus.close();
      await stub.close();
      tmp.cleanup();
    },
  };
}

export function ticketEvent(
  type: string,
  order: Pick<OrderRow, 'id' | 'storeId' | 'ownerId' | 'customerId'>,
  status: TicketStatus,
  reason?: string,
) {
  const payload: TicketPayload = {
    orderId: order.id,
    storeId: order.storeId,
    ownerId: order.ownerId,
    customerId: order.customerId,
    status,
    at: new Date().toISOString(),
    ...(reason ? { reason } : {}),
  };
  return createEnvelope('store', { type, correlationId: order.id, payload });
}

export function deliveryEvent(
  type: (typeof DeliveryEvents)[keyof typeof DeliveryEvents],
  order: Pick<OrderRow, 'id' | 'storeId' | 'customerId'>,
  riderId: string,
) {
  const payload: DeliveryPayload = {
    deliveryId: `d-${order.id}`,
    orderId: order.id,
    storeId: order.storeId,
    customerId: order.customerId,
    status: type === DeliveryEvents.DeliveryCompleted ? 'DELIVERED' : 'PICKED_UP',
    riderId,
    at: new Date().toISOString(),
  };
  return createEnvelope('delivery', { type, correlationId: order.id, payload });
}
