import type { SubgraphContext } from '@baemin/platform';

/** Per-request context of the dashboard subgraph. */
export type Context = SubgraphContext;
