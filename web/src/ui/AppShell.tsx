import { type ReactNode, useEffect, useRef } from 'react';
import type { LiveClient } from '../live/LiveClient';
import { useConnection } from '../live/useDashboards';
import { usePath } from '../router';
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
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(path);
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    // In-app navigation swaps the page without a load, and the link that was used is gone: focus
    // would fall back to the document's start. It goes to the new page instead, its heading when
    // it has one, as a screen reader announces a loaded page.
    const target = main.current?.querySelector<HTMLElement>('h1') ?? main.current;
    if (!target) return;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
  }, [path]);
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
      <main className="page" ref={main}>
        {children}
      </main>
    </div>
  );
}
