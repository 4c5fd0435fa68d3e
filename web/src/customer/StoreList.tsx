import { useQuery } from 'urql';
import { formatWon } from '../format';
import { problemOf } from '../graphqlClient';
import { StoresQuery } from '../operations';
import { Link } from '../ui/Link';
import { type Cart, cartCount } from './cart';

/** Every store, open ones first, with what they cook and their price range. */
export function StoreList({ cart }: { cart: Cart }) {
  const [{ data, error, fetching }] = useQuery({ query: StoresQuery });
  const problem = problemOf(error);
  return (
    <>
      <section className="hero-band">
        <h1>What would you like today?</h1>
        <p className="muted">Order from the best places in Seoul and follow it live to your door.</p>
      </section>
      {problem && (
        <p className="alert alert-error" role="alert">
          {problem.message}
        </p>
      )}
      {fetching && !data && <p className="muted">Loading stores…</p>}
      <ul className="store-grid" aria-label="Stores">
        {data?.stores.map((s) => {
          const prices = s.menu.map((m) => m.price);
          const count = cart.storeId === s.id ? cartCount(cart) : 0;
          return (
            <li key={s.id}>
              <Link
                href={`/customer/stores/${encodeURIComponent(s.id)}`}
                className={`card store-card${s.open ? '' : ' store-closed'}`}
                data-store={s.id}
              >
                <div className={`store-art art-${s.category.toLowerCase()}`} aria-hidden="true">
                  <span>{s.name.slice(0, 1)}</span>
                </div>
                <div className="store-body">
                  <div className="store-title">
                    <h2>{s.name}</h2>
                    <span className={`badge ${s.open ? 'badge-open' : 'badge-closed'}`}>
                      {s.open ? 'Open' : 'Closed'}
                    </span>
                  </div>
                  <p className="muted">{s.description}</p>
                  <p className="store-meta">
                    <span className="chip">{s.category}</span>
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
    </>
  );
}
