import { perRequest, requireCaller, rowLoader } from '@baemin/platform';
import { assertCanSeePayment, canSeePayment } from './auth.js';
import type { Resolvers } from './generated/resolvers-types.js';
import type { PaymentService } from './PaymentService.js';

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
        const known = requireCaller(caller);
        const payment = await payments.findByOrder(orderId);
        if (!payment) return null;
        assertCanSeePayment(known, payment);
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
