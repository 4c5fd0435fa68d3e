import type { SubgraphContext } from '@baemin/platform';

/** Per-request context of the order subgraph. */
export type Context = SubgraphContext;
