import { expect } from 'vitest';
import { ORDER_OWN_FIELDS, ownerDoes, placeOrder, waitForOrderStatus, waitForTicket } from './flows.js';
import { type TestSystem, waitFor } from './TestSystem.js';
import { queryServiceDb, readSystemTopics } from './topics.js';
import { waitSettled } from '../../packages/platform/src/testing/waitSettled.js';

/**
 * The store is SIGKILLed (FAULT_KILL_AFTER_HANDLE, packages/platform/src/outbox/EventConsumer.ts)
 * right after committing its handling of an OrderPlaced (ticket, inbox row and TicketCreated in the
 * outbox) and before the bus commits the offset. After a normal restart the bus delivers that
 * OrderPlaced again: the inbox must make it a no-op (one ticket, one TicketCreated on the topic),
 * the outbox must still publish the TicketCreated written before the crash, and the saga goes on.
 * Expects no OrderPlaced to be waiting for the store when it starts.
 */
export async function consumerKilledBetweenHandleAndCommit(sys: TestSystem, customer = 'kai'): Promise<void> {
  await sys.stopService('store');
  await sys.startService('store', { env: { FAULT_KILL_AFTER_HANDLE: 'OrderPlaced' } });
  // Fields of the order context only: the store dies while this request is under way.
  const order = await placeOrder(sys, customer, undefined, undefined, ORDER_OWN_FIELDS);
  await waitFor(() => !sys.isRunning('store'), { what: 'the store to SIGKILL itself', timeoutMs: 30_000 });

  const placed = await waitFor(
    async () =>
      (await readSystemTopics(sys, ['order.events'])).find(
        (r) => r.envelope.type === 'OrderPlaced' && r.envelope.correlationId === order.id,
      ),
    { what: 'OrderPlaced on order.events', timeoutMs: 30_000 },
  );
  const killLine = sys
    .logs('store', Infinity)
    .split('\n')
    .find((l) => l.includes('fault injection: SIGKILL after commit'));
  expect(killLine, 'the store died in the injected fault').toBeDefined();
  expect(killLine).toContain(placed.envelope.id);

  // Everything the handler did was committed before the process died; nothing was published.
  expect(
    queryServiceDb<{ status: string }>(
      sys,
      'store',
      'SELECT status FROM tickets WHERE order_id = ?',
      order.id,
    ),
  ).toEqual([{ status: 'AWAITING_ACCEPTANCE' }]);
  expect(
    queryServiceDb(
      sys,
      'store',
      'SELECT event_type FROM inbox WHERE consumer = ? AND event_id = ?',
      'store',
      placed.envelope.id,
    ),
  ).toEqual([{ event_type: 'OrderPlaced' }]);
  expect(
    queryServiceDb(
      sys,
      'store',
      "SELECT published_at FROM outbox WHERE type = 'TicketCreated' AND key = ?",
      order.id,
    ),
  ).toEqual([{ published_at: null }]);

  // Restart normally, with debug logs to see the redelivered OrderPlaced being ignored.
  await sys.startService('store', { env: { LOG_LEVEL: 'debug' } });
  await waitFor(
    () =>
      sys
        .logs('store', Infinity)
        .split('\n')
        .some((l) => l.includes('duplicate event ignored') && l.includes(placed.envelope.id)),
    { what: 'the redelivered OrderPlaced to be ignored', timeoutMs: 60_000, intervalMs: 200 },
  );
  await waitForTicket(sys, order.id);
  const ticketCreated = async () =>
    (await readSystemTopics(sys, ['store.events'])).filter(
      (r) => r.envelope.type === 'TicketCreated' && r.envelope.correlationId === order.id,
    );
  await waitFor(async () => (await ticketCreated()).length > 0, { what: 'TicketCreated published' });
  // The store has consumed every redelivery and relayed what it wrote: one ticket event is final.
  await waitSettled(sys.url('store'), { timeoutMs: 30_000 });
  const created = await ticketCreated();
  expect(created).toHaveLength(1);
  expect(created[0]!.envelope.causationId).toBe(placed.envelope.id);
  expect(
    queryServiceDb(sys, 'store', 'SELECT order_id FROM tickets WHERE order_id = ?', order.id),
  ).toHaveLength(1);

  // The saga goes on.
  expect(await ownerDoes(sys, 'acceptOrder', order.id)).toBe('ACCEPTED');
  await waitForOrderStatus(sys, customer, order.id, 'ACCEPTED');
}
