import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, SUPERGRAPH_PATH } from '../../scripts/compose.js';
import { supergraphSubgraphs } from '../src/supergraphSubgraphs.js';

describe('the committed supergraph', () => {
  it('is what the subgraph SDLs compose to (run `npm run compose` when this fails)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('names the five subgraphs the router routes to', () => {
    const names = supergraphSubgraphs(readFileSync(SUPERGRAPH_PATH, 'utf8')).map((s) => s.name);
    expect(names.sort()).toEqual(['dashboard', 'delivery', 'order', 'payment', 'store']);
  });
});

describe('the router on the committed supergraph', () => {
  it('routes to the URLs from config, not the ones baked into the file, and is ready without them', async () => {
    const { start } = await import('../src/server.js');
    const router = await start({
      port: 0,
      urls: { order: 'http://127.0.0.1:1', store: 'http://127.0.0.1:2/graphql' },
    });
    try {
      expect(router.subgraphUrls).toMatchObject({ order: 'http://127.0.0.1:1', store: 'http://127.0.0.1:2' });
      expect(router.schema.getQueryType()?.getFields().stores).toBeDefined();
      // No subgraph reachable at all: still ready (every field answers SERVICE_UNAVAILABLE).
      const ready = await fetch(`${router.url}/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { failed: string[] }).failed).toEqual([]);
    } finally {
      await router.close();
    }
  });
});
