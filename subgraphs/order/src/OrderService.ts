import { randomUUID } from 'node:crypto';
import {
  type Caller,
  type Database,
  domainError,
  ErrorCode,
  invalidTransition,
  isWithinOpeningHours,
  logger,
  notFound,
  type OpeningPeriod,
  OrderEvents,
  type OrderLine,
  type OrderPlacedPayload,
  type Outbox,
} from '@baemin/platform';
import { and, eq, inArray } from 'drizzle-orm';
import { assertOwnsOrder } from './auth.js';
import type * as schema from './db/schema.js';
import {
  abandonedOrders,
  catalogMenuItems,
  catalogStores,
  type OrderRow,
  orderItems,
  orders,
} from './db/schema.js';
import { writeTransition } from './orderEvents.js';
import { requestCancel } from './orderStateMachine.js';
import type { PaymentClient } from './PaymentClient.js';
import { type PlaceOrderInputRaw, validatePlaceOrderInput } from './placeOrderInput.js';

/** Thrown inside placeOrder's transaction when payment's orphan sweeper abandoned the id first. */
class OrderAbandonedError extends Error {
  override name = 'OrderAbandonedError';
}

/** Retry hint for an order abandoned by the orphan sweeper: a new attempt is a new order id. */
const ABANDONED_RETRY_AFTER_SECONDS = 1;

/**
 * The order context's commands. placeOrder is the saga's only synchronous step: payment is
 * captured first (outside any transaction), and only a captured order is written, together with
 * its OrderPlaced event, in one transaction.
 */
export class OrderService {
  constructor(
    private readonly database: Database<typeof schema>,
    private readonly outbox: Outbox,
    private readonly payment: PaymentClient,
    /** The clock opening hours are judged by; tests pass their own. Default the system clock. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async placeOrder(caller: Caller, raw: PlaceOrderInputRaw): Promise<OrderRow> {
    const input = validatePlaceOrderInput(raw);
    const db = this.database.reader;
    if (input.idempotencyKey !== null) {
      const existing = await this.findByIdempotencyKey(caller.id, input.idempotencyKey);
      if (existing) return existing;
    }

    const ids = input.lines.map((l) => l.menuItemId);
    // Store and items in ONE statement, so one snapshot of the replica: a StoreUpserted applied
    // meanwhile (a price change) is either wholly in this order's prices or wholly not, never a mix
    // of old and new lines or of an old fee with new prices.
    const rows = await db
      .select({ store: catalogStores, item: catalogMenuItems })
      .from(catalogStores)
      .leftJoin(
        catalogMenuItems,
        and(eq(catalogMenuItems.storeId, catalogStores.id), inArray(catalogMenuItems.id, ids)),
      )
      .where(eq(catalogStores.id, input.storeId));
    const store = rows[0]?.store;
    if (!store) throw notFound('Store', input.storeId);
    if (!store.open)
      throw domainError(ErrorCode.STORE_CLOSED, `${store.name} is closed right now`, { storeId: store.id });
    if (!isWithinOpeningHours(JSON.parse(store.openingHours) as OpeningPeriod[], store.timeZone, this.now()))
      throw domainError(ErrorCode.STORE_CLOSED, `${store.name} is outside its opening hours`, {
        storeId: store.id,
        reason: 'OUTSIDE_OPENING_HOURS',
      });
    const menu = new Map(rows.flatMap((r) => (r.item ? [[r.item.id, r.item] as const] : [])));
    const lines: OrderLine[] = [];
    for (const l of input.lines) {
      const item = menu.get(l.menuItemId);
      if (!item || item.storeId !== store.id) {
        throw domainError(
          ErrorCode.BAD_USER_INPUT,
          `Menu item ${l.menuItemId} is not on the menu of ${store.name}`,
          {
            field: 'items',
            menuItemId: l.menuItemId,
          },
        );
      }
      if (!item.available) {
        throw domainError(ErrorCode.MENU_ITEM_UNAVAILABLE, `${item.name} is sold out`, {
          menuItemId: item.id,
        });
      }
      lines.push({ menuItemId: item.id, name: item.name, quantity: l.quantity, unitPrice: item.price });
    }
    const subtotal = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
    if (subtotal < store.minimumOrder)
      throw domainError(
        ErrorCode.MINIMUM_ORDER_NOT_MET,
        `${store.name} takes orders from ${store.minimumOrder} won; this one is ${subtotal} won`,
        { storeId: store.id, minimumOrder: store.minimumOrder, subtotal },
      );
    // The fee as published with the same snapshot as the prices.
    const deliveryFee = store.deliveryFee;
    const total = subtotal + deliveryFee;

    const orderId = randomUUID();
    // Never inside a transaction: a slow payment must not hold the database's write lock.
    const payment = await this.payment.capture({
      orderId,
      customerId: caller.id,
      storeId: store.id,
      ownerId: store.ownerId,
      amount: total,
    });

    let result: { row: OrderRow; duplicate: boolean };
    try {
      result = await this.database.transaction(async (tx) => {
        if (input.idempotencyKey !== null) {
          // A concurrent retry with the same key may have committed while we were at payment.
          const [dup] = await tx
            .select()
            .from(orders)
            .where(and(eq(orders.customerId, caller.id), eq(orders.idempotencyKey, input.idempotencyKey)));
          if (dup) return { row: dup, duplicate: true };
        }
        // The fence (docs/saga.md, "Orphan captures"): if payment's sweeper gave up on this id
        // while we were paused between capture and here, its capture is (being) refunded and
        // the order must never exist. Same write transaction as the insert, so no interleaving.
        const [abandoned] = await tx
          .select({ orderId: abandonedOrders.orderId })
          .from(abandonedOrders)
          .where(eq(abandonedOrders.orderId, orderId));
        if (abandoned) throw new OrderAbandonedError(orderId);
        const now = new Date().toISOString();
        const [row] = await tx
          .insert(orders)
          .values({
            id: orderId,
            customerId: caller.id,
            storeId: store.id,
            ownerId: store.ownerId,
            storeName: store.name,
            total,
            deliveryFee,
            status: 'PLACED',
            progress: 'PLACED',
            statusReason: null,
            riderId: null,
            version: 1,
            idempotencyKey: input.idempotencyKey,
            paymentId: payment.id,
            placedAt: now,
            updatedAt: now,
          })
          .returning();
        await tx.insert(orderItems).values(lines.map((l, i) => ({ orderId, lineNo: i + 1, ...l })));
        const payload: OrderPlacedPayload = {
          orderId,
          customerId: caller.id,
          storeId: store.id,
          ownerId: store.ownerId,
          status: 'PLACED',
          previousStatus: null,
          version: 1,
          at: now,
          storeName: store.name,
          items: lines,
          total,
          deliveryFee,
          paymentId: payment.id,
        };
        await this.outbox.add(tx, { type: OrderEvents.OrderPlaced, correlationId: orderId, payload });
        return { row: row!, duplicate: false };
      });
    } catch (err) {
      if (err instanceof OrderAbandonedError) {
        logger.warn('order abandoned by the orphan sweeper before it was written; not placed', { orderId });
        // The sweeper refunds it; asking again is idempotent and covers a sweeper that died after the fence.
        void this.payment.refund(orderId, 'order abandoned before it was written');
        throw domainError(
          ErrorCode.PAYMENT_UNAVAILABLE,
          'The order took too long to confirm and was not placed; its payment is refunded. Please place it again',
          { reason: 'ORDER_ABANDONED', orderId, retryAfterSeconds: ABANDONED_RETRY_AFTER_SECONDS },
        );
      }
      logger.error('order not persisted after payment was captured; refunding', {
        orderId,
        error: (err as Error).message,
      });
      void this.payment.refund(orderId, 'order not persisted');
      throw domainError(ErrorCode.INTERNAL, 'The order could not be saved; the payment is being refunded');
    }
    if (result.duplicate) {
      // The other request's order stands; this capture was a second charge for the same order.
      void this.payment.refund(orderId, 'duplicate idempotency key');
      return result.row;
    }
    this.outbox.notify();
    return result.row;
  }

  async cancelOrder(caller: Caller, orderId: string): Promise<OrderRow> {
    const row = await this.database.transaction(async (tx) => {
      const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (!order) throw notFound('Order', orderId);
      assertOwnsOrder(caller, order);
      const transition = requestCancel(order);
      if (!transition) throw invalidTransition('order', orderId, order.status, 'cancel');
      return writeTransition(tx, this.outbox, order, transition, null);
    });
    this.outbox.notify();
    return row;
  }

  /**
   * The orphan sweeper's fence, in one write transaction: an existing order answers `exists`;
   * otherwise the id is recorded as abandoned (idempotent), so placeOrder can never write it.
   */
  async existsOrAbandon(orderId: string, requestedBy: string): Promise<'exists' | 'abandoned'> {
    return this.database.transaction(async (tx) => {
      const [row] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId)).limit(1);
      if (row) return 'exists';
      await tx
        .insert(abandonedOrders)
        .values({ orderId, abandonedAt: new Date().toISOString(), requestedBy })
        .onConflictDoNothing();
      return 'abandoned';
    });
  }

  private async findByIdempotencyKey(customerId: string, key: string): Promise<OrderRow | undefined> {
    const [row] = await this.database.reader
      .select()
      .from(orders)
      .where(and(eq(orders.customerId, customerId), eq(orders.idempotencyKey, key)));
    return row;
  }
}
