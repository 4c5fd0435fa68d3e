import {
  type Caller,
  canSeePayment as canSeePaymentOf,
  forbidden,
  perRequest,
  rowLoader,
  unauthenticated,
} from '@baemin/platform';
import type { PaymentRow } from './db/schema.js';
import type { Resolvers } from './generated/resolvers-types.js';
import type { PaymentService } from './PaymentService.js';

/** The payment's customer and its store's owner may see it; nobody else (the platform's payment rule). */
export function canSeePayment(caller: Caller | null, payment: PaymentRow): boolean {
  return canSeePaymentOf(caller, payment);
}

export function paymentResolvers(payments: PaymentService): Resolvers {
  // `order { payment }` over a list of orders: one query per batch of orders, not one per order.
  const loaders = perRequest(() => ({
    paymentOf: rowLoader(
      (orderIds: readonly string[]) => payments.findByOrders(orderIds),
      (row) => row.orderId,
    ),
  }));
  return {
    Query: {
      payment: async (_parent, { orderId }, { caller }) => {
        if (!caller) throw unauthenticated();
        const payment = await payments.findByOrder(orderId);
        if (!payment) return null;
        if (!canSeePayment(caller, payment))
          throw forbidden('Only the customer and the store owner see a payment');
        return payment;
      },
    },
    Order: {
      // The payment context knows orders only by id; the order context owns them.
      __resolveReference: (ref) => ({ id: ref.id }),
      // Null (not an error) when hidden, so a composed query over Order does not fail as a whole.
      payment: async (order, _args, ctx) => {
        const payment = await loaders(ctx).paymentOf.load(order.id);
        return payment && canSeePayment(ctx.caller, payment) ? payment : null;
      },
    },
  };
}
