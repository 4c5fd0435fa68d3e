import type { ConnectionState } from '../live/LiveClient';

const TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  online: 'Live',
  offline: 'Offline – reconnecting',
};

/** The live connection's state, announced politely to screen readers when it changes. */
export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span className={`conn conn-${state}`} role="status" aria-live="polite" data-connection={state}>
      <span className="conn-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}

/** A banner across the page while the connection is lost: what is shown may be out of date. */
export function OfflineBanner({ state }: { state: ConnectionState }) {
  if (state !== 'offline') return null;
  return (
    <div className="offline-banner" role="alert">
      You are offline. Live updates will catch up as soon as the connection is back.
    </div>
  );
}
