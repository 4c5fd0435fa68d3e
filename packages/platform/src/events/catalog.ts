import type { OpeningPeriod } from '../catalog/openingHours.js';
/**
 * The event catalogue: every topic, event type and payload the bounded contexts exchange.
 * It is the contract between services (docs/events.md explains it for people). Payload changes
 * that break consumers need a new `schemaVersion`.
 */

/** One topic per bounded context; the key is the order id (store id for catalogue events). */
export const Topics = {
  order: 'order.events',
  store: 'store.events',
  payment: 'payment.events',
  delivery: 'delivery.events',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];
export const ALL_TOPICS: TopicName[] = Object.values(Topics);

/**
 * The consumer group each context reads with (group name = context name = inbox consumer name)
 * and its topics, as each subgraph's server.ts subscribes. Used by tools that must move a
 * context's group, e.g. `npm run restore` rewinds it after putting a backup in place.
 */
export const CONSUMER_GROUPS = {
  order: { group: 'order', topics: [Topics.store, Topics.delivery, Topics.payment] },
  store: { group: 'store', topics: [Topics.order] },
  payment: { group: 'payment', topics: [Topics.order] },
  delivery: { group: 'delivery', topics: [Topics.store] },
  dashboard: { group: 'dashboard', topics: [Topics.order, Topics.payment, Topics.delivery] },
} as const satisfies Record<string, { group: string; topics: TopicName[] }>;

/** The customer-visible order status (order context is its source of truth). */
export type OrderStatus =
  | 'PLACED'
  | 'ACCEPTED'
  | 'REJECTED'
  | 'COOKING'
  | 'READY'
  | 'PICKED_UP'
  | 'DELIVERED'
  | 'CANCEL_PENDING'
  | 'CANCELED';

export type TicketStatus =
  | 'AWAITING_ACCEPTANCE'
  | 'ACCEPTED'
  | 'REJECTED'
  | 'COOKING'
  | 'READY'
  | 'PICKED_UP'
  | 'CANCELED';

export type PaymentStatus = 'CAPTURED' | 'REFUNDED';
export type DeliveryStatus = 'AVAILABLE' | 'PICKED_UP' | 'DELIVERED' | 'CANCELED';

export interface OrderLine {
  menuItemId: string;
  name: string;
  quantity: number;
  /** Won, integer. */
  unitPrice: number;
}

// ---- order.events (producer: order) ----

/** Every status event of an order carries this; `version` is the per-order sequence number. */
export interface OrderStatusPayload {
  orderId: string;
  customerId: string;
  storeId: string;
  ownerId: string;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  /** Per-order sequence: 1 for OrderPlaced, +1 for every later status event. */
  version: number;
  /** ISO time of the transition. */
  at: string;
  reason?: string;
  riderId?: string;
}

export interface OrderPlacedPayload extends OrderStatusPayload {
  storeName: string;
  items: OrderLine[];
  /** Won: the items plus `deliveryFee`. */
  total: number;
  /** Won, part of `total`; absent in events from before delivery fees (0). */
  deliveryFee?: number;
  paymentId: string;
}

export const OrderEvents = {
  OrderPlaced: 'OrderPlaced',
  OrderAccepted: 'OrderAccepted',
  OrderRejected: 'OrderRejected',
  OrderCookingStarted: 'OrderCookingStarted',
  OrderReady: 'OrderReady',
  OrderPickedUp: 'OrderPickedUp',
  OrderDelivered: 'OrderDelivered',
  /** Cancel saga step 1: the customer asked; the store must confirm (ticket canceled) or refuse. */
  OrderCancelRequested: 'OrderCancelRequested',
  /** Cancel saga end: ticket canceled; payment refunds. */
  OrderCanceled: 'OrderCanceled',
  /** Cancel saga end: the store refused (cooking had started); the order resumes its previous course. */
  OrderCancelDenied: 'OrderCancelDenied',
} as const;

// ---- store.events (producer: store) ----

export interface StoreUpsertedPayload {
  storeId: string;
  name: string;
  ownerId: string;
  open: boolean;
  /** Monotonic per store; replicas ignore older snapshots. */
  version: number;
  /**
   * The menu as customers may order it (removed items are left out). `options` (extras with a
   * price delta in won) and `category` were added later: absent in older snapshots (no options).
   */
  menu: {
    menuItemId: string;
    name: string;
    price: number;
    available: boolean;
    category?: string;
    options?: { name: string; priceDelta: number }[];
  }[];
  /** Weekly opening periods on the store's wall clock; absent or empty: no hours limit. */
  openingHours?: OpeningPeriod[];
  /** IANA zone of `openingHours`; absent: Asia/Seoul. */
  timeZone?: string;
  /** Smallest item subtotal (won) an order may have; absent: 0. */
  minimumOrder?: number;
  /** Added to every order's total (won); absent: 0. */
  deliveryFee?: number;
}

export interface TicketPayload {
  orderId: string;
  storeId: string;
  ownerId: string;
  customerId: string;
  status: TicketStatus;
  at: string;
  reason?: string;
}

export const StoreEvents = {
  /** Full snapshot of a store and its menu (event-carried state transfer for the order context). */
  StoreUpserted: 'StoreUpserted',
  TicketCreated: 'TicketCreated',
  TicketAccepted: 'TicketAccepted',
  TicketRejected: 'TicketRejected',
  TicketCookingStarted: 'TicketCookingStarted',
  TicketReady: 'TicketReady',
  TicketPickedUp: 'TicketPickedUp',
  TicketCanceled: 'TicketCanceled',
  /** The store refused a cancel; `status` is the ticket's status at that moment. */
  TicketCancelRefused: 'TicketCancelRefused',
} as const;

// ---- payment.events (producer: payment) ----

export interface PaymentPayload {
  paymentId: string;
  orderId: string;
  customerId: string;
  amount: number;
  status: PaymentStatus;
  at: string;
  reason?: string;
}

export const PaymentEvents = {
  PaymentCaptured: 'PaymentCaptured',
  PaymentRefunded: 'PaymentRefunded',
  /**
   * An order was confirmed (its OrderPlaced arrived) while its payment was already refunded: the
   * order must not be fulfilled. The order context cancels it (docs/saga.md, "Orphan captures").
   */
  PaymentVoided: 'PaymentVoided',
} as const;

// ---- delivery.events (producer: delivery) ----

export interface DeliveryPayload {
  deliveryId: string;
  orderId: string;
  storeId: string;
  customerId: string;
  status: DeliveryStatus;
  riderId: string | null;
  at: string;
}

export const DeliveryEvents = {
  DeliveryCreated: 'DeliveryCreated',
  DeliveryPickedUp: 'DeliveryPickedUp',
  DeliveryCompleted: 'DeliveryCompleted',
  DeliveryCanceled: 'DeliveryCanceled',
} as const;
