import { domainError, ErrorCode } from '@baemin/platform';

/** Limits of PlaceOrderInput, as documented in the schema. */
const MAX_LINES = 50;
const MAX_QUANTITY = 99;
const MAX_IDEMPOTENCY_KEY_LENGTH = 100;

export interface PlaceOrderInputRaw {
  storeId: string;
  items: { menuItemId: string; quantity: number }[];
  idempotencyKey?: string | null;
}

export interface ValidPlaceOrderInput {
  storeId: string;
  /** Merged by menu item, in the order each item first appeared. */
  lines: { menuItemId: string; quantity: number }[];
  idempotencyKey: string | null;
}

const badInput = (message: string, extensions: Record<string, unknown> = {}) =>
  domainError(ErrorCode.BAD_USER_INPUT, message, extensions);

/**
 * Checks the shape of a new order (not the menu: that needs the catalogue) and merges lines that
 * name the same menu item. Throws BAD_USER_INPUT naming the offending field.
 */
export function validatePlaceOrderInput(input: PlaceOrderInputRaw): ValidPlaceOrderInput {
  const storeId = input.storeId.trim();
  if (!storeId) throw badInput('storeId is required', { field: 'storeId' });
  if (input.items.length < 1 || input.items.length > MAX_LINES) {
    throw badInput(`An order has 1 to ${MAX_LINES} lines`, { field: 'items' });
  }
  const merged = new Map<string, number>();
  for (const [i, item] of input.items.entries()) {
    const menuItemId = item.menuItemId.trim();
    if (!menuItemId) throw badInput('menuItemId is required', { field: `items[${i}].menuItemId` });
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw badInput(`quantity must be a whole number from 1 to ${MAX_QUANTITY}`, {
        field: `items[${i}].quantity`,
        menuItemId,
      });
    }
    const quantity = (merged.get(menuItemId) ?? 0) + item.quantity;
    if (quantity > MAX_QUANTITY) {
      throw badInput(`At most ${MAX_QUANTITY} of one menu item per order`, { field: 'items', menuItemId });
    }
    merged.set(menuItemId, quantity);
  }
  const key = input.idempotencyKey ?? null;
  if (key !== null && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badInput(`idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, {
      field: 'idempotencyKey',
    });
  }
  return {
    storeId,
    lines: [...merged].map(([menuItemId, quantity]) => ({ menuItemId, quantity })),
    idempotencyKey: key,
  };
}
