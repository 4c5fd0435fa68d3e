import { randomUUID } from 'node:crypto';
import {
  type Caller,
  type Database,
  domainError,
  ErrorCode,
  forbidden,
  invalidTransition,
  logger,
  notFound,
  OrderEvents,
  type OrderLine,
  type OrderPlacedPayload,
  type Outbox,
} from '@baemin/platform';
import { and, eq, inArray } from 'drizzle-orm';
import type * as schema from './db/schema.js';
import { catalogMenuItems, catalogStores, type OrderRow, orderItems, orders } from './db/schema.js';
import { writeTransition } from './orderEvents.js';
import { requestCancel } from './orderStateMachine.js';
import type { PaymentClient } from './PaymentClient.js';
import { type PlaceOrderInputRaw, validatePlaceOrderInput } from './placeOrderInput.js';

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
  ) {}

  async placeOrder(caller: Caller, raw: PlaceOrderInputRaw): Promise<OrderRow> {
    const input = validatePlaceOrderInput(raw);
    const db = this.database.reader;
    if (input.idempotencyKey !== null) {
      const existing = await this.findByIdempotencyKey(caller.id, input.idempotencyKey);
      if (existing) return existing;
    }

    const [store] = await db.select().from(catalogStores).where(eq(catalogStores.id, input.storeId));
    if (!store) throw notFound('Store', input.storeId);
    if (!store.open)
      throw domainError(ErrorCode.STORE_CLOSED, `${store.name} is closed right now`, { storeId: store.id });
    const ids = input.lines.map((l) => l.menuItemId);
    const menu = new Map(
      (await db.select().from(catalogMenuItems).where(inArray(catalogMenuItems.id, ids))).map((m) => [
        m.id,
        m,
      ]),
    );
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
    const total = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);

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
          paymentId: payment.id,
        };
        await this.outbox.add(tx, { type: OrderEvents.OrderPlaced, correlationId: orderId, payload });
        return { row: row!, duplicate: false };
      });
    } catch (err) {
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
      if (order.customerId !== caller.id) throw forbidden('This is not your order');
      const transition = requestCancel(order);
      if (!transition) throw invalidTransition('order', orderId, order.status, 'cancel');
      return writeTransition(tx, this.outbox, order, transition, null);
    });
    this.outbox.notify();
    return row;
  }

  private async findByIdempotencyKey(customerId: string, key: string): Promise<OrderRow | undefined> {
    const [row] = await this.database.reader
      .select()
      .from(orders)
      .where(and(eq(orders.customerId, customerId), eq(orders.idempotencyKey, key)));
    return row;
  }
}
