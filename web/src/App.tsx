import { useEffect, useMemo, useRef, useState } from 'react';
import { Provider } from 'urql';
import { AdminConsole } from './admin/AdminConsole';
import { CustomerApp } from './customer/CustomerApp';
import { createGraphqlClient } from './graphqlClient';
import { LiveClient, liveUrl } from './live/LiveClient';
import { TabSync } from './live/TabSync';
import { OwnerConsole } from './owner/OwnerConsole';
import { RiderConsole } from './rider/RiderConsole';
import { navigate, usePath } from './router';
import { type DevIdentity, savedSession, saveSession } from './session';
import { SignIn } from './SignIn';

const HOME = { customer: '/customer', owner: '/owner', rider: '/rider', admin: '/admin' } as const;

/** Signs in (demo identities), then shows the signed-in role's screens. */
export function App() {
  const [identity, setIdentity] = useState<DevIdentity | null>(savedSession);
  const path = usePath();

  const signIn = (id: DevIdentity) => {
    saveSession(id);
    setIdentity(id);
    // A link opened while signed out (a store, an order) is where the person was going, when it
    // is a page of the role they signed in as.
    const home = HOME[id.role];
    const wanted = window.location.pathname;
    navigate(wanted === home || wanted.startsWith(`${home}/`) ? wanted : home);
  };
  const signOut = () => {
    saveSession(null);
    setIdentity(null);
    navigate('/');
  };

  // A page of another role (a bookmarked link) sends the person to their own home.
  useEffect(() => {
    if (!identity) return;
    if (!path.startsWith(HOME[identity.role])) navigate(HOME[identity.role]);
  }, [identity, path]);

  if (!identity) return <SignIn onSignIn={signIn} />;
  return <SignedIn key={identity.token} identity={identity} path={path} onSignOut={signOut} />;
}

function SignedIn({
  identity,
  path,
  onSignOut,
}: {
  identity: DevIdentity;
  path: string;
  onSignOut: () => void;
}) {
  const syncRef = useRef<TabSync | null>(null);
  const client = useMemo(
    () => createGraphqlClient(identity.token, (typenames) => syncRef.current?.announce(typenames)),
    [identity.token],
  );
  const [session, setSession] = useState<{ live: LiveClient; sync: TabSync } | null>(null);
  useEffect(() => {
    const live = new LiveClient(liveUrl(), identity.token);
    const sync = new TabSync(identity.sub);
    syncRef.current = sync;
    setSession({ live, sync });
    return () => {
      live.close();
      sync.close();
      if (syncRef.current === sync) syncRef.current = null;
    };
  }, [identity.token, identity.sub]);
  if (!session) return null;
  const props = { identity, live: session.live, sync: session.sync, path, onSignOut };
  return (
    <Provider value={client}>
      {identity.role === 'customer' && <CustomerApp {...props} />}
      {identity.role === 'owner' && <OwnerConsole {...props} />}
      {identity.role === 'rider' && <RiderConsole {...props} />}
      {identity.role === 'admin' && <AdminConsole {...props} />}
    </Provider>
  );
}

export interface ScreenProps {
  identity: DevIdentity;
  live: LiveClient;
  /** This person's other tabs in this browser: what they changed, to refresh here. */
  sync: TabSync;
  path: string;
  onSignOut: () => void;
}
