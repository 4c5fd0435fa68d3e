import { useEffect, useMemo, useState } from 'react';
import { useClient, useMutation } from 'urql';
import type { ScreenProps } from '../App';
import { formatTime, formatWon, plural, shortId } from '../format';
import type { AvailableDeliveriesQuery as AvailableData } from '../generated/graphql';
import { type ApiProblem, problemOf } from '../graphqlClient';
import type { LiveClient } from '../live/LiveClient';
import { type Row, useDashboards } from '../live/useDashboards';
import {
  AvailableDeliveriesQuery,
  CompleteDeliveryMutation,
  DeliveryAvailableSubscription,
  DeliveryOffersChangedSubscription,
  PickUpMutation,
} from '../operations';
import { AppShell } from '../ui/AppShell';

const subscribeAvailable = (live: LiveClient, onRow: (r: Row) => void, onError: (m: string) => void) =>
  live.feed(DeliveryAvailableSubscription, (d) => d.deliveryAvailable, { row: onRow, error: onError });

type Available = AvailableData['availableDeliveries'][number];
interface Progress {
  orderId: string;
  storeName: string;
  status: 'PICKED_UP' | 'DELIVERED';
  pickedUpAt: string | null;
  deliveredAt: string | null;
}
interface Job extends Progress {
  row: Row | null;
}

/** The rider's console: deliveries to take (live), the ones on the way, the ones done. */
export function RiderConsole({ identity, live, onSignOut }: ScreenProps) {
  const client = useClient();
  const { rows } = useDashboards(live, subscribeAvailable);
  const [available, setAvailable] = useState<Available[] | null>(null);
  // What this rider's own actions did, shown at once (the dashboard row follows via events).
  const [mine, setMine] = useState<Record<string, Progress>>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  // The offers feed's latest word per order: false hides a job another rider took, at once and
  // also from a list fetched just before (new jobs arrive with the deliveryAvailable feed).
  const [offered, setOffered] = useState<Record<string, boolean>>({});
  const [, pickUp] = useMutation(PickUpMutation);
  const [, complete] = useMutation(CompleteDeliveryMutation);

  // Any feed event (or reconnect, which reloads rows) may change what is up for grabs.
  const version = useMemo(() => Object.values(rows).reduce((m, r) => Math.max(m, r.changeId), 0), [rows]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when the feed moved
  useEffect(() => {
    void client
      .query(AvailableDeliveriesQuery, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((res) => {
        if (res.data) setAvailable(res.data.availableDeliveries);
        else if (res.error) setProblem(problemOf(res.error));
      });
  }, [client, version]);
  useEffect(() => live.onReconnect(() => setAvailable((a) => (a ? [...a] : a))), [live]);
  useEffect(
    () =>
      live.feed(DeliveryOffersChangedSubscription, (d) => d.deliveryOffersChanged, {
        row: (offer) =>
          setOffered((o) =>
            o[offer.orderId] === offer.available ? o : { ...o, [offer.orderId]: offer.available },
          ),
      }),
    [live],
  );

  // The rider's own deliveries: their dashboard rows, overlaid with what their actions returned.
  const jobs: Record<string, Job> = {};
  for (const r of Object.values(rows)) {
    if (r.riderId !== identity.sub || (r.status !== 'PICKED_UP' && r.status !== 'DELIVERED')) continue;
    jobs[r.orderId] = {
      orderId: r.orderId,
      storeName: r.storeName,
      row: r,
      status: r.status,
      pickedUpAt: r.pickedUpAt ?? null,
      deliveredAt: r.deliveredAt ?? null,
    };
  }
  for (const [orderId, own] of Object.entries(mine)) {
    const held = jobs[orderId];
    if (held?.status === 'DELIVERED') continue;
    jobs[orderId] = {
      ...own,
      row: rows[orderId] ?? held?.row ?? null,
      pickedUpAt: own.pickedUpAt ?? held?.pickedUpAt ?? null,
    };
  }
  const open = (available ?? []).filter((d) => !jobs[d.orderId] && offered[d.orderId] !== false);
  const onTheWay = Object.values(jobs).filter((j) => j.status === 'PICKED_UP');
  const delivered = Object.values(jobs)
    .filter((j) => j.status === 'DELIVERED')
    .sort((a, b) => (b.deliveredAt ?? '').localeCompare(a.deliveredAt ?? ''))
    .slice(0, 10);

  const doPickUp = async (orderId: string) => {
    setProblem(null);
    const res = await pickUp({ orderId });
    const p = problemOf(res.error);
    setProblem(p);
    if (res.data) {
      const d = res.data.pickUp;
      const storeName =
        available?.find((a) => a.orderId === orderId)?.store.name ?? rows[orderId]?.storeName ?? '';
      setMine((m) => ({
        ...m,
        [orderId]: {
          orderId,
          storeName,
          status: 'PICKED_UP',
          pickedUpAt: d.pickedUpAt ?? null,
          deliveredAt: null,
        },
      }));
    }
    if (p) setAvailable((a) => (a ? a.filter((x) => x.orderId !== orderId) : a));
  };
  const doComplete = async (orderId: string) => {
    setProblem(null);
    const res = await complete({ orderId });
    setProblem(problemOf(res.error));
    if (res.data) {
      const d = res.data.completeDelivery;
      const job = jobs[orderId];
      setMine((m) => ({
        ...m,
        [orderId]: {
          orderId,
          storeName: job?.storeName ?? '',
          status: 'DELIVERED',
          pickedUpAt: job?.pickedUpAt ?? null,
          deliveredAt: d.deliveredAt ?? null,
        },
      }));
    }
  };

  return (
    <AppShell
      identity={identity}
      live={live}
      onSignOut={onSignOut}
      nav={[{ href: '/rider', label: 'Deliveries', current: true }]}
    >
      <h1>Deliveries</h1>
      {problem && (
        <p className="alert alert-error" role="alert">
          {problem.code === 'INVALID_TRANSITION' ? 'Another rider took that one.' : problem.message}
        </p>
      )}
      <div className="rider-layout">
        <section aria-labelledby="available-title" className="rider-col">
          <h2 id="available-title">
            Ready for pickup <span className="count">{open.length}</span>
          </h2>
          {available === null && <p className="muted">Loading…</p>}
          {available !== null && open.length === 0 && (
            <p className="muted empty">Nothing to pick up right now. New orders appear here live.</p>
          )}
          {open.map((d) => {
            const r = rows[d.orderId];
            return (
              <article
                key={d.orderId}
                className="card job"
                data-delivery={d.orderId}
                aria-label={`Delivery ${shortId(d.orderId)}`}
              >
                <header className="ticket-head">
                  <strong>{d.store.name}</strong>
                  <time className="muted small" dateTime={d.createdAt}>
                    ready {formatTime(d.createdAt)}
                  </time>
                </header>
                <p className="muted small">
                  Order {shortId(d.orderId)}
                  {r
                    ? ` · ${plural(
                        r.items.reduce((n, i) => n + i.quantity, 0),
                        'item',
                      )} · ${formatWon(r.total)}`
                    : ''}
                </p>
                <button
                  type="button"
                  className="btn btn-primary btn-block"
                  onClick={() => doPickUp(d.orderId)}
                  aria-label={`Pick up order ${shortId(d.orderId)}`}
                >
                  Pick up
                </button>
              </article>
            );
          })}
        </section>
        <section aria-labelledby="mine-title" className="rider-col">
          <h2 id="mine-title">
            On the way <span className="count">{onTheWay.length}</span>
          </h2>
          {onTheWay.length === 0 && <p className="muted empty">Pick up an order to start a delivery.</p>}
          {onTheWay.map((job) => (
            <article
              key={job.orderId}
              className="card job job-active"
              data-delivery={job.orderId}
              aria-label={`Delivery ${shortId(job.orderId)}`}
            >
              <header className="ticket-head">
                <strong>{job.storeName}</strong>
                {job.pickedUpAt && (
                  <time className="muted small" dateTime={job.pickedUpAt}>
                    picked up {formatTime(job.pickedUpAt)}
                  </time>
                )}
              </header>
              <p className="muted small">
                Order {shortId(job.orderId)}
                {job.row ? ` · ${job.row.items.map((i) => `${i.quantity}× ${i.name}`).join(', ')}` : ''}
              </p>
              <button
                type="button"
                className="btn btn-primary btn-block"
                onClick={() => doComplete(job.orderId)}
                aria-label={`Complete delivery of order ${shortId(job.orderId)}`}
              >
                Delivered
              </button>
            </article>
          ))}
          {delivered.length > 0 && (
            <>
              <h2>Delivered today</h2>
              <ul className="done-list">
                {delivered.map((job) => (
                  <li key={job.orderId} data-delivered={job.orderId}>
                    <span>
                      {shortId(job.orderId)} · {job.storeName}
                    </span>
                    {job.deliveredAt && <time className="muted small">{formatTime(job.deliveredAt)}</time>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
    </AppShell>
  );
}
