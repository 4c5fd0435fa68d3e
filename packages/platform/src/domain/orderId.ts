import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new order's id: placeOrder is the only place orders are born, and their ids are UUIDs. */
export const newOrderId = (): string => randomUUID();

/**
 * Whether `id` can be an order's id at all ({@link newOrderId}'s shape). A context that hears of
 * orders only late (delivery, at TicketReady) can call an id that fails this unknown for certain;
 * any UUID may still be an order on its way.
 */
export const isOrderIdShape = (id: string): boolean => UUID.test(id);
