import { perRequest, requireCaller, rowLoader } from '@baemin/platform';
import { assertCanSeeDelivery, canSeeDelivery, requireRider } from './auth.js';
import type { DeliveryService } from './DeliveryService.js';
import type { Resolvers } from './generated/resolvers-types.js';

export function deliveryResolvers(service: DeliveryService): Resolvers {
  // `order { delivery }` over a list of orders: one query per batch of orders, not one per order.
  const loaders = perRequest(() => ({
    deliveryOf: rowLoader(
      (orderIds: readonly string[]) => service.findByOrders(orderIds),
      (row) => row.orderId,
    ),
  }));
  return {
    Query: {
      availableDeliveries: (_parent, _args, { caller }) => {
        requireRider(caller);
        return service.available();
      },
      myDeliveries: (_parent, _args, { caller }) => service.ofRider(requireRider(caller).id),
      availableDeliveryConnection: (_parent, args, { caller }) => {
        requireRider(caller);
        return service.availablePage(args);
      },
      myDeliveryConnection: (_parent, args, { caller }) => service.riderPage(requireRider(caller).id, args),
      delivery: async (_parent, { orderId }, { caller }) => {
        const known = requireCaller(caller);
        const delivery = await service.findByOrder(orderId);
        if (!delivery) return null;
        assertCanSeeDelivery(known, delivery);
        return delivery;
      },
    },
    Mutation: {
      pickUp: (_parent, { orderId }, { caller }) => service.pickUp(requireRider(caller), orderId),
      completeDelivery: (_parent, { orderId }, { caller }) =>
        service.completeDelivery(requireRider(caller), orderId),
    },
    Delivery: {
      order: (d) => ({ __typename: 'Order', id: d.orderId }),
      store: (d) => ({ __typename: 'Store', id: d.storeId }),
    },
    Order: {
      // The delivery context knows orders only by id; the order context owns them.
      __resolveReference: (ref) => ({ id: ref.id }),
      // Null (not an error) when hidden, so a composed query over Order does not fail as a whole.
      delivery: async (order, _args, ctx) => {
        const delivery = await loaders(ctx).deliveryOf.load(order.id);
        return delivery && canSeeDelivery(ctx.caller, delivery) ? delivery : null;
      },
    },
  };
}
