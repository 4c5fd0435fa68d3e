import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type DocumentNode, GraphQLError, Kind } from 'graphql';

/** Stable `extensions.code` values of this module (public contract: add, never rename). */
export const OperationRuleCode = {
  /** Apollo Server's code for a document whose operation to run cannot be told. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  BAD_REQUEST: 'BAD_REQUEST',
} as const;

/**
 * Why no operation of `document` can run under `operationName` (call it when graphql-js's
 * `getOperationAST` found none), as a 400 GraphQLError with code OPERATION_RESOLUTION_FAILURE and
 * graphql-js's own messages. One verdict for both transports: Apollo Server gives this code when
 * execution reports it, but the gateway's executor throws instead, which came out as a 500 with
 * the planner's INVALID_GRAPHQL; the WebSocket said BAD_USER_INPUT "Unknown operation".
 */
export function unresolvedOperationError(
  document: DocumentNode,
  operationName: string | null | undefined,
): GraphQLError {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : operations.length === 0
      ? 'Must provide an operation.'
      : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, {
    extensions: { code: OperationRuleCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } },
  });
}

/**
 * Apollo Server plugin for what HTTP can run, checked before any limit, plan or subgraph fetch:
 * the document must name one operation (see {@link unresolvedOperationError}), and it must not
 * be a subscription: those are served over graphql-ws on the same path (Apollo Server refuses
 * them on GET with a 405; on POST the gateway threw "Execution of subscriptions not supported",
 * a masked 500). Over the WebSocket, subscriptions go to the subscription engine and never reach
 * Apollo Server.
 */
export function operationRules<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) throw unresolvedOperationError(document, request.operationName);
          if (operation.operation === 'subscription') {
            throw new GraphQLError(
              'Subscriptions are served over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on this same path, not over HTTP',
              { extensions: { code: OperationRuleCode.BAD_REQUEST, http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}
