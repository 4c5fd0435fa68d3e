import type { SubgraphContext } from '@baemin/platform';

/** Per-request context of the payment subgraph. */
export type Context = SubgraphContext;
