import { useCallback, useState } from 'react';
import { useClient } from 'urql';
import { formatCategory, formatWon } from '../format';
import { StoreConnectionQuery } from '../operations';
import { Link } from '../ui/Link';
import { useDebounced, usePagedList } from '../ui/usePagedList';
import { type Cart, cartCount } from './cart';
import { LoadMore } from '../ui/LoadMore';

/** Stores per page of the list (the API's `first`). */
export const STORES_PAGE = 12;

/**
 * Stores in the platform's order (open ones first), a page at a time: searched by name or
 * description, filtered by category and "open now", with "Load more" for the next page.
 */
export function StoreList({ cart }: { cart: Cart }) {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState('');
  const [openOnly, setOpenOnly] = useState(false);
  // Every category seen so far: filtering by one must not empty the choice of the others.
  const [categories, setCategories] = useState<string[]>([]);
  const term = useDebounced(search.trim());
  const key = JSON.stringify([term, category, openOnly]);
  const fetchPage = useCallback(
    async (first: number, after: string | null) => {
      const res = await client
        .query(
          StoreConnectionQuery,
          {
            first,
            after,
            search: term || null,
            category: category || null,
            openOnly: openOnly || null,
          },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
      const page = res.data?.storeConnection ?? null;
      if (page) {
        setCategories((known) => {
          const more = page.nodes.map((s) => s.category).filter((c) => c && !known.includes(c));
          return more.length ? [...known, ...new Set(more)].sort() : known;
        });
      }
      return { page, error: res.error };
    },
    [client, term, category, openOnly],
  );
  const list = usePagedList(key, STORES_PAGE, fetchPage);
  return (
    <>
      <section className="hero-band">
        <h1>What would you like today?</h1>
        <p className="muted">Order from the best places in Seoul and follow it live to your door.</p>
      </section>
      <form className="filters" aria-label="Find a store" onSubmit={(e) => e.preventDefault()}>
        <label className="form-field" htmlFor="store-search">
          <span>Search stores</span>
          <input
            id="store-search"
            type="search"
            placeholder="Name or dish style"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
        <label className="form-field" htmlFor="store-category">
          <span>Category</span>
          <select id="store-category" value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {formatCategory(c)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} />
          Open now only
        </label>
      </form>
      {list.problem && (
        <p className="alert alert-error" role="alert">
          {list.problem.message}
        </p>
      )}
      {list.loading && list.items.length === 0 && <p className="muted">Loading stores…</p>}
      {list.loaded && !list.loading && list.items.length === 0 && !list.problem && (
        <p className="muted" role="status">
          No store matches.
        </p>
      )}
      <ul className="store-grid" aria-label="Stores" aria-busy={list.loading}>
        {list.items.map((s) => {
          const prices = s.menu.map((m) => m.price);
          const count = cart.storeId === s.id ? cartCount(cart) : 0;
          // Open means the switch AND the opening hours now, as the store page and checkout judge it.
          const open = s.acceptingOrders;
          return (
            <li key={s.id}>
              <Link
                href={`/customer/stores/${encodeURIComponent(s.id)}`}
                className={`card store-card${open ? '' : ' store-closed'}`}
                data-store={s.id}
              >
                <div className={`store-art art-${s.category.toLowerCase()}`} aria-hidden="true">
                  <span>{s.name.slice(0, 1)}</span>
                </div>
                <div className="store-body">
                  <div className="store-title">
                    <h2>{s.name}</h2>
                    <span className={`badge ${open ? 'badge-open' : 'badge-closed'}`}>
                      {open ? 'Open' : 'Closed'}
                    </span>
                  </div>
                  <p className="muted">{s.description}</p>
                  <p className="store-meta">
                    <span className="chip">{formatCategory(s.category)}</span>
                    {prices.length > 0 && (
                      <span>
                        {formatWon(Math.min(...prices))} – {formatWon(Math.max(...prices))}
                      </span>
                    )}
                    {count > 0 && <span className="chip chip-mint">{count} in cart</span>}
                  </p>
                </div>
              </Link>
            </li>
          );
        })}
      </ul>
      <LoadMore list={list} label="Load more stores" />
    </>
  );
}
