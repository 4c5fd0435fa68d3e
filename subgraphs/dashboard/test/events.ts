import { randomUUID } from 'node:crypto';
import {
  type DeliveryPayload,
  DeliveryEvents,
  type EventBus,
  OrderEvents,
  type OrderPlacedPayload,
  type OrderStatus,
  type OrderStatusPayload,
  type PaymentPayload,
  type PaymentEvents,
  Topics,
} from '@baemin/platform';
import { publish } from '@baemin/platform/testing';

/** Builds and publishes the events of one order, as the order, payment and delivery contexts would. */
export class OrderScript {
  readonly orderId = `order-${randomUUID()}`;
  private readonly base = Date.parse('2030-01-01T12:00:00.000Z') + Math.floor(Math.random() * 1e9);
  private previous: OrderStatus | null = null;

  constructor(
    private readonly bus: EventBus,
    readonly customerId = 'alice',
    readonly ownerId = 'owner-1',
    readonly storeId = 'store-1',
  ) {}

  /** ISO time `minutes` after this order's start. */
  at(minutes: number): string {
    return new Date(this.base + minutes * 60_000).toISOString();
  }

  placedPayload(minute = 0): OrderPlacedPayload {
    return {
      ...this.statusPayload('PLACED', 1, minute),
      storeName: 'Kimchi House',
      items: [
        { menuItemId: 'menu-1-1', name: 'Kimchi stew', quantity: 2, unitPrice: 9000 },
        { menuItemId: 'menu-1-2', name: 'Rice', quantity: 1, unitPrice: 1000 },
      ],
      total: 19_000,
      paymentId: `pay-${this.orderId}`,
    };
  }

  statusPayload(
    status: OrderStatus,
    version: number,
    minute: number,
    extra: { reason?: string; riderId?: string } = {},
  ): OrderStatusPayload {
    const payload: OrderStatusPayload = {
      orderId: this.orderId,
      customerId: this.customerId,
      storeId: this.storeId,
      ownerId: this.ownerId,
      status,
      previousStatus: this.previous,
      version,
      at: this.at(minute),
      ...extra,
    };
    this.previous = status;
    return payload;
  }

  placed(minute = 0) {
    return publish(
      this.bus,
      Topics.order,
      'order',
      OrderEvents.OrderPlaced,
      this.orderId,
      this.placedPayload(minute),
    );
  }

  status(
    type: keyof typeof OrderEvents,
    status: OrderStatus,
    version: number,
    minute: number,
    extra: { reason?: string; riderId?: string } = {},
  ) {
    return publish(
      this.bus,
      Topics.order,
      'order',
      type,
      this.orderId,
      this.statusPayload(status, version, minute, extra),
    );
  }

  payment(type: keyof typeof PaymentEvents, minute: number) {
    const payload: PaymentPayload = {
      paymentId: `pay-${this.orderId}`,
      orderId: this.orderId,
      customerId: this.customerId,
      amount: 19_000,
      status: type === 'PaymentCaptured' ? 'CAPTURED' : 'REFUNDED',
      at: this.at(minute),
    };
    return publish(this.bus, Topics.payment, 'payment', type, this.orderId, payload);
  }

  pickedUp(riderId: string, minute: number) {
    const payload: DeliveryPayload = {
      deliveryId: `del-${this.orderId}`,
      orderId: this.orderId,
      storeId: this.storeId,
      customerId: this.customerId,
      status: 'PICKED_UP',
      riderId,
      at: this.at(minute),
    };
    return publish(
      this.bus,
      Topics.delivery,
      'delivery',
      DeliveryEvents.DeliveryPickedUp,
      this.orderId,
      payload,
    );
  }

  /** Placed → delivered by `riderId`, with payment and delivery events, one minute apart. */
  async fullLifecycle(riderId = 'rider-1') {
    await this.payment('PaymentCaptured', 0);
    await this.placed(0);
    await this.status('OrderAccepted', 'ACCEPTED', 2, 1);
    await this.status('OrderCookingStarted', 'COOKING', 3, 2);
    await this.status('OrderReady', 'READY', 4, 3);
    await this.pickedUp(riderId, 4);
    await this.status('OrderPickedUp', 'PICKED_UP', 5, 4, { riderId });
    await this.status('OrderDelivered', 'DELIVERED', 6, 5);
  }
}
