import { logger, type Outbox, preparedIn, type Tx, UnknownEntityError } from '@baemin/platform';
import { eq } from 'drizzle-orm';
import type * as schema from '../db/schema.js';
import { type OrderRow, orders } from '../db/schema.js';
import { writeTransition } from '../orderEvents.js';
import { applyOrderEvent, type OrderStimulus } from '../orderStateMachine.js';

/** Where a participant's reply came from: the event that carried it. */
export interface ReplyCause {
  /** Event id, the causation id of what the order emits in answer. */
  id: string;
  type: string;
}

/**
 * A participant's reply, applied to the order inside the consumer's transaction: the order
 * state machine decides, the transition and its order.events are written with the inbox row, so
 * a redelivery changes nothing. Returns the order as it is afterwards.
 */
export async function applyToOrder(
  tx: Tx<typeof schema>,
  outbox: Outbox,
  orderId: string,
  stimulus: OrderStimulus,
  cause: ReplyCause,
): Promise<OrderRow> {
  const [order] = await preparedIn<OrderRow[]>(
    tx,
    'order:byId',
    (p) =>
      tx
        .select()
        .from(orders)
        .where(eq(orders.id, p('orderId'))),
    { orderId },
  );
  if (!order) {
    // Never dropped silently: it may be early, or a replica on another database holds the
    // order. Retried for the unknown-entity window, then dead-lettered with an alert.
    throw new UnknownEntityError(`unknown order ${orderId} for ${cause.type} (event ${cause.id})`);
  }
  const transition = applyOrderEvent(order, stimulus);
  if (!transition.changed) {
    logger.debug('stale or inapplicable event ignored', { orderId, type: cause.type, status: order.status });
    return order;
  }
  return writeTransition(tx, outbox, order, transition, cause.id);
}
