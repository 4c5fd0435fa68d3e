/** A demo identity from the router's development-only `/dev/tokens`. */
export interface DevIdentity {
  role: 'customer' | 'owner' | 'rider' | 'admin';
  sub: string;
  name: string;
  description: string;
  token: string;
}

const KEY = 'baemin.session';

/** Loads the demo identities; null when the router does not offer them (production). */
export async function loadDevIdentities(): Promise<DevIdentity[] | null> {
  const res = await fetch('/dev/tokens', { headers: { accept: 'application/json' } });
  if (!res.ok) return null;
  const body = (await res.json()) as { tokens: DevIdentity[] };
  return body.tokens;
}

/** The signed-in identity of this tab (sessionStorage: each tab may be someone else). */
export function savedSession(): DevIdentity | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as DevIdentity) : null;
  } catch {
    return null;
  }
}

export function saveSession(identity: DevIdentity | null): void {
  if (identity) sessionStorage.setItem(KEY, JSON.stringify(identity));
  else sessionStorage.removeItem(KEY);
}
