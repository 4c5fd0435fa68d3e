import type { ConsumerHandle, DeliveredRecord, EventBus } from '../bus/EventBus.js';
import type { Database, Tx } from '../db/Database.js';
import { paramsFor, preparedIn } from '../db/preparedIn.js';
import { inbox } from '../db/tables.js';
import type { EventEnvelope } from '../events/EventEnvelope.js';
import { logger } from '../logger.js';
import { withLogContext } from '../telemetry/logContext.js';
import { testHooks } from '../testHooks.js';
import { metrics, secondsSince } from '../telemetry/metrics.js';
import { consumeTraced } from '../telemetry/traceBus.js';
import type { Outbox } from './Outbox.js';

/**
 * A handler runs inside the consumer's transaction: whatever it writes (state and outbox rows)
 * commits together with the inbox row, or not at all.
 */
export type EventHandler<S extends Record<string, unknown>> = (
  tx: Tx<S>,
  // biome-ignore lint/suspicious/noExplicitAny: each handler narrows the payload to its event's type
  envelope: EventEnvelope<any>,
  record: DeliveredRecord,
) => Promise<void>;

/**
 * A context's handlers, by event type: what every subgraph's `src/handlers.ts` exports as
 * `eventHandlers(deps)`. Types without a handler are skipped (and committed).
 */
export type EventHandlers<S extends Record<string, unknown>> = Partial<Record<string, EventHandler<S>>>;

export interface EventConsumerOptions<S extends Record<string, unknown>> {
  bus: EventBus;
  database: Database<S>;
  /** Consumer group and inbox consumer name, e.g. `store`. */
  group: string;
  topics: string[];
  /** Handlers by event type. Types without a handler are skipped (and committed). */
  handlers: Partial<Record<string, EventHandler<S>>>;
  /** Outbox to wake after a handler committed events. */
  outbox?: Outbox;
  /** Called after each handled (non-duplicate) event committed; e.g. to push live updates. */
  afterCommit?: (envelope: EventEnvelope) => void;
}

/**
 * Idempotent consumer: the inbox row (consumer, event id) is inserted in the same transaction as
 * the handler's effect, so a redelivered event changes nothing. The bus commits the offset only
 * after this returns.
 *
 * Fault injection (a test hook, see testHooks): with FAULT_KILL_AFTER_HANDLE=<event type>, the
 * process kills itself with SIGKILL right after committing the transaction of a newly handled event
 * of that type (effect + inbox row committed, outbox not yet woken, offset not yet committed): the
 * crash window that at-least-once delivery plus the inbox must absorb. Never in production.
 */
export async function startEventConsumer<S extends Record<string, unknown>>(
  options: EventConsumerOptions<S>,
): Promise<ConsumerHandle> {
  const { bus, database, group, handlers } = options;
  const killAfter = testHooks().value('FAULT_KILL_AFTER_HANDLE') ?? null;
  if (killAfter) logger.warn('fault injection armed: SIGKILL after handling', { group, type: killAfter });
  return bus.subscribe({
    group,
    topics: options.topics,
    // The embedded log refuses a second member of this group that writes to another database file.
    storeId: database.instanceId,
    handler: async (record) => {
      const envelope = record.envelope;
      const handler = handlers[envelope.type];
      if (!handler) {
        metrics.eventsConsumed.inc({ group, type: envelope.type, outcome: 'ignored' });
        return;
      }
      const start = process.hrtime.bigint();
      // Every log line and span of this event names its order (the saga's correlation id).
      const handled = await withLogContext(
        { orderId: envelope.correlationId, eventId: envelope.id, eventType: envelope.type },
        () =>
          consumeTraced(group, record, () =>
            database.transaction(async (tx) => {
              const inserted = await preparedIn<unknown[]>(
                tx,
                'inbox:insert',
                (p, values) =>
                  tx
                    .insert(inbox)
                    .values(paramsFor(p, values))
                    .onConflictDoNothing()
                    .returning({ id: inbox.eventId }),
                {
                  consumer: group,
                  eventId: envelope.id,
                  eventType: envelope.type,
                  handledAt: new Date().toISOString(),
                },
              );
              if (inserted.length === 0) {
                logger.debug('duplicate event ignored', { group, eventId: envelope.id, type: envelope.type });
                return false;
              }
              await handler(tx, envelope, record);
              return true;
            }),
          ),
      );
      metrics.eventsConsumed.inc({ group, type: envelope.type, outcome: handled ? 'handled' : 'duplicate' });
      if (handled) {
        metrics.eventHandlingDuration.observe({ group, type: envelope.type }, secondsSince(start));
        const occurred = Date.parse(envelope.occurredAt);
        if (Number.isFinite(occurred))
          metrics.eventDeliveryLag.observe(
            { group, type: envelope.type },
            Math.max(0, Date.now() - occurred) / 1000,
          );
      }
      if (handled && envelope.type === killAfter) {
        logger.warn('fault injection: SIGKILL after commit, before the offset commit', {
          group,
          eventId: envelope.id,
          type: envelope.type,
        });
        process.kill(process.pid, 'SIGKILL');
        // Never reached in practice; guarantees nothing after this point (the offset commit) runs.
        await new Promise<never>(() => {});
      }
      if (handled) {
        options.outbox?.notify();
        options.afterCommit?.(envelope);
      }
    },
  });
}
