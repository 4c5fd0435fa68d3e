import {
  type Caller,
  type Database,
  domainError,
  ErrorCode,
  isWithinOpeningHours,
  newOrderId,
  notFound,
  type OpeningPeriod,
  type OrderLine,
  type Outbox,
  PaymentCapture,
  preparedIn,
} from '@baemin/platform';
import { and, eq, inArray } from 'drizzle-orm';
import { assertOwnsOrder } from './auth.js';
import type * as schema from './db/schema.js';
import {
  abandonedOrders,
  type CatalogMenuItemRow,
  type CatalogStoreRow,
  catalogMenuItems,
  catalogStores,
  type OrderRow,
  orders,
} from './db/schema.js';
import type { PaymentClient } from './PaymentClient.js';
import { type PlaceOrderInputRaw, validatePlaceOrderInput } from './placeOrderInput.js';
import { cancelOrderSaga } from './sagas/cancelOrderSaga.js';
import { answerForKey } from './idempotencyKey.js';
import { placeOrderSaga } from './sagas/placeOrderSaga.js';

/**
 * The order context's commands. placeOrder checks and prices the order, then starts the
 * place-order saga (sagas/placeOrderSaga.ts); cancelOrder starts the cancel-order saga.
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
      if (existing) return answerForKey(db, existing, input);
    }

    const ids = input.lines.map((l) => l.menuItemId);
    // Store and items in ONE statement, so one snapshot of the replica: a StoreUpserted applied
    // meanwhile (a price change) is either wholly in this order's prices or wholly not, never a mix
    // of old and new lines or of an old fee with new prices.
    // Built once per line count (at most MAX_LINES of them) on the reader's connection.
    const rows = await preparedIn<{ store: CatalogStoreRow; item: CatalogMenuItemRow | null }[]>(
      db,
      `order:catalog:${ids.length}`,
      (p) =>
        db
          .select({ store: catalogStores, item: catalogMenuItems })
          .from(catalogStores)
          .leftJoin(
            catalogMenuItems,
            and(
              eq(catalogMenuItems.storeId, catalogStores.id),
              inArray(
                catalogMenuItems.id,
                ids.map((_, i) => p(`item${i}`)),
              ),
            ),
          )
          .where(eq(catalogStores.id, p('storeId'))),
      { storeId: input.storeId, ...Object.fromEntries(ids.map((id, i) => [`item${i}`, id])) },
    );
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
    // Payment charges only 1 to maxAmountWon won (the capture contract) and refuses anything else
    // as a malformed request. Checked here, so the customer learns why in words before anything
    // is charged: a free side dish is fine, an order that costs nothing is not a sale to pay for.
    if (total < 1)
      throw domainError(
        ErrorCode.BAD_USER_INPUT,
        `The order total must be more than 0 won; ${store.name} would charge nothing for it`,
        { field: 'items', storeId: store.id, total },
      );
    if (total > PaymentCapture.maxAmountWon)
      throw domainError(
        ErrorCode.PAYMENT_DECLINED,
        `Payment takes at most ${PaymentCapture.maxAmountWon} won per order; this one is ${total} won`,
        { storeId: store.id, total, maxAmountWon: PaymentCapture.maxAmountWon },
      );

    return placeOrderSaga.start(
      { database: this.database, outbox: this.outbox, payment: this.payment },
      {
        orderId: newOrderId(),
        customerId: caller.id,
        store: { id: store.id, ownerId: store.ownerId, name: store.name },
        lines,
        total,
        deliveryFee,
        idempotencyKey: input.idempotencyKey,
      },
    );
  }

  async cancelOrder(caller: Caller, orderId: string): Promise<OrderRow> {
    const row = await this.database.transaction(async (tx) => {
      const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (!order) throw notFound('Order', orderId);
      assertOwnsOrder(caller, order);
      return cancelOrderSaga.request(tx, this.outbox, order);
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
