import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { CALLER_HEADER, instrumentFetch, signCallerHeaders, subgraphFetchObserver } from '@baemin/platform';
import { GraphQLError } from 'graphql';
import type { RouterContext } from './routerContext.js';
import {
  fetchClient,
  poolClient,
  type SubgraphClientKind,
  type SubgraphHttpClient,
  type SubgraphHttpResponse,
  statusText,
} from './SubgraphHttpClient.js';

/** Code of the error a client gets when a subgraph cannot be reached or does not answer in time. */
const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';

export interface SubgraphDataSourceOptions {
  /** HTTP client: `pool` (undici Pool, keep-alive; default) or `fetch` (WHATWG fetch). */
  client?: SubgraphClientKind;
  /**
   * Share one subgraph fetch between identical query fetches in flight at the same time (same
   * subgraph, caller, document and variables). Mutations and subscription events never share.
   * Default true.
   */
  dedup?: boolean;
}

/**
 * Every header of an outgoing subgraph request, built in this one place: the JSON content type,
 * the caller identity the router verified (HMAC-signed with the internal secret) or an anonymous
 * one for requests without an operation context, and the request id and trace-context headers
 * the context carries. Anything that must travel to subgraphs (tracing) is added here.
 */
function subgraphRequestHeaders(
  context: Partial<RouterContext> | undefined,
  internalSecret: string,
  passthrough?: Iterable<[string, string]>,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (passthrough) {
    // Identity headers are only ever the router's own: drop anything else that got here first.
    for (const [name, value] of passthrough) {
      const lower = name.toLowerCase();
      if (!lower.startsWith(CALLER_HEADER)) headers[lower] = value;
    }
  }
  const extra = context?.subgraphHeaders ?? signCallerHeaders(null, internalSecret);
  for (const name in extra) headers[name] = extra[name] as string;
  return headers;
}

/**
 * One subgraph as the gateway sees it: posts each fetch of the query plan to its /graphql with
 * {@link subgraphRequestHeaders}, over a keep-alive undici pool, sharing identical in-flight
 * query fetches of the same caller. It replaces RemoteGraphQLDataSource's request path (node-fetch
 * Headers and Request objects and make-fetch-happen per call) but keeps its results: the same
 * response shape, HTTP errors as `<status>: <text>` GraphQL errors, the subgraph's cache-control
 * hints applied to the operation's cache policy.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  readonly subgraphName: string;
  private readonly internalSecret: string;
  private readonly http: SubgraphHttpClient;
  private readonly dedup: boolean;
  /** Query fetches in flight, by caller + body: followers wait for the leader's answer. */
  private readonly inFlight = new Map<string, Promise<SubgraphHttpResponse>>();

  constructor(
    subgraphName: string,
    url: string,
    timeoutMs: number,
    internalSecret: string,
    options: SubgraphDataSourceOptions = {},
  ) {
    super({ url });
    this.subgraphName = subgraphName;
    this.internalSecret = internalSecret;
    const raw =
      (options.client ?? 'pool') === 'pool' ? poolClient(url, timeoutMs) : fetchClient(url, timeoutMs);
    // Metrics and trace context (traceparent) for every subgraph round trip, in one wrapper; a
    // shared (deduplicated) fetch is one round trip, so it is counted and traced once.
    const post = instrumentFetch(
      subgraphName,
      (_url: string, init: { method: string; headers: Record<string, string>; body: string }) =>
        raw.post(init.headers, init.body),
      subgraphFetchObserver(subgraphName),
    );
    this.http = {
      post: (headers, body) => post(url, { method: 'POST', headers, body }),
      close: () => raw.close(),
    };
    this.dedup = options.dedup ?? true;
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<RouterContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const context = options.context as Partial<RouterContext> | undefined;
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    const headers = subgraphRequestHeaders(context, this.internalSecret, request.http?.headers);
    let res: SubgraphHttpResponse;
    try {
      res = await this.send(options, context, headers, body);
    } catch (err) {
      this.didEncounterError(err as Error);
      throw err;
    }
    const json =
      res.contentType.startsWith('application/json') ||
      res.contentType.startsWith('application/graphql-response+json');
    let parsed: unknown;
    try {
      parsed = json ? JSON.parse(res.body) : res.body;
    } catch (err) {
      this.didEncounterError(err as Error);
      throw err;
    }
    if (res.status < 200 || res.status > 299) {
      throw new GraphQLError(`${res.status}: ${statusText(res.status)}`, {
        extensions: {
          response: { url: this.url, status: res.status, statusText: statusText(res.status), body: parsed },
          ...(res.status === 401
            ? { code: 'UNAUTHENTICATED' }
            : res.status === 403
              ? { code: 'FORBIDDEN' }
              : {}),
        },
      });
    }
    if (typeof parsed !== 'object' || parsed === null) {
      const error = new Error(`Expected JSON response body, but received: ${parsed}`);
      this.didEncounterError(error);
      throw error;
    }
    const incoming = incomingRequestOf(options);
    if (incoming) restrictCachePolicy(incoming.overallCachePolicy, res.cacheControl);
    return parsed as GatewayGraphQLResponse;
  }

  /** The HTTP round trip, shared with identical query fetches already in flight. */
  private send(
    options: GraphQLDataSourceProcessOptions<RouterContext>,
    context: Partial<RouterContext> | undefined,
    headers: Record<string, string>,
    body: string,
  ): Promise<SubgraphHttpResponse> {
    const shareable =
      this.dedup &&
      incomingRequestOf(options)?.operation?.operation === 'query' &&
      context?.subgraphHeaders !== undefined;
    if (!shareable) return this.http.post(headers, body);
    // Keyed by who asks as well as what: subgraphs answer per caller.
    const caller = context?.caller;
    const key = `${caller ? `${caller.role}:${caller.id}` : '-'}\n${body}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const leader = this.http.post(headers, body).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, leader);
    return leader;
  }

  /**
   * Network failures and timeouts become a clean SERVICE_UNAVAILABLE naming the subgraph, instead
   * of undici's "fetch failed" (masked as an internal error) or a message with internal URLs.
   */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
    throw new GraphQLError(
      timedOut
        ? `Service "${this.subgraphName}" did not answer in time`
        : `Service "${this.subgraphName}" is unavailable`,
      { extensions: { code: SERVICE_UNAVAILABLE, serviceName: this.subgraphName }, originalError: error },
    );
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }
}

type IncomingRequest = { overallCachePolicy?: unknown; operation?: { operation: string } };

/** The client operation a fetch belongs to (absent for health checks and schema loading). */
function incomingRequestOf(
  options: GraphQLDataSourceProcessOptions<RouterContext>,
): IncomingRequest | undefined {
  return 'incomingRequestContext' in options
    ? (options.incomingRequestContext as IncomingRequest | undefined)
    : undefined;
}

type CachePolicy = { restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void };

/** As RemoteGraphQLDataSource does: the subgraph's Cache-Control narrows the operation's policy. */
function restrictCachePolicy(policy: unknown, header: string | undefined): void {
  if (!policy || typeof policy !== 'object' || !('restrict' in policy)) return;
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  for (const part of (header ?? '').split(',')) {
    const [name, value] = part.trim().toLowerCase().split('=');
    if (name === 'max-age' && value && /^[0-9]+$/.test(value)) hint.maxAge = Number(value);
    else if (name === 'private') hint.scope = 'PRIVATE';
    else if (name === 'public') hint.scope = 'PUBLIC';
  }
  (policy as CachePolicy).restrict(hint);
}
