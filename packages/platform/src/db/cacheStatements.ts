import type BetterSqlite3 from 'better-sqlite3';

type Statement = BetterSqlite3.Statement;

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
 * A text that ends in a bound `LIMIT ?` (every drizzle `.limit(n)`) is run as the same text with
 * the limit written in, one compiled statement per limit value (see {@link LiteralLimitStatement}).
 *
 * SQLITE_STATEMENT_CACHE=0 switches both off, SQLITE_LITERAL_LIMIT=0 the second (for benchmarks).
 *
 * @param max SQL texts kept (least recently used dropped first); default 500. Texts built with
 *   inlined values instead of parameters would otherwise grow the cache without bound.
 * @param literalLimit run a trailing `LIMIT ?` with the limit written in; default true unless
 *   SQLITE_LITERAL_LIMIT=0.
 */
export function cacheStatements(
  sqlite: BetterSqlite3.Database,
  max = 500,
  literalLimit = process.env.SQLITE_LITERAL_LIMIT !== '0',
): BetterSqlite3.Database {
  if (process.env.SQLITE_STATEMENT_CACHE === '0') return sqlite;
  const compile = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Statement>();
  const prepare = (source: string): Statement => {
    let stmt = cache.get(source);
    if (stmt) {
      // Most recently used goes last, so the first key is the one to drop.
      cache.delete(source);
      if (stmt.reader) stmt.raw(false).pluck(false).expand(false);
    } else {
      stmt = compile(source);
      const limit = literalLimit && stmt.reader ? trailingLimit(source) : null;
      // It has what drizzle and this codebase call on a statement (run/get/all/iterate, the modes).
      if (limit) stmt = new LiteralLimitStatement(stmt, limit, compile) as unknown as Statement;
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    return stmt;
  };
  (sqlite as { prepare: typeof prepare }).prepare = prepare;
  return sqlite;
}

/** A bound `LIMIT ?` as the text's last placeholder, or followed only by `OFFSET ?` (drizzle's form). */
const TRAILING_LIMIT = /\blimit\s+\?(\s+offset\s+\?)?\s*;?\s*$/i;

interface TrailingLimit {
  /** The text before and after the limit's `?`. */
  head: string;
  tail: string;
  /** The limit's place counted from the last parameter: 1, or 2 when an `OFFSET ?` follows. */
  fromEnd: number;
}

function trailingLimit(source: string): TrailingLimit | null {
  const match = TRAILING_LIMIT.exec(source);
  if (!match) return null;
  const at = source.indexOf('?', match.index);
  return { head: source.slice(0, at), tail: source.slice(at + 1), fromEnd: match[1] ? 2 : 1 };
}

type Mode = 'rows' | 'raw' | 'pluck' | 'expand';

/**
 * A statement whose `LIMIT ?` is filled in as a literal. The SQLite that better-sqlite3 12 bundles
 * (3.51) plans a query with the value bound to its LIMIT and marks the statement expired whenever
 * that parameter is bound again, so every run of a cached `... LIMIT ?` statement compiled it
 * anew inside `sqlite3_step` (`sqlite3Reprepare`): 13–19 µs instead of 3–4 µs for the outbox
 * relay's read and for a payment looked up with `.limit(1)` (bench/sqliteLimit.ts); 4 % of the
 * payment context's CPU samples (perf) under the saga benchmark at 50 orders/s. An OFFSET
 * parameter is not planned with, so it stays bound.
 *
 * Runs with anything but one integer in the limit's place (named parameters, arrays, a
 * non-integer) go to the statement as written, which SQLite handles as before.
 */
class LiteralLimitStatement {
  private mode: Mode = 'rows';
  /** Compiled per limit value, most recently used last; each remembers the mode it was last set to. */
  private readonly byLimit = new Map<number | bigint, { stmt: Statement; mode: Mode }>();

  constructor(
    private readonly bound: Statement,
    private readonly limit: TrailingLimit,
    private readonly compile: (source: string) => Statement,
  ) {}

  get source(): string {
    return this.bound.source;
  }
  get reader(): boolean {
    return this.bound.reader;
  }
  get readonly(): boolean {
    return this.bound.readonly;
  }
  get busy(): boolean {
    return this.bound.busy;
  }
  get database(): BetterSqlite3.Database {
    return this.bound.database;
  }

  raw(on = true): this {
    this.mode = on ? 'raw' : this.mode === 'raw' ? 'rows' : this.mode;
    return this;
  }
  pluck(on = true): this {
    this.mode = on ? 'pluck' : this.mode === 'pluck' ? 'rows' : this.mode;
    return this;
  }
  expand(on = true): this {
    this.mode = on ? 'expand' : this.mode === 'expand' ? 'rows' : this.mode;
    return this;
  }
  columns(): BetterSqlite3.ColumnDefinition[] {
    return this.bound.columns();
  }

  run(...params: unknown[]): BetterSqlite3.RunResult {
    const [stmt, rest] = this.pick(params);
    return stmt.run(...rest);
  }
  get(...params: unknown[]): unknown {
    const [stmt, rest] = this.pick(params);
    return stmt.get(...rest);
  }
  all(...params: unknown[]): unknown[] {
    const [stmt, rest] = this.pick(params);
    return stmt.all(...rest);
  }
  iterate(...params: unknown[]): IterableIterator<unknown> {
    const [stmt, rest] = this.pick(params);
    return stmt.iterate(...rest);
  }

  /** The statement to run (in this wrapper's mode) and the parameters it takes. */
  private pick(params: unknown[]): [Statement, unknown[]] {
    const at = params.length - this.limit.fromEnd;
    const value = params[at];
    if (
      at < 0 ||
      !(Number.isSafeInteger(value) || typeof value === 'bigint') ||
      !params.every((p) => p === null || typeof p !== 'object' || Buffer.isBuffer(p))
    ) {
      setMode(this.bound, this.mode);
      return [this.bound, params];
    }
    const limit = value as number | bigint;
    let entry = this.byLimit.get(limit);
    if (entry) {
      this.byLimit.delete(limit);
    } else {
      entry = { stmt: this.compile(`${this.limit.head}${String(limit)}${this.limit.tail}`), mode: 'rows' };
      // Page sizes are few; a caller sweeping through limits must not grow this without bound.
      if (this.byLimit.size >= MAX_LIMITS) this.byLimit.delete(this.byLimit.keys().next().value!);
    }
    this.byLimit.set(limit, entry);
    // These statements are this wrapper's alone: set the mode only when it changes.
    if (entry.mode !== this.mode) {
      setMode(entry.stmt, this.mode);
      entry.mode = this.mode;
    }
    return [entry.stmt, at === params.length - 1 ? params.slice(0, at) : params.filter((_, i) => i !== at)];
  }
}

/** Limit values compiled per statement. */
const MAX_LIMITS = 32;

function setMode(stmt: Statement, mode: Mode): void {
  if (mode === 'raw') stmt.raw(true);
  else if (mode === 'pluck') stmt.pluck(true);
  else if (mode === 'expand') stmt.expand(true);
  else stmt.raw(false).pluck(false).expand(false);
}
