import DataLoader from 'dataloader';

export type { DataLoader };

/**
 * Distinct keys per statement. SQLite allows 32766 bound parameters; smaller `IN (…)` lists stay
 * cheap to plan.
 */
const MAX_KEYS_PER_STATEMENT = 500;

/**
 * Batching without a cache: a request that changes data (a mutation) and then reads it back must
 * see the change, so every tick reads afresh; keys are de-duplicated within a batch instead.
 */
const OPTIONS = { cache: false } as const;

/** Fetches rows for the distinct `keys`, at most {@link MAX_KEYS_PER_STATEMENT} per call. */
async function fetchDistinct<K, V>(
  keys: readonly K[],
  fetch: (keys: readonly K[]) => Promise<readonly V[]> | readonly V[],
): Promise<V[]> {
  const distinct = [...new Set(keys)];
  const rows: V[] = [];
  for (let i = 0; i < distinct.length; i += MAX_KEYS_PER_STATEMENT) {
    rows.push(...(await fetch(distinct.slice(i, i + MAX_KEYS_PER_STATEMENT))));
  }
  return rows;
}

/**
 * One row per key: every `load(key)` of one tick (one level of a GraphQL response) becomes a
 * single `fetch(keys)` with distinct keys, typically `WHERE id IN (…)`. Keys without a row load
 * as null.
 */
export function rowLoader<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<readonly V[]> | readonly V[],
  keyOf: (row: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const byKey = new Map<K, V>();
    for (const row of await fetchDistinct(keys, fetch)) byKey.set(keyOf(row), row);
    return keys.map((k) => byKey.get(k) ?? null);
  }, OPTIONS);
}

/**
 * Many rows per key (a store's menu, an order's items): one `fetch(keys)` per tick, rows grouped
 * by `keyOf` in the order `fetch` returned them (so its ORDER BY is each group's order).
 */
export function groupLoader<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<readonly V[]> | readonly V[],
  keyOf: (row: V) => K,
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const groups = new Map<K, V[]>(keys.map((k) => [k, []]));
    for (const row of await fetchDistinct(keys, fetch)) groups.get(keyOf(row))?.push(row);
    // Each caller gets its own array: resolvers may not share (and mutate) one.
    return keys.map((k) => [...(groups.get(k) ?? [])]);
  }, OPTIONS);
}

/**
 * Loaders that live exactly as long as one request: `perRequest(create)(context)` returns the
 * same loaders for every resolver of a request (Apollo builds one context object per request),
 * so one level of the response shares one batch, and fresh ones for the next request.
 */
export function perRequest<T>(create: () => T): (context: object) => T {
  const byContext = new WeakMap<object, T>();
  return (context) => {
    let loaders = byContext.get(context);
    if (!loaders) {
      loaders = create();
      byContext.set(context, loaders);
    }
    return loaders;
  };
}
