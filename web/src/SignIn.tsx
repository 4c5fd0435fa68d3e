import { useEffect, useState } from 'react';
import { type DevIdentity, loadDevIdentities } from './session';

const ROLES = [
  { role: 'customer', title: 'Order food', text: 'Browse stores, fill a cart and follow your order live.' },
  { role: 'owner', title: 'Run a store', text: 'Take incoming orders, cook, and manage the menu.' },
  { role: 'rider', title: 'Deliver', text: 'Pick up ready orders and bring them to customers.' },
  {
    role: 'admin',
    title: 'Onboard stores',
    text: 'Create stores for restaurant owners joining the platform.',
  },
] as const;

/** The demo sign-in: one button per identity the router's development token endpoint offers. */
export function SignIn({ onSignIn }: { onSignIn: (id: DevIdentity) => void }) {
  const [ids, setIds] = useState<DevIdentity[] | null | 'loading' | 'error'>('loading');
  useEffect(() => {
    loadDevIdentities().then(setIds, () => setIds('error'));
  }, []);
  return (
    <div className="signin">
      <div className="signin-hero">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            B
          </span>
          <span className="brand-name">Baemin</span>
        </div>
        <h1>Food you love, delivered live.</h1>
        <p className="muted">Pick a demo account to sign in. Every screen updates as the order moves.</p>
      </div>
      {ids === 'loading' && <p className="muted center">Loading demo accounts…</p>}
      {ids === 'error' && (
        <p className="alert alert-error" role="alert">
          Cannot reach the server. Is <code>npm start</code> running?
        </p>
      )}
      {ids === null && (
        <p className="alert alert-info" role="alert">
          Demo sign-in is only available in development. Use your own token with the API.
        </p>
      )}
      {Array.isArray(ids) && (
        <div className="role-grid">
          {ROLES.map((r) => (
            <section key={r.role} className="card role-card" aria-labelledby={`role-${r.role}`}>
              <h2 id={`role-${r.role}`}>{r.title}</h2>
              <p className="muted">{r.text}</p>
              <ul className="identity-list">
                {ids
                  .filter((i) => i.role === r.role)
                  .map((i) => (
                    <li key={i.sub}>
                      <button
                        type="button"
                        className="identity"
                        onClick={() => onSignIn(i)}
                        aria-label={`Sign in as ${i.name} (${i.role})`}
                        data-sub={i.sub}
                      >
                        <span className="avatar" aria-hidden="true">
                          {i.name.slice(0, 1)}
                        </span>
                        <span>
                          <strong>{i.name}</strong>
                          <small className="muted">{i.description}</small>
                        </span>
                      </button>
                    </li>
                  ))}
              </ul>
            </section>
          ))}
        </div>
      )}
    </div>
  );
}
