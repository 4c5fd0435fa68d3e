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

const cartKey = (customer: string) => `baemin.cart.${customer}`;

/**
 * The cart `customer` left in this tab, so that a reload or a visit to another page keeps it.
 * Kept in sessionStorage beside the session (each tab may be someone else) and per customer, so
 * signing in as someone else in the same tab starts with their own cart. Anything unreadable
 * (another version's shape, a hand-edited value) is an empty cart: the checkout prices and checks
 * every line again anyway.
 */
export function savedCart(customer: string): Cart {
  try {
    const raw = sessionStorage.getItem(cartKey(customer));
    return raw ? (asCart(JSON.parse(raw)) ?? EMPTY_CART) : EMPTY_CART;
  } catch {
    return EMPTY_CART;
  }
}

/** Keeps `cart` for `customer` in this tab (an empty cart removes the entry). */
export function saveCart(customer: string, cart: Cart): void {
  try {
    if (cart.lines.length === 0) sessionStorage.removeItem(cartKey(customer));
    else sessionStorage.setItem(cartKey(customer), JSON.stringify(cart));
  } catch {
    // Storage full or refused (private mode): the cart still lives in memory for this page.
  }
}

function asCart(value: unknown): Cart | null {
  if (!value || typeof value !== 'object') return null;
  const { storeId, storeName, lines } = value as Record<string, unknown>;
  if (typeof storeId !== 'string' || typeof storeName !== 'string' || !Array.isArray(lines)) return null;
  const valid = lines.every((l: unknown) => {
    if (!l || typeof l !== 'object') return false;
    const { menuItemId, name, price, quantity } = l as Record<string, unknown>;
    return (
      typeof menuItemId === 'string' &&
      typeof name === 'string' &&
      Number.isSafeInteger(price) &&
      (price as number) >= 0 &&
      Number.isInteger(quantity) &&
      (quantity as number) >= 1 &&
      (quantity as number) <= MAX_QUANTITY
    );
  });
  if (!valid || lines.length === 0) return null;
  return {
    storeId,
    storeName,
    lines: (lines as CartLine[]).map(({ menuItemId, name, price, quantity }) => ({
      menuItemId,
      name,
      price,
      quantity,
    })),
  };
}
