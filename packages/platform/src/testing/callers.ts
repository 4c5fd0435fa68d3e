import type { Caller, Role } from '../auth/Caller.js';
import { signJwt } from '../auth/jwt.js';

/**
 * The callers tests act as, the same people in every package's tests: alice and bob order,
 * owner-1 owns store-1 and store-2 (seeded data), owner-2 owns none of alice's orders' stores,
 * the riders deliver. Subgraph tests sign them into caller headers (`gql`); router and e2e tests
 * sign them into client JWTs ({@link bearerToken}).
 */
export const alice: Caller = { id: 'alice', role: 'customer' };
export const bob: Caller = { id: 'bob', role: 'customer' };
export const owner1: Caller = { id: 'owner-1', role: 'owner' };
export const owner2: Caller = { id: 'owner-2', role: 'owner' };
export const rider1: Caller = { id: 'rider-1', role: 'rider' };
export const rider2: Caller = { id: 'rider-2', role: 'rider' };
/** A service identity (what the order context uses towards payment). */
export const service: Caller = { id: 'order', role: 'service' };

/** A client JWT for `caller` as the router accepts it (`ttlSeconds`, default 3600, sets its `exp`). */
export function bearerToken(
  caller: Caller | { id: string; role: Exclude<Role, 'service'> },
  secret: string,
  ttlSeconds = 3600,
): string {
  return signJwt({ sub: caller.id, role: caller.role }, secret, ttlSeconds);
}

/** What a GraphQL-over-HTTP request answered: its status, headers and parsed body. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/**
 * POSTs an operation to a GraphQL endpoint (the router, a gateway) as a client does: an optional
 * bearer token and extra headers.
 */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  {
    token,
    variables,
    headers = {},
  }: { token?: string; variables?: Record<string, unknown> | object; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>;
  return { ...body, status: res.status, headers: res.headers };
}
