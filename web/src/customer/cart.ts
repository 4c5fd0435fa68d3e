/** The cart: lines of one store (ordering from another store starts a new cart). */
export interface Cart {
  storeId: string | null;
  lines: CartLine[];
}

export interface CartLine {
  menuItemId: string;
  name: string;
  price: number;
  quantity: number;
}

export const EMPTY_CART: Cart = { storeId: null, lines: [] };

/** Most of one dish per order, as the order context allows. */
export const MAX_QUANTITY = 99;

export function addToCart(cart: Cart, storeId: string, item: Omit<CartLine, 'quantity'>): Cart {
  const base = cart.storeId === storeId ? cart : { storeId, lines: [] };
  const existing = base.lines.find((l) => l.menuItemId === item.menuItemId);
  const lines = existing
    ? base.lines.map((l) => (l === existing ? { ...l, quantity: Math.min(MAX_QUANTITY, l.quantity + 1) } : l))
    : [...base.lines, { ...item, quantity: 1 }];
  return { storeId, lines };
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
