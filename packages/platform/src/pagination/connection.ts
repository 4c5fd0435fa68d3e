import { and, type AnyColumn, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import { domainError, ErrorCode } from '../errors.js';

/** Page size when `first` is not given. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest `first` accepted; the router's cost limit counts a connection's items as `first`. */
export const MAX_PAGE_SIZE = 100;

/** A cursor is the sort key of the last row seen: scalar values only. */
export type CursorKey = readonly (string | number | boolean)[];

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** The page request after validation: how many rows to fetch and where to start. */
export interface PageRequest {
  first: number;
  after: CursorKey | null;
}

/**
 * Opaque cursor: base64url of the JSON sort key. Opaque to clients (they must not build one), but
 * it carries no secret: it names only the position in a list the caller may read anyway.
 */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The sort key inside a cursor; BAD_USER_INPUT (`field: 'after'`) for anything we did not issue. */
export function decodeCursor(cursor: string, length: number): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== length ||
    !parsed.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
  ) {
    throw domainError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor of this list', { field: 'after' });
  }
  return parsed as CursorKey;
}

/**
 * Validates `first` (1 to {@link MAX_PAGE_SIZE}, default {@link DEFAULT_PAGE_SIZE}) and decodes
 * `after` for a list sorted by `keyLength` columns. Throws BAD_USER_INPUT naming the field.
 */
export function pageRequest(
  args: { first?: number | null; after?: string | null },
  keyLength: number,
): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw domainError(ErrorCode.BAD_USER_INPUT, `first must be 1 to ${MAX_PAGE_SIZE}`, {
      field: 'first',
      max: MAX_PAGE_SIZE,
    });
  }
  return { first, after: args.after ? decodeCursor(args.after, keyLength) : null };
}

/** One column of a keyset ordering. The last one must be unique (an id) so the order is total. */
export interface SortColumn {
  column: AnyColumn;
  direction: 'asc' | 'desc';
}

/**
 * The keyset condition "strictly after `key`" for rows ordered by `columns`:
 * (c1 > v1) OR (c1 = v1 AND c2 > v2) OR … (with < for descending columns). Stable under inserts
 * and deletes, unlike OFFSET.
 */
export function afterKey(columns: readonly SortColumn[], key: CursorKey): SQL {
  const branches: SQL[] = [];
  for (let i = 0; i < columns.length; i++) {
    const parts: SQL[] = [];
    for (let j = 0; j < i; j++) parts.push(eq(columns[j]!.column, key[j]));
    const { column, direction } = columns[i]!;
    parts.push(direction === 'asc' ? gt(column, key[i]) : lt(column, key[i]));
    branches.push(and(...parts)!);
  }
  return or(...branches)!;
}

/**
 * Builds the connection from up to `first + 1` rows fetched in order: the extra row only tells
 * that there is a next page.
 */
export function toConnection<T>(
  rows: readonly T[],
  first: number,
  keyOf: (row: T) => CursorKey,
): Connection<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
