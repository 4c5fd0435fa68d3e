import {
  afterKey,
  type CursorKey,
  cursorList,
  type Database,
  groupLoader,
  isWithinOpeningHours,
  notFound,
  type OpeningPeriod,
  pageRequest,
  perRequest,
  rowLoader,
  type SortColumn,
  toConnection,
} from '@baemin/platform';
import { type AnyColumn, and, asc, desc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { assertOwnsTicket, requireCatalogManager, requireOwner } from './auth.js';
import type * as schema from './db/schema.js';
import { menuItems, stores, tickets } from './db/schema.js';
import type { Resolvers } from './generated/resolvers-types.js';
import type { StoreService } from './StoreService.js';

/** Cursors of the paginated lists, by their sort keys: (sortOrder, id) and (createdAt, orderId). */
const STORES = cursorList('storeConnection', 'number', 'string');
const MY_TICKETS = cursorList('myTicketConnection', 'string', 'string');
/** One store's menu is its own list: a cursor of another store's menu is no position in it. */
const menuItemsOf = (storeId: string) => cursorList(`Store.menuItems:${storeId}`, 'number', 'string');

/** Rows read per query when `openOnly` has to skip stores outside their hours. */
const OPEN_ONLY_BATCH = 50;

type StoreRow = typeof stores.$inferSelect;
const keyOf = (r: StoreRow): CursorKey => [r.sortOrder, r.id];

/** `acceptingOrders`: the owner's switch and, at `at`, the opening hours on the store's clock. */
const isAcceptingOrders = (store: StoreRow, at: Date) =>
  store.open && isWithinOpeningHours(JSON.parse(store.openingHours) as OpeningPeriod[], store.timeZone, at);

/**
 * Store data (stores, menus) is public; tickets are visible only to the owner of their store.
 * Reads use the read-only connection, which sees committed state only.
 */
export function createResolvers(
  database: Database<typeof schema>,
  service: StoreService,
  /** The clock of `acceptingOrders`; tests pass a fixed one. Default the system clock. */
  now: () => Date = () => new Date(),
): Resolvers {
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
          .where(and(inArray(menuItems.storeId, [...storeIds]), isNull(menuItems.removedAt)))
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
        const caller = requireOwner(ctx.caller);
        return await db
          .select()
          .from(stores)
          .where(eq(stores.ownerId, caller.id))
          .orderBy(asc(stores.sortOrder), asc(stores.id));
      },
      myTickets: async (_, { status }, ctx) => {
        const caller = requireOwner(ctx.caller);
        const mine = eq(tickets.ownerId, caller.id);
        return await db
          .select()
          .from(tickets)
          .where(status ? and(mine, eq(tickets.status, status)) : mine)
          .orderBy(desc(tickets.createdAt), desc(tickets.orderId));
      },
      storeConnection: async (_, args) => {
        const page = pageRequest(args, STORES);
        const order: SortColumn[] = [
          { column: stores.sortOrder, direction: 'asc' },
          { column: stores.id, direction: 'asc' },
        ];
        const filters: (SQL | undefined)[] = [
          args.category ? eq(stores.category, args.category) : undefined,
          args.search ? textMatches(args.search, stores.name, stores.description) : undefined,
          args.openOnly ? eq(stores.open, true) : undefined,
        ];
        const batch = (after: CursorKey | null, limit: number) =>
          db
            .select()
            .from(stores)
            .where(and(...filters, after ? afterKey(order, after) : undefined))
            .orderBy(asc(stores.sortOrder), asc(stores.id))
            .limit(limit);
        if (!args.openOnly) return toConnection(await batch(page.after, page.first + 1), page, keyOf);
        // "Open now" is the switch AND the opening hours, which are JSON periods on each store's own
        // wall clock (time zone, past-midnight periods): not expressible in SQLite. So the switch is
        // filtered in SQL and the hours here, reading further batches until the page plus one (for
        // hasNextPage) is full or the open stores run out; a fixed cap would hand out short pages.
        const at = now();
        const size = Math.max(page.first + 1, OPEN_ONLY_BATCH);
        const found: StoreRow[] = [];
        let after = page.after;
        for (;;) {
          const rows = await batch(after, size);
          for (const r of rows) if (isAcceptingOrders(r, at) && found.length <= page.first) found.push(r);
          if (found.length > page.first || rows.length < size) break;
          after = keyOf(rows.at(-1)!);
        }
        return toConnection(found, page, keyOf);
      },
      myTicketConnection: async (_, args, ctx) => {
        const caller = requireOwner(ctx.caller);
        const page = pageRequest(args, MY_TICKETS);
        const order: SortColumn[] = [
          { column: tickets.createdAt, direction: 'desc' },
          { column: tickets.orderId, direction: 'desc' },
        ];
        const rows = await db
          .select()
          .from(tickets)
          .where(
            and(
              eq(tickets.ownerId, caller.id),
              args.status ? eq(tickets.status, args.status) : undefined,
              page.after ? afterKey(order, page.after) : undefined,
            ),
          )
          .orderBy(desc(tickets.createdAt), desc(tickets.orderId))
          .limit(page.first + 1);
        return toConnection(rows, page, (r) => [r.createdAt, r.orderId]);
      },
      ticket: async (_, { orderId }, ctx) => {
        const caller = requireOwner(ctx.caller);
        const [row] = await db.select().from(tickets).where(eq(tickets.orderId, orderId));
        if (!row) throw notFound('Ticket', orderId);
        assertOwnsTicket(caller, row);
        return row;
      },
    },
    Mutation: {
      createStore: (_, { input }, ctx) => service.createStore(requireCatalogManager(ctx.caller), input),
      updateStore: (_, { storeId, input }, ctx) =>
        service.updateStore(requireCatalogManager(ctx.caller), storeId, input),
      addMenuItem: (_, { storeId, input }, ctx) =>
        service.addMenuItem(requireCatalogManager(ctx.caller), storeId, input),
      updateMenuItem: (_, { menuItemId, input }, ctx) =>
        service.updateMenuItem(requireCatalogManager(ctx.caller), menuItemId, input),
      reorderMenu: (_, { storeId, menuItemIds }, ctx) =>
        service.reorderMenu(requireCatalogManager(ctx.caller), storeId, menuItemIds),
      removeMenuItem: (_, { menuItemId }, ctx) =>
        service.removeMenuItem(requireCatalogManager(ctx.caller), menuItemId),
      acceptOrder: (_, { orderId }, ctx) =>
        service.transitionTicket(requireOwner(ctx.caller), orderId, 'accept'),
      rejectOrder: (_, { orderId, reason }, ctx) =>
        service.transitionTicket(requireOwner(ctx.caller), orderId, 'reject', reason),
      startCooking: (_, { orderId }, ctx) =>
        service.transitionTicket(requireOwner(ctx.caller), orderId, 'startCooking'),
      markReady: (_, { orderId }, ctx) =>
        service.transitionTicket(requireOwner(ctx.caller), orderId, 'markReady'),
      setStoreOpen: (_, { storeId, open }, ctx) =>
        service.setStoreOpen(requireCatalogManager(ctx.caller), storeId, open),
      setMenuItemAvailable: (_, { menuItemId, available }, ctx) =>
        service.setMenuItemAvailable(requireCatalogManager(ctx.caller), menuItemId, available),
    },
    Store: {
      __resolveReference: (ref, ctx) => loaders(ctx).store.load(ref.id),
      menu: (store, _args, ctx) => loaders(ctx).menuOf.load(store.id),
      openingHours: (store) => JSON.parse(store.openingHours) as OpeningPeriod[],
      acceptingOrders: (store) => isAcceptingOrders(store, now()),
      menuCategories: async (store, _args, ctx) => {
        const menu = await loaders(ctx).menuOf.load(store.id);
        return [...new Set(menu.map((m) => m.category).filter((c) => c !== ''))];
      },
      menuItems: async (store, args) => {
        const page = pageRequest(args, menuItemsOf(store.id));
        const order: SortColumn[] = [
          { column: menuItems.sortOrder, direction: 'asc' },
          { column: menuItems.id, direction: 'asc' },
        ];
        const rows = await db
          .select()
          .from(menuItems)
          .where(
            and(
              eq(menuItems.storeId, store.id),
              isNull(menuItems.removedAt),
              args.category ? eq(menuItems.category, args.category) : undefined,
              args.search ? textMatches(args.search, menuItems.name, menuItems.description) : undefined,
              args.availableOnly ? eq(menuItems.available, true) : undefined,
              page.after ? afterKey(order, page.after) : undefined,
            ),
          )
          .orderBy(asc(menuItems.sortOrder), asc(menuItems.id))
          .limit(page.first + 1);
        return toConnection(rows, page, (r) => [r.sortOrder, r.id]);
      },
    },
    MenuItem: {
      __resolveReference: (ref, ctx) => loaders(ctx).menuItem.load(ref.id),
      options: (item) => JSON.parse(item.options) as { name: string; priceDelta: number }[],
      removed: (item) => item.removedAt !== null,
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

/**
 * Case-insensitive "contains" on any of `columns`, written with lower() and LIKE so it means the
 * same on SQLite and PostgreSQL; `%`, `_` and `\` in the search are literal.
 */
function textMatches(search: string, ...columns: AnyColumn[]): SQL | undefined {
  const term = search.trim().toLowerCase().slice(0, 100);
  if (!term) return undefined;
  const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(...columns.map((c) => sql`lower(${c}) like ${pattern} escape '\\'`));
}
