/**
 * The cart: lines of one store, as Baemin has one cart. A dish from another store replaces it only
 * once the customer agrees (see `needsReplace`), so a cart is never lost without a word.
 */
export interface Cart {
  storeId: string | null;
  /** Kept with the lines so another store's page can say whose dishes the cart holds. */
  storeName: string | null;
  lines: CartLine[];
}

export interface CartLine {
  menuItemId: string;
  name: string;
  price: number;
  quantity: number;
}

export const EMPTY_CART: Cart = { storeId: null, storeName: null, lines: [] };

/** Most of one dish per order, as the order context allows. */
export const MAX_QUANTITY = 99;

/** True when adding a dish of `storeId` would throw away dishes of another store. */
export function needsReplace(cart: Cart, storeId: string): boolean {
  return cart.lines.length > 0 && cart.storeId !== storeId;
}

/**
 * One more of `item`. A dish of another store starts a new cart: callers ask first
 * (`needsReplace`), this only does what was agreed.
 */
export function addToCart(
  cart: Cart,
  store: { id: string; name: string },
  item: Omit<CartLine, 'quantity'>,
): Cart {
  const base = cart.storeId === store.id ? cart : EMPTY_CART;
  const existing = base.lines.find((l) => l.menuItemId === item.menuItemId);
  const lines = existing
    ? base.lines.map((l) => (l === existing ? { ...l, quantity: Math.min(MAX_QUANTITY, l.quantity + 1) } : l))
    : [...base.lines, { ...item, quantity: 1 }];
  return { storeId: store.id, storeName: store.name, lines };
}

export function setQuantity(cart: Cart, menuItemId: string, quantity: number): Cart {
  const lines = cart.lines
    .map((l) => (l.menuItemId === menuItemId ? { ...l, quantity: Math.min(MAX_QUANTITY, quantity) } : l))
    .filter((l) => l.quantity > 0);
  return lines.length ? { ...cart, lines } : EMPTY_CART;
}

export function cartTotal(cart: Cart): number {
  return cart.lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
}

export function cartCount(cart: Cart): number {
  return cart.lines.reduce((sum, l) => sum + l.quantity, 0);
}
