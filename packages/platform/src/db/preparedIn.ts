import { sql } from 'drizzle-orm';
import { isPostgresHandle } from './Database.js';

/** Stands for a value of the query: a placeholder on SQLite, the value itself on PostgreSQL. */
// biome-ignore lint/suspicious/noExplicitAny: a placeholder fits any column drizzle builds for
export type Param = (name: string) => any;

/**
 * One parameter per key of `values`, named after it: the column list of an insert written once,
 * e.g. `tx.insert(orders).values(paramsFor(p, row))`. Every call under one `name` must give the
 * same keys (the query is built from the first call's).
 */
// biome-ignore lint/suspicious/noExplicitAny: placeholders stand for any column's value (see Param)
export function paramsFor(param: Param, values: Record<string, unknown>): any {
  return Object.fromEntries(Object.keys(values).map((key) => [key, param(key)]));
}

/** What this needs of a drizzle query builder: it can be prepared, and awaited. */
interface PreparableQuery {
  prepare(): { execute(values: Record<string, unknown>): PromiseLike<unknown> };
}

/** Read once: the switch is for comparing whole runs, not for flipping at run time. */
const preparing = process.env.SQLITE_PREPARED_QUERIES !== '0';

const byConnection = new WeakMap<object, Map<string, ReturnType<PreparableQuery['prepare']>>>();

/**
 * Runs a hot query of a transaction handle, built once per SQLite connection and only filled with
 * new values afterwards: drizzle builds the SQL text of a query again on every call (about 40 µs
 * each, about a tenth of the saga's CPU across the services), and the inbox, outbox and
 * projection queries run for every event. `build` must make the same query for every call under
 * one `name` (values only through `param`, or {@link paramsFor} over `values`); the result is
 * what awaiting the builder gives.
 *
 * On SQLite every transaction of a store runs on its one write connection (the handle is the same
 * object each time), so the prepared query is kept per handle. On PostgreSQL each transaction
 * has its own handle: the query is built with the values and run as usual, as it is everywhere
 * with SQLITE_PREPARED_QUERIES=0 (for benchmarks).
 */
export async function preparedIn<R, V extends Record<string, unknown> = Record<string, unknown>>(
  tx: object,
  name: string,
  build: (param: Param, values: V) => PreparableQuery,
  values: V,
): Promise<R> {
  if (isPostgresHandle(tx) || !preparing)
    return (await (build((key) => values[key], values) as unknown as PromiseLike<R>)) as R;
  let queries = byConnection.get(tx);
  if (!queries) {
    queries = new Map();
    byConnection.set(tx, queries);
  }
  let prepared = queries.get(name);
  if (!prepared) {
    prepared = build((key) => sql.placeholder(key), values).prepare();
    queries.set(name, prepared);
  }
  return (await prepared.execute(values)) as R;
}
