import { Client, type CombinedError, cacheExchange, fetchExchange, mapExchange } from 'urql';
import { typenamesIn } from './live/TabSync';

/**
 * urql over HTTP to the router's /graphql, as `token`'s holder. `onMutated` hears the types of
 * every object a successful mutation returned (to tell the person's other tabs).
 */
export function createGraphqlClient(token: string, onMutated?: (typenames: Set<string>) => void): Client {
  return new Client({
    url: '/graphql',
    exchanges: [
      cacheExchange,
      mapExchange({
        onResult(result) {
          if (result.operation.kind === 'mutation' && result.data && !result.error)
            onMutated?.(typenamesIn(result.data));
        },
      }),
      fetchExchange,
    ],
    // POST only: the router's CSRF protection refuses simple GET requests.
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  });
}

/** What the screens need from a failed operation: the stable code, a message and any retry hint. */
export interface ApiProblem {
  code: string;
  message: string;
  retryAfterSeconds?: number;
  /** The input the API's refusal is about (`extensions.field`, e.g. `timeZone`). */
  field?: string;
}

export function problemOf(error: CombinedError | undefined): ApiProblem | null {
  if (!error) return null;
  const first = error.graphQLErrors[0];
  if (first) {
    const ext = first.extensions as { code?: string; retryAfterSeconds?: number; field?: unknown };
    return {
      code: ext.code ?? 'ERROR',
      message: first.message,
      ...(typeof ext.retryAfterSeconds === 'number' ? { retryAfterSeconds: ext.retryAfterSeconds } : {}),
      ...(typeof ext.field === 'string' ? { field: ext.field } : {}),
    };
  }
  return { code: 'NETWORK', message: 'Cannot reach the server. Check your connection and try again.' };
}
