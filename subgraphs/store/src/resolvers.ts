import { type Database, forbidden, notFound } from '@baemin/platform';
import { and, asc, desc, eq } from 'drizzle-orm';
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

  return {
    Query: {
      stores: () =>
        db.select().from(stores).orderBy(desc(stores.open), asc(stores.sortOrder), asc(stores.id)),
      store: (_, { id }) => storeById(id),
      menuItem: (_, { id }) => menuItemById(id),
      myStores: (_, __, ctx) => {
        const caller = requireOwner(ctx);
        return db
          .select()
          .from(stores)
          .where(eq(stores.ownerId, caller.id))
          .orderBy(asc(stores.sortOrder), asc(stores.id));
      },
      myTickets: (_, { status }, ctx) => {
        const caller = requireOwner(ctx);
        const mine = eq(tickets.ownerId, caller.id);
        return db
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
      __resolveReference: (ref) => storeById(ref.id),
      menu: (store) =>
        db
          .select()
          .from(menuItems)
          .where(eq(menuItems.storeId, store.id))
          .orderBy(asc(menuItems.sortOrder), asc(menuItems.id)),
    },
    MenuItem: {
      __resolveReference: (ref) => menuItemById(ref.id),
      store: async (item) => {
        const store = await storeById(item.storeId);
        if (!store) throw notFound('Store', item.storeId);
        return store;
      },
    },
    Ticket: {
      order: (ticket) => ({ __typename: 'Order', id: ticket.orderId }),
      store: async (ticket) => {
        const store = await storeById(ticket.storeId);
        if (!store) throw notFound('Store', ticket.storeId);
        return store;
      },
    },
  };
}
