import { useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { AdminConsole } from './admin/AdminConsole';
import { CustomerApp } from './customer/CustomerApp';
import { createGraphqlClient } from './graphqlClient';
import { LiveClient, liveUrl } from './live/LiveClient';
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
  const client = useMemo(() => createGraphqlClient(identity.token), [identity.token]);
  const [live, setLive] = useState<LiveClient | null>(null);
  useEffect(() => {
    const c = new LiveClient(liveUrl(), identity.token);
    setLive(c);
    return () => c.close();
  }, [identity.token]);
  if (!live) return null;
  const props = { identity, live, path, onSignOut };
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
  path: string;
  onSignOut: () => void;
}
