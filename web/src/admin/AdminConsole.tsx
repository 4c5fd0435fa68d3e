import { type FormEvent, useCallback, useState } from 'react';
import { useClient, useMutation } from 'urql';
import type { ScreenProps } from '../App';
import { formatCategory } from '../format';
import { type ApiProblem, problemOf } from '../graphqlClient';
import { CreateStoreMutation, StoreConnectionQuery } from '../operations';
import { FieldError, invalidProps, parseWon, type WonKind } from '../owner/wonInput';
import { AppShell } from '../ui/AppShell';
import { useDebounced, usePagedList } from '../ui/usePagedList';
import { LoadMore } from '../ui/LoadMore';

/** Stores per page of the admin's list. */
const PAGE = 20;

const EMPTY = {
  ownerId: '',
  name: '',
  category: '',
  address: '',
  description: '',
  timeZone: 'Asia/Seoul',
  minimumOrder: '0',
  deliveryFee: '0',
};
type Values = typeof EMPTY;

/**
 * Platform staff (`admin` role): onboard a store for a named owner (`createStore` with
 * `ownerId`; the store starts closed, its owner opens it once the menu is ready), and look up
 * every store with its owner, a page at a time.
 */
export function AdminConsole({ identity, live, onSignOut }: ScreenProps) {
  const client = useClient();
  const [, create] = useMutation(CreateStoreMutation);
  const [values, setValues] = useState<Values>(EMPTY);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [created, setCreated] = useState<{ id: string; name: string; ownerId: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [amountErrors, setAmountErrors] = useState<Partial<Record<WonKind, string>>>({});
  const [search, setSearch] = useState('');
  const term = useDebounced(search.trim());
  const fetchPage = useCallback(
    async (first: number, after: string | null) => {
      const res = await client
        .query(
          StoreConnectionQuery,
          { first, after, search: term || null },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
      return { page: res.data?.storeConnection ?? null, error: res.error };
    },
    [client, term],
  );
  const stores = usePagedList(term, PAGE, fetchPage);

  const field = (key: keyof Values, label: string, inputMode?: 'numeric') => {
    const error = key === 'minimumOrder' || key === 'deliveryFee' ? amountErrors[key] : undefined;
    return (
      <>
        <label className="form-field" htmlFor={`onboard-${key}`}>
          <span>{label}</span>
          <input
            id={`onboard-${key}`}
            value={values[key]}
            inputMode={inputMode}
            {...invalidProps(`onboard-${key}`, error)}
            onChange={(e) => setValues({ ...values, [key]: e.target.value })}
          />
        </label>
        <FieldError inputId={`onboard-${key}`} error={error} />
      </>
    );
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // A blank or "abc" used to go out as null, which createStore takes as ₩0.
    const minimumOrder = parseWon(values.minimumOrder, 'minimumOrder');
    const deliveryFee = parseWon(values.deliveryFee, 'deliveryFee');
    setAmountErrors({
      minimumOrder: 'error' in minimumOrder ? minimumOrder.error : undefined,
      deliveryFee: 'error' in deliveryFee ? deliveryFee.error : undefined,
    });
    if ('error' in minimumOrder || 'error' in deliveryFee) {
      setProblem(null);
      return;
    }
    setBusy(true);
    setCreated(null);
    const res = await create({
      input: {
        ownerId: values.ownerId.trim(),
        name: values.name,
        category: values.category,
        address: values.address,
        description: values.description,
        timeZone: values.timeZone.trim(),
        minimumOrder: minimumOrder.value,
        deliveryFee: deliveryFee.value,
      },
    });
    const p = problemOf(res.error);
    setBusy(false);
    setProblem(p);
    if (!p && res.data) {
      setCreated({
        id: res.data.createStore.id,
        name: res.data.createStore.name,
        ownerId: values.ownerId.trim(),
      });
      setValues(EMPTY);
      stores.reload();
    }
  };

  return (
    <AppShell
      identity={identity}
      live={live}
      onSignOut={onSignOut}
      nav={[{ href: '/admin', label: 'Stores', current: true }]}
    >
      <div className="admin-layout">
        <section className="card" aria-labelledby="onboard-title">
          <h1 id="onboard-title">Onboard a store</h1>
          <p className="muted small">
            The store is created closed for its owner, who signs in, fills the menu and opens it.
          </p>
          <form className="store-form" onSubmit={submit} aria-label="Onboard a store">
            {field('ownerId', 'Owner id (their sign-in id)')}
            {field('name', 'Store name')}
            {field('category', 'Category')}
            {field('address', 'Address')}
            {field('description', 'Description')}
            {field('timeZone', 'Time zone')}
            {field('minimumOrder', 'Minimum order (₩)', 'numeric')}
            {field('deliveryFee', 'Delivery fee (₩)', 'numeric')}
            {problem && (
              <p className="alert alert-error small" role="alert">
                {problem.message}
              </p>
            )}
            {created && (
              <p className="alert alert-info small" role="status" data-created-store={created.id}>
                Created {created.name} for {created.ownerId}.
              </p>
            )}
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Create store
            </button>
          </form>
        </section>
        <section className="card" aria-labelledby="all-stores-title">
          <h2 id="all-stores-title">All stores</h2>
          <label className="form-field" htmlFor="admin-store-search">
            <span>Search stores</span>
            <input
              id="admin-store-search"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </label>
          {stores.problem && (
            <p className="alert alert-error small" role="alert">
              {stores.problem.message}
            </p>
          )}
          <table className="admin-stores" aria-label="All stores">
            <thead>
              <tr>
                <th scope="col">Store</th>
                <th scope="col">Owner</th>
                <th scope="col">Category</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {stores.items.map((s) => (
                <tr key={s.id} data-admin-store={s.id}>
                  <td>{s.name}</td>
                  <td data-owner={s.ownerId}>{s.ownerId}</td>
                  <td>{formatCategory(s.category)}</td>
                  <td>{s.open ? 'Open' : 'Closed'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore list={stores} label="Load more stores" />
        </section>
      </div>
    </AppShell>
  );
}
