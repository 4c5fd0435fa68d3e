import { useCallback, useMemo } from 'react';
import { useClient } from 'urql';
import { formatDateTime, formatWon, shortId } from '../format';
import type { Row, Rows } from '../live/useDashboards';
import { MyOrderPageQuery } from '../operations';
import { FINISHED } from '../orderStatus';
import { Link } from '../ui/Link';
import { LoadMore } from '../ui/LoadMore';
import { StatusPill } from '../ui/StatusPill';
import { usePagedList } from '../ui/usePagedList';

/** Orders per page of the list (the API's `first`). */
export const ORDERS_PAGE = 20;

/** Newest first, as myOrderConnection pages them: by placedAt, then id. */
function newestFirst(a: Row, b: Row): number {
  return b.placedAt.localeCompare(a.placedAt) || b.orderId.localeCompare(a.orderId);
}

/**
 * The customer's orders a page at a time (`myOrderConnection`), kept live by the dashboard feed:
 * in progress, then past orders, newest first, with "Load more orders" for older ones.
 */
export function OrderList({ live }: { live: Rows }) {
  const client = useClient();
  const fetchPage = useCallback(
    async (first: number, after: string | null) => {
      const res = await client
        .query(MyOrderPageQuery, { first, after }, { requestPolicy: 'network-only' })
        .toPromise();
      const conn = res.data?.myOrderConnection;
      // An order whose dashboard row has not been built yet is the newest one; the live feed
      // brings it as soon as it exists, so it is left out here rather than shown half-known.
      const page = conn && {
        nodes: conn.nodes.flatMap((o) => (o.dashboard ? [o.dashboard] : [])),
        pageInfo: conn.pageInfo,
      };
      return { page: page ?? null, error: res.error };
    },
    [client],
  );
  const list = usePagedList('my-orders', ORDERS_PAGE, fetchPage);

  // The pages say which orders are shown; the feed keeps them current and adds orders placed
  // since. Live rows older than the last loaded one wait for "Load more", so the list has no gap.
  const rows = useMemo(() => {
    // Until the first page answers the feed alone would show a longer list that then shrinks.
    if (!list.loaded) return [];
    const byId = new Map<string, Row>();
    for (const r of list.items) byId.set(r.orderId, r);
    const last = list.items.at(-1);
    for (const r of Object.values(live)) {
      const held = byId.get(r.orderId);
      if (held ? r.sequence > held.sequence : !list.hasNextPage || !last || newestFirst(r, last) <= 0) {
        byId.set(r.orderId, r);
      }
    }
    return [...byId.values()].sort(newestFirst);
  }, [list.loaded, list.items, list.hasNextPage, live]);

  const active = rows.filter((r) => !FINISHED.has(r.status));
  const past = rows.filter((r) => FINISHED.has(r.status));
  return (
    <>
      <h1>Your orders</h1>
      {!list.loaded && <p className="muted">Loading…</p>}
      {list.problem && (
        <p className="alert alert-error" role="alert">
          {list.problem.message}
        </p>
      )}
      {list.loaded && rows.length === 0 && !list.problem && (
        <p className="muted">
          No orders yet. <Link href="/customer">Find something delicious</Link>.
        </p>
      )}
      {active.length > 0 && <OrderSection title="In progress" rows={active} />}
      {past.length > 0 && <OrderSection title="Past orders" rows={past} />}
      <LoadMore list={list} label="Load more orders" />
    </>
  );
}

function OrderSection({ title, rows }: { title: string; rows: Row[] }) {
  return (
    <section aria-label={title} className="order-section">
      <h2>{title}</h2>
      <ul className="order-list">
        {rows.map((r) => (
          <li key={r.orderId}>
            <Link
              href={`/customer/orders/${encodeURIComponent(r.orderId)}`}
              className="card order-row"
              data-order={r.orderId}
            >
              <div>
                <strong>{r.storeName}</strong>
                <p className="muted small">
                  {shortId(r.orderId)} · {formatDateTime(r.placedAt)} ·{' '}
                  {r.items.map((i) => `${i.quantity}× ${i.name}`).join(', ')}
                </p>
              </div>
              <div className="order-row-right">
                <StatusPill status={r.status} />
                <span className="price">{formatWon(r.total)}</span>
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
