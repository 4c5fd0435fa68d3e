/**
 * The federation benchmark's four subgraphs (order, store, payment, delivery) over a fixed,
 * generated data set held in memory: every gateway under test gets the same supergraph and the
 * same answers, and the subgraphs are cheap enough that the gateway is what is measured.
 *
 * The data is a pure function of its size (no randomness), so a response body can be checked
 * against {@link expectedOrdersBody} byte for byte.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  type DocumentNode,
  execute,
  type GraphQLSchema,
  parse,
  type ExecutionResult,
  validate,
} from 'graphql';

export const BENCH_SUBGRAPHS = ['order', 'store', 'payment', 'delivery'] as const;
export type BenchSubgraph = (typeof BENCH_SUBGRAPHS)[number];

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

/** SDL of each benchmark subgraph. */
export const BENCH_SDL: Record<BenchSubgraph, string> = {
  order: `${LINK}
type Query {
  "Orders in id order; \`offset\` skips that many."
  orders(first: Int! = 10, offset: Int! = 0): [Order!]!
}
type Order @key(fields: "id") {
  id: ID!
  total: Int!
  status: String!
  store: Store!
  items: [OrderItem!]!
}
type OrderItem {
  quantity: Int!
  menuItem: MenuItem!
}
type Store @key(fields: "id", resolvable: false) {
  id: ID!
}
type MenuItem @key(fields: "id", resolvable: false) {
  id: ID!
}
`,
  store: `${LINK}
type Query {
  store(id: ID!): Store
}
type Store @key(fields: "id") {
  id: ID!
  name: String!
}
type MenuItem @key(fields: "id") {
  id: ID!
  name: String!
  price: Int!
}
`,
  payment: `${LINK}
type Order @key(fields: "id") {
  id: ID!
  payment: Payment
}
type Payment {
  status: String!
  amount: Int!
}
`,
  delivery: `${LINK}
type Order @key(fields: "id") {
  id: ID!
  delivery: Delivery
}
type Delivery {
  status: String!
}
`,
};

export interface BenchData {
  stores: Map<string, { id: string; name: string }>;
  menuItems: Map<string, { id: string; name: string; price: number }>;
  orders: {
    id: string;
    total: number;
    status: string;
    storeId: string;
    items: { quantity: number; menuItemId: string }[];
  }[];
  payments: Map<string, { status: string; amount: number }>;
  deliveries: Map<string, { status: string }>;
}

/** Sizes of the generated data set. */
export const BENCH_SIZES = { stores: 20, menuItemsPerStore: 10, orders: 2000 } as const;

const ORDER_STATUSES = ['PLACED', 'ACCEPTED', 'COOKING', 'READY', 'PICKED_UP', 'DELIVERED'];
const DELIVERY_STATUSES = ['AVAILABLE', 'PICKED_UP', 'DELIVERED'];

/** The fixed data set (deterministic). */
export function generateBenchData(): BenchData {
  const stores = new Map<string, { id: string; name: string }>();
  const menuItems = new Map<string, { id: string; name: string; price: number }>();
  for (let s = 1; s <= BENCH_SIZES.stores; s++) {
    stores.set(`store-${s}`, { id: `store-${s}`, name: `Store number ${s}` });
    for (let m = 1; m <= BENCH_SIZES.menuItemsPerStore; m++) {
      const id = `menu-${s}-${m}`;
      menuItems.set(id, { id, name: `Dish ${m} of store ${s}`, price: 1000 * ((s * 7 + m * 3) % 20) + 5000 });
    }
  }
  const orders: BenchData['orders'] = [];
  const payments = new Map<string, { status: string; amount: number }>();
  const deliveries = new Map<string, { status: string }>();
  for (let o = 1; o <= BENCH_SIZES.orders; o++) {
    const s = (o % BENCH_SIZES.stores) + 1;
    const items = [1, 2, 3].map((k) => ({
      quantity: ((o + k) % 3) + 1,
      menuItemId: `menu-${s}-${((o + k * 3) % BENCH_SIZES.menuItemsPerStore) + 1}`,
    }));
    const total = items.reduce((sum, i) => sum + i.quantity * (menuItems.get(i.menuItemId)?.price ?? 0), 0);
    const id = `order-${String(o).padStart(5, '0')}`;
    orders.push({
      id,
      total,
      status: ORDER_STATUSES[o % ORDER_STATUSES.length]!,
      storeId: `store-${s}`,
      items,
    });
    payments.set(id, { status: o % 17 === 0 ? 'REFUNDED' : 'CAPTURED', amount: total });
    deliveries.set(id, { status: DELIVERY_STATUSES[o % DELIVERY_STATUSES.length]! });
  }
  return { stores, menuItems, orders, payments, deliveries };
}

/** The benchmark's operation, as the issue gives it (`$offset` only in the distinct-variables variant). */
export const ORDERS_SELECTION =
  '{ id total status store { name } items { quantity menuItem { name price } } payment { status amount } delivery { status } }';
export const ORDERS_QUERY = `{ orders(first: 10) ${ORDERS_SELECTION} }`;
export const ORDERS_QUERY_WITH_OFFSET = `query Orders($offset: Int!) { orders(first: 10, offset: $offset) ${ORDERS_SELECTION} }`;
/** What the ceiling asks the order subgraph directly: its own fields of the same ten orders. */
export const CEILING_QUERY = '{ orders(first: 10) { id total status items { quantity } } }';

/** The exact JSON body a correct gateway returns for ORDERS_QUERY(_WITH_OFFSET) at `offset`. */
export function expectedOrdersBody(data: BenchData, offset = 0): string {
  const orders = data.orders.slice(offset, offset + 10).map((o) => ({
    id: o.id,
    total: o.total,
    status: o.status,
    store: { name: data.stores.get(o.storeId)?.name },
    items: o.items.map((i) => {
      const m = data.menuItems.get(i.menuItemId);
      return { quantity: i.quantity, menuItem: { name: m?.name, price: m?.price } };
    }),
    payment: data.payments.get(o.id) ?? null,
    delivery: data.deliveries.get(o.id) ?? null,
  }));
  return JSON.stringify({ data: { orders } });
}

/** The exact JSON body of CEILING_QUERY. */
export function expectedCeilingBody(data: BenchData): string {
  const orders = data.orders.slice(0, 10).map((o) => ({
    id: o.id,
    total: o.total,
    status: o.status,
    items: o.items.map((i) => ({ quantity: i.quantity })),
  }));
  return JSON.stringify({ data: { orders } });
}

type Ref = { __typename: string; id: string };

function resolversFor(name: BenchSubgraph, data: BenchData) {
  switch (name) {
    case 'order':
      return {
        Query: {
          orders: (_: unknown, { first, offset }: { first: number; offset: number }) =>
            data.orders.slice(offset, offset + Math.min(first, 100)),
        },
        Order: {
          __resolveReference: (ref: Ref) => data.orders.find((o) => o.id === ref.id),
          store: (o: BenchData['orders'][number]) => ({ __typename: 'Store', id: o.storeId }),
        },
        OrderItem: {
          menuItem: (i: { menuItemId: string }) => ({ __typename: 'MenuItem', id: i.menuItemId }),
        },
      };
    case 'store':
      return {
        Query: { store: (_: unknown, { id }: { id: string }) => data.stores.get(id) ?? null },
        Store: { __resolveReference: (ref: Ref) => data.stores.get(ref.id) },
        MenuItem: { __resolveReference: (ref: Ref) => data.menuItems.get(ref.id) },
      };
    case 'payment':
      return {
        Order: {
          __resolveReference: (ref: Ref) => ({ id: ref.id }),
          payment: (o: { id: string }) => data.payments.get(o.id) ?? null,
        },
      };
    case 'delivery':
      return {
        Order: {
          __resolveReference: (ref: Ref) => ({ id: ref.id }),
          delivery: (o: { id: string }) => data.deliveries.get(o.id) ?? null,
        },
      };
  }
}

export function benchSubgraphSchema(name: BenchSubgraph, data: BenchData): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: parse(BENCH_SDL[name]),
    // biome-ignore lint/suspicious/noExplicitAny: resolver maps are checked by the schema at build time.
    resolvers: resolversFor(name, data) as any,
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves one subgraph over plain node:http (POST /graphql, GET /health): documents parsed and
 * validated once, graphql-js execution, keep-alive connections.
 */
export async function serveBenchSubgraph(name: BenchSubgraph, port: number, data = generateBenchData()) {
  const schema = benchSubgraphSchema(name, data);
  const documents = new Map<string, DocumentNode | ExecutionResult>();
  const server: Server = createServer(async (req, res) => {
    if (req.url === '/health' || req.url === '/ready') {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
      return;
    }
    let result: ExecutionResult;
    try {
      const body = JSON.parse(await readBody(req)) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      let doc = documents.get(body.query);
      if (!doc) {
        const parsed = parse(body.query);
        const errors = validate(schema, parsed);
        doc = errors.length ? { errors } : parsed;
        documents.set(body.query, doc);
      }
      result =
        'kind' in doc
          ? ((await execute({
              schema,
              document: doc,
              variableValues: body.variables,
              operationName: body.operationName,
            })) as ExecutionResult)
          : doc;
    } catch (err) {
      res.statusCode = 400;
      result = { errors: [{ message: (err as Error).message }] } as unknown as ExecutionResult;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(result));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return server;
}

// `node --import tsx bench/gateways/benchSubgraphs.ts <name> <port>`: one subgraph per process.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const [name, port] = process.argv.slice(2);
  if (!BENCH_SUBGRAPHS.includes(name as BenchSubgraph) || !port) {
    console.error('usage: benchSubgraphs.ts <order|store|payment|delivery> <port>');
    process.exit(2);
  }
  await serveBenchSubgraph(name as BenchSubgraph, Number(port));
  process.on('SIGTERM', () => process.exit(0));
}
