import {
  afterKey,
  cursorList,
  type Database,
  domainError,
  ErrorCode,
  groupLoader,
  notFound,
  pageRequest,
  perRequest,
  requireCaller,
  rowLoader,
  type SortColumn,
  toConnection,
} from '@baemin/platform';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { assertCanSeeOrder, canSeeOrder, requireCustomer } from './auth.js';
import type * as schema from './db/schema.js';
import { orderItems, orders } from './db/schema.js';
import type { Resolvers } from './generated/resolvers-types.js';
import { isCancelable } from './orderStateMachine.js';
import type { OrderService } from './OrderService.js';

/** Largest page of myOrders. */
const MAX_PAGE = 100;
/** myOrderConnection's cursors: newest first by (placedAt, id). */
const MY_ORDERS = cursorList('myOrderConnection', 'string', 'string');

export function createResolvers(database: Database<typeof schema>, service: OrderService): Resolvers {
  const db = database.reader;
  const orderById = async (id: string) => (await db.select().from(orders).where(eq(orders.id, id)))[0];
  // Entity fetches of many orders (tickets, deliveries, dashboards) and their items: one query
  // per level of the response, not one per order.
  const loaders = perRequest(() => ({
    order: rowLoader(
      (ids: readonly string[]) =>
        db
          .select()
          .from(orders)
          .where(inArray(orders.id, [...ids])),
      (row) => row.id,
    ),
    itemsOf: groupLoader(
      (orderIds: readonly string[]) =>
        db
          .select()
          .from(orderItems)
          .where(inArray(orderItems.orderId, [...orderIds]))
          .orderBy(asc(orderItems.orderId), asc(orderItems.lineNo)),
      (row) => row.orderId,
    ),
  }));

  return {
    Query: {
      order: async (_, { id }, ctx) => {
        const caller = requireCaller(ctx.caller);
        const row = await orderById(id);
        if (!row) throw notFound('Order', id);
        assertCanSeeOrder(caller, row);
        return row;
      },
      myOrders: async (_, { first }, ctx) => {
        const caller = requireCustomer(ctx.caller);
        const limit = first ?? 20;
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
          throw domainError(ErrorCode.BAD_USER_INPUT, `first must be from 1 to ${MAX_PAGE}`, {
            field: 'first',
          });
        }
        return await db
          .select()
          .from(orders)
          .where(eq(orders.customerId, caller.id))
          .orderBy(desc(orders.placedAt), desc(orders.id))
          .limit(limit);
      },
      myOrderConnection: async (_, args, ctx) => {
        const caller = requireCustomer(ctx.caller);
        const page = pageRequest(args, MY_ORDERS);
        const order: SortColumn[] = [
          { column: orders.placedAt, direction: 'desc' },
          { column: orders.id, direction: 'desc' },
        ];
        const rows = await db
          .select()
          .from(orders)
          .where(and(eq(orders.customerId, caller.id), page.after ? afterKey(order, page.after) : undefined))
          .orderBy(desc(orders.placedAt), desc(orders.id))
          .limit(page.first + 1);
        return toConnection(rows, page, (r) => [r.placedAt, r.id]);
      },
    },
    Mutation: {
      placeOrder: (_, { input }, ctx) => service.placeOrder(requireCustomer(ctx.caller), input),
      cancelOrder: (_, { orderId }, ctx) => service.cancelOrder(requireCustomer(ctx.caller), orderId),
    },
    Order: {
      // Other subgraphs reference orders (tickets, deliveries, the dashboard): same visibility,
      // and an invisible order resolves to null so nothing about it leaks.
      __resolveReference: async (ref, ctx) => {
        const row = await loaders(ctx).order.load(ref.id);
        return row && canSeeOrder(ctx.caller, row) ? row : null;
      },
      store: (order) => ({ __typename: 'Store', id: order.storeId }),
      items: (order, _args, ctx) => loaders(ctx).itemsOf.load(order.id),
      cancelable: (order) => isCancelable(order.status),
    },
    OrderItem: {
      menuItem: (item) => ({ __typename: 'MenuItem', id: item.menuItemId }),
      lineTotal: (item) => item.quantity * item.unitPrice,
    },
  };
}
