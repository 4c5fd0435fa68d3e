import type { ReactNode } from 'react';
import type { LiveClient } from '../live/LiveClient';
import { useConnection } from '../live/useDashboards';
import type { DevIdentity } from '../session';
import { ConnectionBadge, OfflineBanner } from './ConnectionBadge';
import { Link } from './Link';

const ROLE_LABEL = {
  customer: 'Customer',
  owner: 'Owner console',
  rider: 'Rider console',
  admin: 'Admin',
} as const;

/** Header (brand, navigation, connection state, who is signed in), offline banner, page. */
export function AppShell({
  identity,
  live,
  nav,
  onSignOut,
  children,
}: {
  identity: DevIdentity;
  live: LiveClient;
  nav: { href: string; label: string; current: boolean }[];
  onSignOut: () => void;
  children: ReactNode;
}) {
  const state = useConnection(live);
  return (
    <div className={`app app-${identity.role}`}>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href={nav[0]?.href ?? '/'} className="brand" aria-label="Baemin home">
            <span className="brand-mark" aria-hidden="true">
              B
            </span>
            <span className="brand-name">Baemin</span>
            <span className="brand-role">{ROLE_LABEL[identity.role]}</span>
          </Link>
          <nav aria-label="Main" className="topnav">
            {nav.map((n) => (
              <Link key={n.href} href={n.href} aria-current={n.current ? 'page' : undefined}>
                {n.label}
              </Link>
            ))}
          </nav>
          <div className="topbar-right">
            <ConnectionBadge state={state} />
            <span className="who" title={identity.description}>
              {identity.name}
            </span>
            <button type="button" className="btn btn-ghost btn-small" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <OfflineBanner state={state} />
      <main className="page">{children}</main>
    </div>
  );
}
