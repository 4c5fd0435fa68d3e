import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { annotateLogContext } from './logContext.js';
import { boundedLabel, metrics, secondsSince } from './metrics.js';

/**
 * Apollo Server plugin recording, per operation name (at most 200 distinct names, then `other`)
 * and type: requests with their outcome, a latency histogram and errors by `extensions.code`.
 * Requests that fail before an operation is known (parse, validation, auth) count as `unknown`.
 * It also puts an order id found in the variables (`orderId`, `id`, `input.orderId`) into the log
 * context. The router and every subgraph use it.
 */
export function graphqlMetricsPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  const names = new Set<string>();
  return {
    async requestDidStart({ request }) {
      const start = process.hrtime.bigint();
      const vars = request.variables as Record<string, unknown> | undefined;
      const orderId =
        vars?.orderId ?? (vars?.input as { orderId?: unknown } | undefined)?.orderId ?? vars?.id ?? undefined;
      if (typeof orderId === 'string') annotateLogContext({ orderId });
      let operation = 'unknown';
      let type = 'unknown';
      let failed = false;
      return {
        async didResolveOperation(ctx) {
          operation = boundedLabel(names, ctx.operationName ?? 'anonymous');
          type = ctx.operation?.operation ?? 'unknown';
        },
        async didEncounterErrors({ errors }) {
          failed = true;
          for (const e of errors) {
            const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';
            metrics.graphqlErrors.inc({ operation, code });
          }
        },
        async willSendResponse() {
          metrics.graphqlRequests.inc({ operation, type, outcome: failed ? 'error' : 'ok' });
          metrics.graphqlDuration.observe({ operation, type }, secondsSince(start));
        },
      };
    },
  };
}
