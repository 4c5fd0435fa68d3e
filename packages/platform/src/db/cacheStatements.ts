import type BetterSqlite3 from 'better-sqlite3';

/**
 * Makes `sqlite.prepare` hand out one compiled statement per SQL text instead of compiling it
 * again on every call. drizzle prepares each query it runs (`client.prepare(sql)` per call), and
 * the hot paths (placeOrder, capture, the consumers' handlers, the event log's publish) run the
 * same few dozen texts thousands of times: compiling them was 3–8 % of each service's CPU under
 * the saga benchmark.
 *
 * Safe to share because every user runs a statement to completion synchronously (no `iterate()`
 * is left open across an await in this codebase), and the modes a caller may switch on
 * (`raw`, `pluck`, `expand`) are switched off again each time the statement is handed out, so a
 * drizzle `values()` (raw rows) never leaks raw mode into a later `all()` of the same text.
 * A statement stays valid across schema changes: SQLite recompiles it when the schema moved.
 *
 * SQLITE_STATEMENT_CACHE=0 switches it off (for benchmarks).
 *
 * @param max SQL texts kept (least recently used dropped first); default 500. Texts built with
 *   inlined values instead of parameters would otherwise grow the cache without bound.
 */
export function cacheStatements(sqlite: BetterSqlite3.Database, max = 500): BetterSqlite3.Database {
  if (process.env.SQLITE_STATEMENT_CACHE === '0') return sqlite;
  const compile = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let stmt = cache.get(source);
    if (stmt) {
      // Most recently used goes last, so the first key is the one to drop.
      cache.delete(source);
      if (stmt.reader) stmt.raw(false).pluck(false).expand(false);
    } else {
      stmt = compile(source);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  };
  (sqlite as { prepare: typeof prepare }).prepare = prepare;
  return sqlite;
}
