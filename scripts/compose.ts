/**
 * Composes the supergraph from the subgraphs' SDL files (the source of truth) with
 * @apollo/composition, offline, and writes schema/supergraph.graphql, which is committed.
 *   npm run compose            write it
 *   npm run compose -- --check exit 1 when the committed file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { DEFAULT_PORTS, SUBGRAPHS } from '../packages/platform/src/config.js';

export const SUPERGRAPH_PATH = new URL('../schema/supergraph.graphql', import.meta.url);

export function composeSupergraph(): string {
  const services = SUBGRAPHS.map((name) => ({
    name,
    // The URL baked into the supergraph is the local default; the router overrides it per
    // environment (<NAME>_URL), so the committed file does not depend on where it runs.
    url: `http://127.0.0.1:${DEFAULT_PORTS[name]}/graphql`,
    typeDefs: parse(readFileSync(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const sdl = composeSupergraph();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(SUPERGRAPH_PATH, 'utf8');
    if (committed !== sdl) {
      console.error('schema/supergraph.graphql is stale: run `npm run compose` and commit it.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
  } else {
    writeFileSync(SUPERGRAPH_PATH, sdl);
    console.log(`wrote schema/supergraph.graphql (${sdl.length} bytes)`);
  }
}
