import type { IncomingHttpHeaders } from 'node:http';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  apolloHttpHandler,
  type Caller,
  type HttpService,
  startHttpService,
  UntrustedCallerError,
  verifyCallerHeaders,
} from '@baemin/platform';
import { postGraphQL } from '@baemin/platform/testing';
import { type DocumentNode, GraphQLError, parse } from 'graphql';
import { type RouterOverrides, type RunningRouter, start } from '../src/server.js';

export const JWT_SECRET = 'router-test-jwt-secret';
export const INTERNAL_SECRET = 'router-test-internal-secret';

type SubgraphResolvers = Extract<
  Parameters<typeof buildSubgraphSchema>[0],
  { typeDefs: unknown }
>['resolvers'];

interface Ctx {
  caller: Caller | null;
}

export interface TestSubgraph {
  name: string;
  typeDefs: DocumentNode;
  url: string;
  /** Headers of every request this subgraph received, oldest first. */
  received: IncomingHttpHeaders[];
  http: HttpService;
  stop(): Promise<void>;
}

/**
 * A small but real federated subgraph: buildSubgraphSchema on the platform HTTP shell, and it
 * trusts only router-signed identity, exactly like the real subgraphs (startSubgraph).
 */
export async function startTestSubgraph(name: string, sdl: string, resolvers: object): Promise<TestSubgraph> {
  const typeDefs = parse(sdl);
  const apollo = new ApolloServer<Ctx>({
    schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers as SubgraphResolvers }),
  });
  await apollo.start();
  const received: IncomingHttpHeaders[] = [];
  const http = await startHttpService({
    name,
    port: 0,
    routes: {
      '/graphql': apolloHttpHandler(apollo, async (req) => {
        received.push(req.headers);
        try {
          return { caller: verifyCallerHeaders(req.headers, INTERNAL_SECRET) };
        } catch (err) {
          if (!(err instanceof UntrustedCallerError)) throw err;
          throw new GraphQLError(`Untrusted request: ${err.message}`, {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
      }),
    },
  });
  return {
    name,
    typeDefs,
    url: http.url,
    received,
    http,
    stop: async () => {
      await http.close();
      await apollo.stop();
    },
  };
}

export function composeTestSupergraph(subgraphs: TestSubgraph[]): string {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, typeDefs: s.typeDefs, url: 'http://127.0.0.1:1/graphql' })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;

export const ORDERS_SDL = `${FED}
type Query {
  orders: [Order!]!
  "The caller as this subgraph saw it (null when anonymous)."
  whoami: CallerInfo
}
type CallerInfo { id: ID! role: String! }
type Order @key(fields: "id") { id: ID! store: Store! }
type Store @key(fields: "id", resolvable: false) { id: ID! }
`;

export const ordersResolvers = {
  Query: {
    orders: () => [
      { id: 'o-1', storeId: 'store-1' },
      { id: 'o-2', storeId: 'store-2' },
    ],
    whoami: (_: unknown, __: unknown, ctx: Ctx) => ctx.caller,
  },
  Order: {
    store: (o: { storeId: string }) => ({ __typename: 'Store', id: o.storeId }),
  },
};

export const STORES_SDL = `${FED}
type Query {
  stores: [Store!]!
  "Owners only: FORBIDDEN for everyone else."
  ownerSecret: String
  "Always throws an unexpected (non-GraphQL) error."
  boom: String
}
type Store @key(fields: "id") {
  id: ID!
  name: String!
  "Who the store subgraph saw asking for this entity: proves identity reaches entity fetches."
  seenBy: String
  category: Category!
}
"Recursive, to build deep queries."
type Category { name: String! parent: Category }
`;

const category = (depth: number): object => ({ name: `c${depth}`, parent: () => category(depth + 1) });

export const storesResolvers = {
  Query: {
    stores: () => [{ id: 'store-1' }, { id: 'store-2' }],
    ownerSecret: (_: unknown, __: unknown, ctx: Ctx) => {
      if (ctx.caller?.role !== 'owner')
        throw new GraphQLError('owners only', { extensions: { code: 'FORBIDDEN' } });
      return 'the secret recipe';
    },
    boom: () => {
      throw new Error('kaboom: internal detail');
    },
  },
  Store: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    name: (s: { id: string }) => `Store ${s.id.split('-')[1]}`,
    seenBy: (_: unknown, __: unknown, ctx: Ctx) =>
      ctx.caller ? `${ctx.caller.role}:${ctx.caller.id}` : 'anonymous',
    category: () => category(1),
  },
};

/**
 * The router over `subgraphs` (composed into its supergraph, each at its own URL) with the tests'
 * secrets, on a free port; `overrides` on top.
 */
export function startTestRouter(
  subgraphs: TestSubgraph[],
  overrides: RouterOverrides = {},
): Promise<RunningRouter> {
  return start({
    port: 0,
    jwtSecret: JWT_SECRET,
    internalSecret: INTERNAL_SECRET,
    supergraphSdl: composeTestSupergraph(subgraphs),
    urls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
    ...overrides,
  });
}

/** The `orders` and `stores` test subgraphs the router's tests federate, started side by side. */
export async function startOrdersAndStores(): Promise<{ orders: TestSubgraph; stores: TestSubgraph }> {
  const [orders, stores] = await Promise.all([
    startTestSubgraph('orders', ORDERS_SDL, ordersResolvers),
    startTestSubgraph('stores', STORES_SDL, storesResolvers),
  ]);
  return { orders, stores };
}

export interface GraphQLResult {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

/** The kit's client request, with the body kept apart (router tests assert on `body.data`). */
export async function gql(
  url: string,
  query: string,
  options: { token?: string; headers?: Record<string, string>; variables?: object } = {},
): Promise<GraphQLResult> {
  const { status, headers, ...body } = await postGraphQL(url, query, options);
  return { status, headers, body: body as GraphQLResult['body'] };
}
