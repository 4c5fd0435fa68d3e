import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createClient } from 'graphql-ws';
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { type DevIdentity, loadDevIdentities } from '../session';
import './graphiql.css';

const DEFAULT_QUERY = `# The Baemin supergraph. Pick a demo identity above; subscriptions run over graphql-ws.
query Stores {
  stores {
    id
    name
    open
    menu { id name price available }
  }
}
`;

/**
 * GraphiQL bundled from npm (no CDN), talking to this router's /graphql: HTTP for queries and
 * mutations, graphql-ws for subscriptions, as the chosen demo identity. `?query=` preloads a query.
 */
function Explorer() {
  const [ids, setIds] = useState<DevIdentity[]>([]);
  const [sub, setSub] = useState<string>(() => new URLSearchParams(window.location.search).get('as') ?? '');
  useEffect(() => {
    loadDevIdentities().then(
      (list) => setIds(list ?? []),
      () => setIds([]),
    );
  }, []);
  const identity = ids.find((i) => i.sub === sub) ?? null;
  const token = identity?.token ?? null;
  const { fetcher, dispose } = useMemo(() => {
    const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
    const wsClient = createClient({
      url: wsUrl,
      connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
      retryAttempts: 5,
    });
    return {
      fetcher: createGraphiQLFetcher({ url: '/graphql', wsClient }),
      dispose: () => void wsClient.dispose(),
    };
  }, [token]);
  useEffect(() => dispose, [dispose]);
  const initialQuery = new URLSearchParams(window.location.search).get('query') ?? DEFAULT_QUERY;
  const headers = token ? JSON.stringify({ authorization: `Bearer ${token}` }, null, 2) : '{}';
  return (
    <div className="gq-page" data-identity={identity?.sub ?? ''}>
      <header className="gq-bar">
        <span className="gq-brand">
          <span className="gq-mark" aria-hidden="true">
            B
          </span>
          Baemin GraphiQL
        </span>
        <label className="gq-identity">
          Sign in as{' '}
          <select value={sub} onChange={(e) => setSub(e.target.value)} aria-label="Demo identity">
            <option value="">Anonymous</option>
            {ids.map((i) => (
              <option key={i.sub} value={i.sub}>
                {i.name} ({i.role})
              </option>
            ))}
          </select>
        </label>
        <a href="/" className="gq-link">
          Open the app
        </a>
      </header>
      <div className="gq-main">
        <GraphiQL key={token ?? 'anonymous'} fetcher={fetcher} query={initialQuery} headers={headers} />
      </div>
    </div>
  );
}

const root = document.getElementById('graphiql');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Explorer />
    </StrictMode>,
  );
}
