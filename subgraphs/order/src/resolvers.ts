import {
  type Database,
  domainError,
  ErrorCode,
  forbidden,
  groupLoader,
  notFound,
  perRequest,
  rowLoader,
  unauthenticated,
} from '@baemin/platform';
import { asc, desc, eq, inArray } from 'drizzle-orm';
import { requireCustomer } from './auth.js';
import type * as schema from './db/schema.js';
import { orderItems, orders } from './db/schema.js';
import type { Resolvers } from './generated/resolvers-types.js';
import { isCancelable } from './orderStateMachine.js';
import { canSeeOrder } from './orderVisibility.js';
import type { OrderService } from './OrderService.js';

/** Largest page of myOrders. */
export const MAX_PAGE = 100;

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
        if (!ctx.caller) throw unauthenticated();
        const row = await orderById(id);
        if (!row) throw notFound('Order', id);
        if (!canSeeOrder(ctx.caller, row)) throw forbidden('You cannot see this order');
        return row;
      },
      myOrders: async (_, { first }, ctx) => {
        const caller = requireCustomer(ctx);
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
    },
    Mutation: {
      placeOrder: (_, { input }, ctx) => service.placeOrder(requireCustomer(ctx), input),
      cancelOrder: (_, { orderId }, ctx) => service.cancelOrder(requireCustomer(ctx), orderId),
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
