import type { SubgraphContext } from '@baemin/platform';

/** Per-request context of the store subgraph. */
export type Context = SubgraphContext;
