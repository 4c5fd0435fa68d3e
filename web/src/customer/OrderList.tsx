import { formatDateTime, formatWon, shortId } from '../format';
import type { Row } from '../live/useDashboards';
import { FINISHED } from '../orderStatus';
import { Link } from '../ui/Link';
import { StatusPill } from '../ui/StatusPill';

/** Orders in progress, then past orders, newest first. */
export function OrderList({ rows, loaded }: { rows: Row[]; loaded: boolean }) {
  const sorted = [...rows].sort((a, b) => b.placedAt.localeCompare(a.placedAt));
  const active = sorted.filter((r) => !FINISHED.has(r.status));
  const past = sorted.filter((r) => FINISHED.has(r.status));
  return (
    <>
      <h1>Your orders</h1>
      {!loaded && <p className="muted">Loading…</p>}
      {loaded && rows.length === 0 && (
        <p className="muted">
          No orders yet. <Link href="/customer">Find something delicious</Link>.
        </p>
      )}
      {active.length > 0 && <OrderSection title="In progress" rows={active} />}
      {past.length > 0 && <OrderSection title="Past orders" rows={past} />}
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
