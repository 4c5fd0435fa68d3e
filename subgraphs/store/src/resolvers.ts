import { type Database, forbidden, groupLoader, notFound, perRequest, rowLoader } from '@baemin/platform';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { requireOwner } from './auth.js';
import type * as schema from './db/schema.js';
import { menuItems, stores, tickets } from './db/schema.js';
import type { Resolvers } from './generated/resolvers-types.js';
import type { StoreService } from './StoreService.js';

/**
 * Store data (stores, menus) is public; tickets are visible only to the owner of their store.
 * Reads use the read-only connection, which sees committed state only.
 */
export function createResolvers(database: Database<typeof schema>, service: StoreService): Resolvers {
  const db = database.reader;
  const storeById = async (id: string) =>
    (await db.select().from(stores).where(eq(stores.id, id)))[0] ?? null;
  const menuItemById = async (id: string) =>
    (await db.select().from(menuItems).where(eq(menuItems.id, id)))[0] ?? null;
  // Entity references and nested lists (stores { menu { store { menu … } } }, tickets' stores)
  // load per level of the response in one `IN (…)` query each, not one query per object.
  const loaders = perRequest(() => ({
    store: rowLoader(
      (ids: readonly string[]) =>
        db
          .select()
          .from(stores)
          .where(inArray(stores.id, [...ids])),
      (row) => row.id,
    ),
    menuItem: rowLoader(
      (ids: readonly string[]) =>
        db
          .select()
          .from(menuItems)
          .where(inArray(menuItems.id, [...ids])),
      (row) => row.id,
    ),
    menuOf: groupLoader(
      (storeIds: readonly string[]) =>
        db
          .select()
          .from(menuItems)
          .where(inArray(menuItems.storeId, [...storeIds]))
          .orderBy(asc(menuItems.sortOrder), asc(menuItems.id)),
      (row) => row.storeId,
    ),
  }));

  return {
    Query: {
      // `async` + `await` runs the statement once: a drizzle query is a lazy thenable, and Apollo's
      // field instrumentation calls `then` on a resolver's result a second time.
      stores: async () =>
        await db.select().from(stores).orderBy(desc(stores.open), asc(stores.sortOrder), asc(stores.id)),
      store: (_, { id }) => storeById(id),
      menuItem: (_, { id }) => menuItemById(id),
      myStores: async (_, __, ctx) => {
        const caller = requireOwner(ctx);
        return await db
          .select()
          .from(stores)
          .where(eq(stores.ownerId, caller.id))
          .orderBy(asc(stores.sortOrder), asc(stores.id));
      },
      myTickets: async (_, { status }, ctx) => {
        const caller = requireOwner(ctx);
        const mine = eq(tickets.ownerId, caller.id);
        return await db
          .select()
          .from(tickets)
          .where(status ? and(mine, eq(tickets.status, status)) : mine)
          .orderBy(desc(tickets.createdAt), desc(tickets.orderId));
      },
      ticket: async (_, { orderId }, ctx) => {
        const caller = requireOwner(ctx);
        const [row] = await db.select().from(tickets).where(eq(tickets.orderId, orderId));
        if (!row) throw notFound('Ticket', orderId);
        if (row.ownerId !== caller.id) throw forbidden('This ticket belongs to another owner’s store');
        return row;
      },
    },
    Mutation: {
      acceptOrder: (_, { orderId }, ctx) => service.transitionTicket(requireOwner(ctx), orderId, 'accept'),
      rejectOrder: (_, { orderId, reason }, ctx) =>
        service.transitionTicket(requireOwner(ctx), orderId, 'reject', reason),
      startCooking: (_, { orderId }, ctx) =>
        service.transitionTicket(requireOwner(ctx), orderId, 'startCooking'),
      markReady: (_, { orderId }, ctx) => service.transitionTicket(requireOwner(ctx), orderId, 'markReady'),
      setStoreOpen: (_, { storeId, open }, ctx) => service.setStoreOpen(requireOwner(ctx), storeId, open),
      setMenuItemAvailable: (_, { menuItemId, available }, ctx) =>
        service.setMenuItemAvailable(requireOwner(ctx), menuItemId, available),
    },
    Store: {
      __resolveReference: (ref, ctx) => loaders(ctx).store.load(ref.id),
      menu: (store, _args, ctx) => loaders(ctx).menuOf.load(store.id),
    },
    MenuItem: {
      __resolveReference: (ref, ctx) => loaders(ctx).menuItem.load(ref.id),
      store: async (item, _args, ctx) => {
        const store = await loaders(ctx).store.load(item.storeId);
        if (!store) throw notFound('Store', item.storeId);
        return store;
      },
    },
    Ticket: {
      order: (ticket) => ({ __typename: 'Order', id: ticket.orderId }),
      store: async (ticket, _args, ctx) => {
        const store = await loaders(ctx).store.load(ticket.storeId);
        if (!store) throw notFound('Store', ticket.storeId);
        return store;
      },
    },
  };
}
