import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { formatDateTime, formatWon, shortId } from '../format';
import { type ApiProblem, problemOf } from '../graphqlClient';
import type { Row } from '../live/useDashboards';
import { CancelOrderMutation, OrderExistsQuery } from '../operations';
import { cancelAllowed } from '../orderStatus';
import { Link } from '../ui/Link';
import { StatusPill } from '../ui/StatusPill';
import { Timeline } from '../ui/Timeline';

/** One order, live: status, timeline with times, what was ordered, payment, cancel while allowed. */
export function OrderPage({
  orderId,
  row,
  loaded,
}: {
  orderId: string;
  row: Row | undefined;
  loaded: boolean;
}) {
  const [canceling, cancelOrder] = useMutation(CancelOrderMutation);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  // Only asked while the dashboards have no row: a placed order reaches them asynchronously, so
  // "not there yet" must be told apart from "no such order" by the order context itself.
  const [exists] = useQuery({
    query: OrderExistsQuery,
    variables: { id: orderId },
    pause: !loaded || row !== undefined,
    requestPolicy: 'network-only',
  });

  if (!row) {
    const refused = problemOf(exists.error)?.code;
    const missing =
      (exists.data !== undefined && exists.data.order === null) ||
      refused === 'NOT_FOUND' ||
      refused === 'FORBIDDEN';
    return (
      <div className="order-page">
        <Link href="/customer/orders" className="back">
          ← Orders
        </Link>
        {missing ? (
          <p className="alert alert-error" role="alert">
            There is no such order. <Link href="/customer/orders">Back to orders</Link>
          </p>
        ) : (
          <p className="muted" role="status">
            {loaded && exists.data?.order ? 'Your order is on its way to the store…' : 'Loading your order…'}
          </p>
        )}
      </div>
    );
  }

  const cancel = async () => {
    setProblem(null);
    const res = await cancelOrder({ orderId });
    setProblem(problemOf(res.error));
  };
  const refunded = row.paymentStatus === 'REFUNDED';
  return (
    <div className="order-page" data-order={row.orderId}>
      <Link href="/customer/orders" className="back">
        ← Orders
      </Link>
      <div className="order-grid">
        <section className="card order-status" aria-labelledby="order-title">
          <div className="order-head">
            <div>
              <p className="muted small">Order {shortId(row.orderId)}</p>
              <h1 id="order-title">{row.storeName}</h1>
            </div>
            <StatusPill status={row.status} />
          </div>
          {row.statusReason && (
            <p className="alert alert-info" data-testid="status-reason">
              {row.status === 'REJECTED' ? 'The store said: ' : ''}
              {row.statusReason}
            </p>
          )}
          <Timeline row={row} />
          {cancelAllowed(row.status) && (
            <button
              type="button"
              className="btn btn-danger-ghost"
              onClick={cancel}
              disabled={canceling.fetching}
            >
              {canceling.fetching ? 'Canceling…' : 'Cancel order'}
            </button>
          )}
          {row.status === 'CANCEL_PENDING' && (
            <p className="muted" role="status">
              Asking the store to cancel. If the kitchen has already started, the order continues.
            </p>
          )}
          {problem && (
            <p className="alert alert-error" role="alert" data-error-code={problem.code}>
              {problem.code === 'INVALID_TRANSITION'
                ? 'Too late to cancel: the kitchen has started cooking.'
                : problem.message}
            </p>
          )}
        </section>
        <section className="card order-summary" aria-labelledby="summary-title">
          <h2 id="summary-title">Summary</h2>
          <ul className="summary-lines">
            {row.items.map((i) => (
              <li key={i.menuItemId}>
                <span>
                  {i.quantity} × {i.name}
                </span>
                <span>{formatWon(i.quantity * i.unitPrice)}</span>
              </li>
            ))}
          </ul>
          <div className="cart-total">
            <span>Total paid</span>
            <strong>{formatWon(row.total)}</strong>
          </div>
          <p className="payment" data-payment={row.paymentStatus ?? 'UNKNOWN'}>
            Payment:{' '}
            <span className={refunded ? 'badge badge-refunded' : 'badge badge-open'}>
              {refunded
                ? `Refunded ${formatWon(row.total)}`
                : row.paymentStatus === 'CAPTURED'
                  ? 'Paid'
                  : 'Processing'}
            </span>
          </p>
          <p className="muted small">Placed {formatDateTime(row.placedAt)}</p>
        </section>
      </div>
    </div>
  );
}
