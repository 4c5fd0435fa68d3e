import { useCallback, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { ScreenProps } from '../App';
import { formatTime, formatWon, shortId } from '../format';
import type { DashboardStatus } from '../generated/graphql';
import { type ApiProblem, problemOf } from '../graphqlClient';
import type { LiveClient } from '../live/LiveClient';
import { type TabSync, useRefreshOnChange } from '../live/TabSync';
import { type Row, useDashboards } from '../live/useDashboards';
import {
  AcceptOrderMutation,
  MarkReadyMutation,
  MyStoresQuery,
  RejectOrderMutation,
  SetMenuItemAvailableMutation,
  SetStoreOpenMutation,
  StartCookingMutation,
  TicketsChangedSubscription,
} from '../operations';
import { AppShell } from '../ui/AppShell';
import { CreateStoreForm, StoreEditor } from './StoreEditor';
import { StatusPill } from '../ui/StatusPill';

const subscribeTickets = (live: LiveClient, onRow: (r: Row) => void, onError: (m: string) => void) =>
  live.feed(TicketsChangedSubscription, (d) => d.ticketsChanged, { row: onRow, error: onError });

const COLUMNS: { title: string; statuses: DashboardStatus[]; empty: string }[] = [
  { title: 'New', statuses: ['PLACED', 'CANCEL_PENDING'], empty: 'No new orders' },
  { title: 'Accepted', statuses: ['ACCEPTED'], empty: 'Nothing waiting to cook' },
  { title: 'Cooking', statuses: ['COOKING'], empty: 'Kitchen is free' },
  { title: 'Ready', statuses: ['READY'], empty: 'Nothing waiting for a rider' },
];

/** Longest reject reason the store context takes (StoreService's MAX_REASON_LENGTH). */
const REASON_MAX = 500;

/** The owner's console: incoming tickets live, the kitchen's actions, stores and menus. */
export function OwnerConsole({ identity, live, sync, onSignOut }: ScreenProps) {
  const { rows } = useDashboards(live, subscribeTickets);
  const all = Object.values(rows).sort((a, b) => a.placedAt.localeCompare(b.placedAt));
  const done = all
    .filter((r) => ['PICKED_UP', 'DELIVERED', 'REJECTED', 'CANCELED'].includes(r.status))
    .reverse()
    .slice(0, 8);
  return (
    <AppShell
      identity={identity}
      live={live}
      onSignOut={onSignOut}
      nav={[{ href: '/owner', label: 'Kitchen', current: true }]}
    >
      <div className="owner-layout">
        <section aria-labelledby="tickets-title" className="tickets">
          <h1 id="tickets-title">Orders</h1>
          <div className="board">
            {COLUMNS.map((c) => {
              const list = all.filter((r) => c.statuses.includes(r.status));
              return (
                <section key={c.title} className="column" aria-label={`${c.title} orders`}>
                  <h2>
                    {c.title} <span className="count">{list.length}</span>
                  </h2>
                  {list.length === 0 && <p className="muted small empty">{c.empty}</p>}
                  {list.map((r) => (
                    <Ticket key={r.orderId} row={r} />
                  ))}
                </section>
              );
            })}
          </div>
          {done.length > 0 && (
            <section aria-label="Recently finished" className="done-list">
              <h2>Recently finished</h2>
              <ul>
                {done.map((r) => (
                  <li key={r.orderId} data-ticket={r.orderId}>
                    <span>
                      {shortId(r.orderId)} · {r.storeName}
                    </span>
                    <StatusPill status={r.status} />
                  </li>
                ))}
              </ul>
            </section>
          )}
        </section>
        <StoresPanel sync={sync} />
      </div>
    </AppShell>
  );
}

function Ticket({ row }: { row: Row }) {
  const [, accept] = useMutation(AcceptOrderMutation);
  const [, reject] = useMutation(RejectOrderMutation);
  const [, cook] = useMutation(StartCookingMutation);
  const [, ready] = useMutation(MarkReadyMutation);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('Sold out for today');
  const run = async (op: () => Promise<{ error?: Parameters<typeof problemOf>[0] }>) => {
    setBusy(true);
    setProblem(null);
    const res = await op();
    setProblem(problemOf(res.error));
    setBusy(false);
  };
  const orderId = row.orderId;
  const label = shortId(orderId);
  return (
    <article className="card ticket" data-ticket={orderId} aria-label={`Order ${label}`}>
      <header className="ticket-head">
        <strong>{label}</strong>
        <time dateTime={row.placedAt} className="muted small">
          {formatTime(row.placedAt)}
        </time>
      </header>
      <p className="muted small">{row.storeName}</p>
      <ul className="ticket-items">
        {row.items.map((i) => (
          <li key={i.menuItemId}>
            <span className="qty-badge">{i.quantity}</span> {i.name}
          </li>
        ))}
      </ul>
      <p className="ticket-total">{formatWon(row.total)}</p>
      {row.status === 'CANCEL_PENDING' && <StatusPill status={row.status} />}
      {problem && (
        <p className="alert alert-error small" role="alert">
          {problem.message}
        </p>
      )}
      <div className="ticket-actions">
        {row.status === 'PLACED' && !rejecting && (
          <>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => run(() => accept({ orderId }))}
              aria-label={`Accept order ${label}`}
            >
              Accept
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              disabled={busy}
              onClick={() => setRejecting(true)}
              aria-label={`Reject order ${label}`}
            >
              Reject
            </button>
          </>
        )}
        {row.status === 'PLACED' && rejecting && (
          <form
            className="reject-form"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => reject({ orderId, reason: reason.trim() || 'Rejected by the store' }));
            }}
          >
            <label htmlFor={`reason-${orderId}`}>Reason shown to the customer</label>
            <input
              id={`reason-${orderId}`}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              maxLength={REASON_MAX}
              aria-describedby={`reason-count-${orderId}`}
            />
            {/* The input stops at the limit: say so, rather than let typing vanish. */}
            <small
              id={`reason-count-${orderId}`}
              className={`muted small${reason.length >= REASON_MAX ? ' reason-full' : ''}`}
              data-reason-count
            >
              {reason.length} / {REASON_MAX} characters{reason.length >= REASON_MAX ? ': the limit' : ''}
            </small>
            <div className="ticket-actions">
              <button type="submit" className="btn btn-danger" disabled={busy}>
                Reject order
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setRejecting(false)}>
                Back
              </button>
            </div>
          </form>
        )}
        {row.status === 'ACCEPTED' && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => run(() => cook({ orderId }))}
            aria-label={`Start cooking order ${label}`}
          >
            Start cooking
          </button>
        )}
        {row.status === 'COOKING' && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            onClick={() => run(() => ready({ orderId }))}
            aria-label={`Mark order ${label} ready`}
          >
            Mark ready
          </button>
        )}
        {row.status === 'READY' && <span className="muted small">Waiting for a rider</span>}
      </div>
    </article>
  );
}

/**
 * The owner's stores: open or close each, mark dishes sold out or available again, edit stores and
 * menus, create a store. What the owner changes in another tab (or on another device, seen when
 * this tab comes back into view) is fetched again, so a switch never shows a stale state.
 */
function StoresPanel({ sync }: { sync: TabSync }) {
  const [{ data, error }, reexecute] = useQuery({ query: MyStoresQuery });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useRefreshOnChange(sync, ['Store', 'MenuItem'], refresh);
  const [, setOpen] = useMutation(SetStoreOpenMutation);
  const [, setAvailable] = useMutation(SetMenuItemAvailableMutation);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const shown = problem ?? problemOf(error);
  return (
    <aside className="stores-panel" aria-labelledby="stores-title">
      <h2 id="stores-title">Your stores</h2>
      {shown && (
        <p className="alert alert-error" role="alert">
          {shown.message}
        </p>
      )}
      {data?.myStores.map((s) => (
        <section key={s.id} className="card store-admin" aria-label={s.name} data-store={s.id}>
          <div className="store-admin-head">
            <h3>{s.name}</h3>
            <Switch
              label={`${s.name} is open`}
              on={s.open}
              onText="Open"
              offText="Closed"
              onChange={async (open) => setProblem(problemOf((await setOpen({ storeId: s.id, open })).error))}
            />
          </div>
          <ul className="admin-menu">
            {s.menu.map((m) => (
              <li key={m.id}>
                <span>
                  {m.name} <span className="muted small">{formatWon(m.price)}</span>
                </span>
                <Switch
                  label={`${m.name} available`}
                  on={m.available}
                  onText="Available"
                  offText="Sold out"
                  onChange={async (available) =>
                    setProblem(problemOf((await setAvailable({ menuItemId: m.id, available })).error))
                  }
                />
              </li>
            ))}
          </ul>
          <StoreEditor store={s} />
        </section>
      ))}
      <CreateStoreForm />
    </aside>
  );
}

function Switch({
  label,
  on,
  onText,
  offText,
  onChange,
}: {
  label: string;
  on: boolean;
  onText: string;
  offText: string;
  onChange: (on: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      aria-label={label}
      className={`switch${on ? ' switch-on' : ''}`}
      onClick={() => onChange(!on)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-text">{on ? onText : offText}</span>
    </button>
  );
}
