/** Stable error codes of live subscriptions (a public contract, like every extensions.code). */
export const SubscriptionErrorCode = {
  /** The supergraph changed; subscribe again. */
  SCHEMA_RELOAD: 'SUBSCRIPTION_SCHEMA_RELOAD',
  /** The owning subgraph stayed unreachable past the give-up time; subscribe again later. */
  UPSTREAM_UNAVAILABLE: 'SUBSCRIPTION_UPSTREAM_UNAVAILABLE',
  /** The router is shutting down. */
  SHUTTING_DOWN: 'SUBSCRIPTION_SHUTTING_DOWN',
  /**
   * Too many subscriptions: `extensions.scope` says which limit (`socket`, `caller`, `replays`,
   * `replayUpstreams`) and `extensions.limit` its value. Unsubscribe something first.
   */
  LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
} as const;
