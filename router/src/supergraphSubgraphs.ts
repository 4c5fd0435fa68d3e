import { Kind, parse } from 'graphql';

export interface SupergraphSubgraph {
  /** Subgraph name as composed (e.g. `order`); the key of the router's URL map. */
  name: string;
  /** URL baked in at composition; used only when config has none for this name. */
  url: string;
}

/** The subgraphs a supergraph SDL names, from the `@join__graph(name, url)` values of `enum join__Graph`. */
export function supergraphSubgraphs(supergraphSdl: string): SupergraphSubgraph[] {
  const found: SupergraphSubgraph[] = [];
  for (const def of parse(supergraphSdl).definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (n: string) => {
        const v = directive?.arguments?.find((a) => a.name.value === n)?.value;
        return v?.kind === Kind.STRING ? v.value : undefined;
      };
      const name = arg('name');
      const url = arg('url');
      if (name && url) found.push({ name, url });
    }
  }
  if (found.length === 0)
    throw new Error('supergraph has no join__Graph entries: is it a composed supergraph?');
  return found;
}

/** `http://host:port` from a base URL or a full `/graphql` URL, so `<NAME>_URL` accepts either. */
export function baseUrlOf(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/graphql$/, '');
}
