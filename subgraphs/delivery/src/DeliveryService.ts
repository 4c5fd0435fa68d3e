import {
  afterKey,
  cursorList,
  type Caller,
  type Connection,
  pageRequest,
  type SortColumn,
  toConnection,
  type Database,
  domainError,
  ErrorCode,
  forbidden,
  invalidTransition,
  isOrderIdShape,
  isRefusal,
  notFound,
  type Outbox,
} from '@baemin/platform';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { type DeliveryRow, deliveries } from './db/schema.js';
import type * as schema from './db/schema.js';
import { emitDeliveryEvent } from './deliveryEvents.js';
import { type DeliveryAction, applyDeliveryEvent } from './deliveryStateMachine.js';

type Schema = typeof schema;

const MAX_ID_LENGTH = 100;
/** Cursors of the two lists: oldest ready first (createdAt, id), newest pickup first (pickedUpAt, id). */
const AVAILABLE_DELIVERIES = cursorList('availableDeliveryConnection', 'string', 'string');
const MY_DELIVERIES = cursorList('myDeliveryConnection', 'string', 'string');

function checkOrderId(orderId: string): string {
  if (orderId.length === 0 || orderId.length > MAX_ID_LENGTH) {
    throw domainError(ErrorCode.BAD_USER_INPUT, `orderId must be 1 to ${MAX_ID_LENGTH} characters`);
  }
  return orderId;
}

/** The delivery context's write and read side. */
export class DeliveryService {
  constructor(
    private readonly database: Database<Schema>,
    private readonly outbox: Outbox,
  ) {}

  /** `rider` passed `requireRider` (auth.ts). */
  pickUp(rider: Caller, orderId: string): Promise<DeliveryRow> {
    return this.transition(rider, checkOrderId(orderId), 'pickUp');
  }

  /** `rider` passed `requireRider` (auth.ts); only the one who picked it up may complete it. */
  completeDelivery(rider: Caller, orderId: string): Promise<DeliveryRow> {
    return this.transition(rider, checkOrderId(orderId), 'completeDelivery');
  }

  private async transition(rider: Caller, orderId: string, action: DeliveryAction): Promise<DeliveryRow> {
    const updated = await this.database.transaction(async (tx) => {
      const [current] = await tx.select().from(deliveries).where(eq(deliveries.orderId, orderId)).limit(1);
      // Without a delivery this context cannot tell an order still cooking, or one whose
      // TicketReady is still on its way while the order context already shows READY, from no order
      // at all: both are NOT_READY (try again later). Only an id no order can have is unknown for
      // certain, and that alone is NOT_FOUND.
      if (!current && !isOrderIdShape(orderId)) throw notFound('Order', orderId);
      const outcome = applyDeliveryEvent(current ?? null, { type: action, riderId: rider.id });
      if (isRefusal(outcome)) {
        if (outcome.refused === 'FORBIDDEN')
          throw forbidden('Only the rider who picked it up can complete it');
        throw invalidTransition('delivery of order', orderId, outcome.status, action);
      }
      // The machine moves only an existing delivery on a rider's command.
      const existing = current!;
      const at = new Date().toISOString();
      const row: DeliveryRow =
        outcome.state?.status === 'PICKED_UP'
          ? { ...existing, status: 'PICKED_UP', riderId: rider.id, pickedUpAt: at }
          : { ...existing, status: 'DELIVERED', deliveredAt: at };
      await tx
        .update(deliveries)
        .set({
          status: row.status,
          riderId: row.riderId,
          pickedUpAt: row.pickedUpAt,
          deliveredAt: row.deliveredAt,
        })
        .where(and(eq(deliveries.id, existing.id), eq(deliveries.status, existing.status)));
      for (const e of outcome.events) await emitDeliveryEvent(tx, this.outbox, e.type, row, at, null);
      return row;
    });
    this.outbox.notify();
    return updated;
  }

  /** The deliveries of many orders in one query (a batch of entity fetches). */
  async findByOrders(orderIds: readonly string[]): Promise<DeliveryRow[]> {
    return this.database.reader
      .select()
      .from(deliveries)
      .where(inArray(deliveries.orderId, [...orderIds]));
  }

  async findByOrder(orderId: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.database.reader
      .select()
      .from(deliveries)
      .where(eq(deliveries.orderId, orderId))
      .limit(1);
    return row;
  }

  /** Oldest first: the food that has waited longest goes first. */
  available(): Promise<DeliveryRow[]> {
    return this.database.reader
      .select()
      .from(deliveries)
      .where(eq(deliveries.status, 'AVAILABLE'))
      .orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  }

  /** A page of {@link available}, in the same order. */
  async availablePage(args: {
    first?: number | null;
    after?: string | null;
  }): Promise<Connection<DeliveryRow>> {
    const page = pageRequest(args, AVAILABLE_DELIVERIES);
    const order: SortColumn[] = [
      { column: deliveries.createdAt, direction: 'asc' },
      { column: deliveries.id, direction: 'asc' },
    ];
    const rows = await this.database.reader
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.status, 'AVAILABLE'), page.after ? afterKey(order, page.after) : undefined))
      .orderBy(asc(deliveries.createdAt), asc(deliveries.id))
      .limit(page.first + 1);
    return toConnection(rows, page, (r) => [r.createdAt, r.id]);
  }

  /** A page of {@link ofRider}, in the same order. */
  async riderPage(
    riderId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<DeliveryRow>> {
    const page = pageRequest(args, MY_DELIVERIES);
    const order: SortColumn[] = [
      { column: deliveries.pickedUpAt, direction: 'desc' },
      { column: deliveries.id, direction: 'desc' },
    ];
    const rows = await this.database.reader
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.riderId, riderId), page.after ? afterKey(order, page.after) : undefined))
      .orderBy(desc(deliveries.pickedUpAt), desc(deliveries.id))
      .limit(page.first + 1);
    // A rider's deliveries always have pickedUpAt (set together with riderId).
    return toConnection(rows, page, (r) => [r.pickedUpAt ?? '', r.id]);
  }

  /** Newest pickup first. */
  ofRider(riderId: string): Promise<DeliveryRow[]> {
    return this.database.reader
      .select()
      .from(deliveries)
      .where(eq(deliveries.riderId, riderId))
      .orderBy(desc(deliveries.pickedUpAt), desc(deliveries.id));
  }
}
