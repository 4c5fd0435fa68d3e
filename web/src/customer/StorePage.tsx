import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { formatWon } from '../format';
import { type ApiProblem, problemOf } from '../graphqlClient';
import { PlaceOrderMutation, StoreHeaderQuery, StoreMenuPageQuery } from '../operations';
import { navigate } from '../router';
import { Link } from '../ui/Link';
import { useCountdown } from '../ui/useCountdown';
import { useDebounced, usePagedList } from '../ui/usePagedList';
import {
  addToCart,
  type Cart,
  type CartLine,
  cartCount,
  cartTotal,
  EMPTY_CART,
  needsReplace,
  setQuantity,
} from './cart';
import { LoadMore } from '../ui/LoadMore';

/** Dishes per page of a store's menu (the API's `first`). */
export const MENU_PAGE = 10;

function newKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** One store's menu and the cart; placing the order leads to its live status page. */
export function StorePage({
  storeId,
  cart,
  setCart,
}: {
  storeId: string;
  cart: Cart;
  setCart: (c: Cart) => void;
}) {
  const client = useClient();
  const [{ data, fetching }, refetch] = useQuery({ query: StoreHeaderQuery, variables: { id: storeId } });
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState('');
  const [availableOnly, setAvailableOnly] = useState(false);
  const term = useDebounced(search.trim());
  const fetchMenuPage = useCallback(
    async (first: number, after: string | null) => {
      const res = await client
        .query(
          StoreMenuPageQuery,
          {
            id: storeId,
            first,
            after,
            search: term || null,
            category: category || null,
            availableOnly: availableOnly || null,
          },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
      return { page: res.data?.store?.menuItems ?? null, error: res.error };
    },
    [client, storeId, term, category, availableOnly],
  );
  const menu = usePagedList(
    JSON.stringify([storeId, term, category, availableOnly]),
    MENU_PAGE,
    fetchMenuPage,
  );
  const [placing, placeOrder] = useMutation(PlaceOrderMutation);
  const [problem, setProblem] = useState<(ApiProblem & { until: number | null }) | null>(null);
  // One key per cart: a retry of the same cart (after a network error) can never charge twice.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new key whenever the cart changes
  const idempotencyKey = useMemo(newKey, [cart]);
  const store = data?.store ?? null;
  const ownCart = cart.storeId === storeId ? cart : EMPTY_CART;
  const waitSeconds = useCountdown(problem?.until ?? null);
  // A dish of this store waiting for the customer's word on replacing another store's cart.
  const [pendingDish, setPendingDish] = useState<Omit<CartLine, 'quantity'> | null>(null);

  // Visiting another store leaves the cart alone (there is one cart, of one store; adding a dish
  // here asks before replacing it); a message or a question belongs to the store it came from.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on store change only
  useEffect(() => {
    setProblem(null);
    setPendingDish(null);
    setSearch('');
    setCategory('');
    setAvailableOnly(false);
  }, [storeId]);

  if (!store) {
    return fetching || !data ? (
      <p className="muted">Loading…</p>
    ) : (
      <p className="alert alert-error" role="alert">
        There is no such store. <Link href="/customer">Back to stores</Link>
      </p>
    );
  }

  const submit = async () => {
    setProblem(null);
    const res = await placeOrder({
      input: {
        storeId,
        items: ownCart.lines.map((l) => ({ menuItemId: l.menuItemId, quantity: l.quantity })),
        idempotencyKey,
      },
    });
    const p = problemOf(res.error);
    if (p) {
      setProblem({ ...p, until: p.retryAfterSeconds ? Date.now() + p.retryAfterSeconds * 1000 : null });
      // Availability or opening hours changed under us: show the menu as it is now.
      if (p.code === 'MENU_ITEM_UNAVAILABLE' || p.code === 'STORE_CLOSED') {
        refetch({ requestPolicy: 'network-only' });
        menu.reload();
      }
      return;
    }
    if (res.data) {
      setCart(EMPTY_CART);
      navigate(`/customer/orders/${encodeURIComponent(res.data.placeOrder.id)}`);
    }
  };

  const add = (dish: Omit<CartLine, 'quantity'>) => {
    if (needsReplace(cart, storeId)) setPendingDish(dish);
    else setCart(addToCart(cart, store, dish));
  };

  const count = cartCount(ownCart);
  const blocked = waitSeconds > 0;
  return (
    <div className="store-layout">
      <section className="store-main" aria-labelledby="store-name">
        <Link href="/customer" className="back">
          ← All stores
        </Link>
        <header className="store-header">
          <div className={`store-art store-art-large art-${store.category.toLowerCase()}`} aria-hidden="true">
            <span>{store.name.slice(0, 1)}</span>
          </div>
          <div>
            <h1 id="store-name">{store.name}</h1>
            <p className="muted">{store.description}</p>
            <span
              className={`badge ${store.acceptingOrders ? 'badge-open' : 'badge-closed'}`}
              data-testid="store-open"
            >
              {store.acceptingOrders ? 'Open now' : 'Closed'}
            </span>
            <p className="muted small">
              {store.minimumOrder > 0 && <>Minimum order {formatWon(store.minimumOrder)} · </>}
              {store.deliveryFee > 0 ? `Delivery ${formatWon(store.deliveryFee)}` : 'Free delivery'}
            </p>
          </div>
        </header>
        {!store.acceptingOrders && (
          <p className="alert alert-warn" role="status">
            {store.open
              ? 'This store is outside its opening hours. You can look at the menu, but not order.'
              : 'This store is closed right now. You can look at the menu, but not order.'}
          </p>
        )}
        <form className="filters" aria-label="Find a dish" onSubmit={(e) => e.preventDefault()}>
          <label className="form-field" htmlFor="menu-search">
            <span>Search the menu</span>
            <input
              id="menu-search"
              type="search"
              placeholder="Dish name"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={availableOnly}
              onChange={(e) => setAvailableOnly(e.target.checked)}
            />
            Available only
          </label>
        </form>
        {store.menuCategories.length > 1 && (
          <fieldset className="category-tabs" aria-label="Menu sections">
            {['', ...store.menuCategories].map((c) => (
              <button
                key={c || 'all'}
                type="button"
                className={`chip chip-button${category === c ? ' chip-mint' : ''}`}
                aria-pressed={category === c}
                onClick={() => setCategory(c)}
              >
                {c || 'All'}
              </button>
            ))}
          </fieldset>
        )}
        {menu.problem && (
          <p className="alert alert-error" role="alert">
            {menu.problem.message}
          </p>
        )}
        {menu.loaded && !menu.loading && menu.items.length === 0 && !menu.problem && (
          <p className="muted" role="status">
            No dish matches.
          </p>
        )}
        <ul className="menu" aria-label="Menu" aria-busy={menu.loading}>
          {menu.items.map((m) => (
            <li key={m.id} className={`menu-item${m.available ? '' : ' sold-out'}`} data-menu-item={m.id}>
              <div>
                <h3>{m.name}</h3>
                {m.description && <p className="muted small">{m.description}</p>}
                <p className="price">{formatWon(m.price)}</p>
              </div>
              {m.available ? (
                <button
                  type="button"
                  className="btn btn-add"
                  onClick={() => add({ menuItemId: m.id, name: m.name, price: m.price })}
                  aria-label={`Add ${m.name} to cart`}
                >
                  Add
                </button>
              ) : (
                <span className="badge badge-soldout">Sold out</span>
              )}
            </li>
          ))}
        </ul>
        <LoadMore list={menu} label="Load more dishes" />
      </section>
      {count > 0 && (
        <button
          type="button"
          className="cart-bar"
          onClick={() => {
            const cartEl = document.getElementById('cart');
            cartEl?.scrollIntoView({ behavior: 'smooth' });
            cartEl?.focus({ preventScroll: true });
          }}
        >
          <span className="chip chip-on-mint">{count}</span> View cart
          <strong>{formatWon(cartTotal(ownCart))}</strong>
        </button>
      )}
      <aside className="cart card" id="cart" tabIndex={-1} aria-labelledby="cart-title">
        <h2 id="cart-title">Your cart {count > 0 && <span className="chip chip-mint">{count}</span>}</h2>
        {ownCart.lines.length === 0 ? (
          <p className="muted" data-testid="cart-empty">
            {cart.lines.length > 0 && cart.storeId ? (
              <>
                Your cart has dishes from{' '}
                <Link href={`/customer/stores/${encodeURIComponent(cart.storeId)}`}>{cart.storeName}</Link>.
                Adding a dish here asks before replacing them.
              </>
            ) : (
              'Add dishes from the menu.'
            )}
          </p>
        ) : (
          <ul className="cart-lines">
            {ownCart.lines.map((l) => (
              <li key={l.menuItemId}>
                <span className="cart-name">{l.name}</span>
                <fieldset className="qty">
                  <legend className="sr-only">Quantity of {l.name}</legend>
                  <button
                    type="button"
                    className="btn btn-icon"
                    aria-label={`One less ${l.name}`}
                    onClick={() => setCart(setQuantity(cart, l.menuItemId, l.quantity - 1))}
                  >
                    −
                  </button>
                  <span aria-live="polite">{l.quantity}</span>
                  <button
                    type="button"
                    className="btn btn-icon"
                    aria-label={`One more ${l.name}`}
                    onClick={() => setCart(setQuantity(cart, l.menuItemId, l.quantity + 1))}
                  >
                    +
                  </button>
                </fieldset>
                <span className="cart-price">{formatWon(l.price * l.quantity)}</span>
              </li>
            ))}
          </ul>
        )}
        <div className="cart-total">
          <span>Total</span>
          <strong data-testid="cart-total">{formatWon(cartTotal(ownCart))}</strong>
        </div>
        {problem && <OrderProblem problem={problem} seconds={waitSeconds} />}
        <button
          type="button"
          className="btn btn-primary btn-block"
          disabled={ownCart.lines.length === 0 || !store.acceptingOrders || placing.fetching || blocked}
          onClick={submit}
        >
          {placing.fetching
            ? 'Placing order…'
            : blocked
              ? `Try again in ${waitSeconds} s`
              : problem?.code === 'PAYMENT_UNAVAILABLE'
                ? 'Try again'
                : `Order and pay ${formatWon(cartTotal(ownCart))}`}
        </button>
      </aside>
      {pendingDish && (
        <ReplaceCartDialog
          from={cart.storeName ?? 'another store'}
          dish={pendingDish.name}
          onKeep={() => setPendingDish(null)}
          onReplace={() => {
            setCart(addToCart(EMPTY_CART, store, pendingDish));
            setPendingDish(null);
          }}
        />
      )}
    </div>
  );
}

/**
 * Asks before a dish of this store replaces a cart of another (Baemin has one cart). A modal
 * <dialog>: the browser traps focus and Escape, and Escape counts as "Keep my cart", the answer
 * that loses nothing, which is also where focus starts.
 */
function ReplaceCartDialog({
  from,
  dish,
  onKeep,
  onReplace,
}: {
  from: string;
  dish: string;
  onKeep: () => void;
  onReplace: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="card confirm-dialog"
      aria-labelledby="replace-cart-title"
      aria-describedby="replace-cart-text"
      onCancel={(e) => {
        e.preventDefault();
        onKeep();
      }}
    >
      <h2 id="replace-cart-title">Start a new cart with {dish}?</h2>
      <p id="replace-cart-text">Your cart has dishes from {from}. Replace them with this dish?</p>
      <div className="confirm-actions">
        {/* biome-ignore lint/a11y/noAutofocus: in a modal dialog focus belongs on the safe answer */}
        <button type="button" className="btn btn-ghost" autoFocus onClick={onKeep}>
          Keep my cart
        </button>
        <button type="button" className="btn btn-primary" onClick={onReplace}>
          Replace
        </button>
      </div>
    </dialog>
  );
}

/** A placeOrder failure in words a customer understands, with the retry hint counting down. */
function OrderProblem({ problem, seconds }: { problem: ApiProblem; seconds: number }) {
  let title: string;
  let text: string;
  switch (problem.code) {
    case 'PAYMENT_UNAVAILABLE':
      title = 'Payment is temporarily unavailable';
      text =
        seconds > 0
          ? `You were not charged. Please try again in ${seconds} s.`
          : 'You were not charged. You can try again now.';
      break;
    case 'PAYMENT_DECLINED':
      title = 'Payment declined';
      text = problem.message;
      break;
    case 'MENU_ITEM_UNAVAILABLE':
      title = 'Something in your cart just sold out';
      text = `${problem.message} Remove it from your cart and order again.`;
      break;
    case 'STORE_CLOSED':
      title = 'This store has just closed';
      text = 'It is not taking orders right now. Your cart is kept for later.';
      break;
    default:
      title = 'The order could not be placed';
      text = problem.message;
  }
  return (
    <div className="alert alert-error" role="alert" data-error-code={problem.code}>
      <strong>{title}</strong>
      <p>{text}</p>
    </div>
  );
}
