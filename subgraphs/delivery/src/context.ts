import type { SubgraphContext } from '@baemin/platform';

/** Per-request context of the delivery subgraph. */
export type Context = SubgraphContext;
