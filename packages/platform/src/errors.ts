import { GraphQLError } from 'graphql';

/**
 * Stable `extensions.code` values. Clients branch on these, so they are a public contract:
 * add new ones, never rename.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The state machine does not allow this step now (e.g. cancel after cooking started). */
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  MENU_ITEM_UNAVAILABLE: 'MENU_ITEM_UNAVAILABLE',
  /** The store is closed by its owner or outside its opening hours (`extensions.reason: OUTSIDE_OPENING_HOURS`). */
  STORE_CLOSED: 'STORE_CLOSED',
  /** The items cost less than the store's minimum order; `extensions.minimumOrder`, `subtotal` (won). */
  MINIMUM_ORDER_NOT_MET: 'MINIMUM_ORDER_NOT_MET',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  /** Payment is down or overloaded (circuit open); `extensions.retryAfterSeconds` says when to retry. */
  PAYMENT_UNAVAILABLE: 'PAYMENT_UNAVAILABLE',
  /** A subgraph could not be reached or timed out (router). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  /**
   * A live feed was asked to replay more than its window (`afterChangeId` older than the retained
   * change feed, or more changes than one replay carries): nothing is skipped silently; subscribe
   * without `afterChangeId` and re-read with a query. `extensions.maxReplay`, `oldestChangeId`.
   */
  REPLAY_WINDOW_EXCEEDED: 'REPLAY_WINDOW_EXCEEDED',
  /**
   * placeOrder's `idempotencyKey` already placed an order of this customer with another store or
   * other items; `extensions.orderId` names that order. Nothing is charged: send a new key for a
   * new cart.
   */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function domainError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const notFound = (what: string, id: string) =>
  domainError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`, { id });

export const forbidden = (message = 'You are not allowed to do this') =>
  domainError(ErrorCode.FORBIDDEN, message);

export const unauthenticated = () =>
  domainError(ErrorCode.UNAUTHENTICATED, 'Sign in first: send Authorization: Bearer <token>');

export const invalidTransition = (entity: string, id: string, from: string, action: string) =>
  domainError(ErrorCode.INVALID_TRANSITION, `Cannot ${action} ${entity} ${id}: it is ${from}`, {
    currentStatus: from,
    action,
  });
