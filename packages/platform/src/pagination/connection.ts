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

/** The JSON type of one value of a list's sort key. */
export type CursorValueType = 'string' | 'number' | 'boolean';

/**
 * One paginated list as its cursors know it: a name written into every cursor it issues and
 * checked on the way back, so a cursor of another list is refused instead of read as a position
 * here (which silently gave an empty or a wrong page), and the types of its sort key.
 */
export interface CursorList {
  readonly name: string;
  readonly key: readonly CursorValueType[];
}

/** A {@link CursorList}: its name (e.g. `storeConnection`) and its sort key's types, in order. */
export const cursorList = (name: string, ...key: CursorValueType[]): CursorList => ({ name, key });

/** The page request after validation: how many rows to fetch, where to start, and which list. */
export interface PageRequest {
  first: number;
  after: CursorKey | null;
  list: CursorList;
}

/**
 * Opaque cursor: base64url of `{ l: list name, k: sort key }`. Opaque to clients (they must not
 * build one), but it carries no secret: it names only the position in a list the caller may read
 * anyway.
 */
export function encodeCursor(list: CursorList, key: CursorKey): string {
  return Buffer.from(JSON.stringify({ l: list.name, k: key }), 'utf8').toString('base64url');
}

const fitsKey = (list: CursorList, key: unknown): key is CursorKey =>
  Array.isArray(key) &&
  key.length === list.key.length &&
  key.every((v, i) => typeof v === list.key[i] && (typeof v !== 'number' || Number.isFinite(v)));

/**
 * The sort key inside a cursor of `list`; BAD_USER_INPUT (`field: 'after'`) for anything this list
 * did not issue. Cursors issued before lists were named (a bare key array) are still read when
 * their key has this list's types: a page left open across the upgrade can still load more.
 */
export function decodeCursor(cursor: string, list: CursorList): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const key =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as { l?: unknown }).l === list.name
        ? (parsed as { k?: unknown }).k
        : null
      : parsed;
  if (!fitsKey(list, key)) {
    throw domainError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor of this list', { field: 'after' });
  }
  return key;
}

/**
 * Validates `first` (1 to {@link MAX_PAGE_SIZE}, default {@link DEFAULT_PAGE_SIZE}) and decodes
 * `after` as a cursor of `list`. Throws BAD_USER_INPUT naming the field.
 */
export function pageRequest(
  args: { first?: number | null; after?: string | null },
  list: CursorList,
): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw domainError(ErrorCode.BAD_USER_INPUT, `first must be 1 to ${MAX_PAGE_SIZE}`, {
      field: 'first',
      max: MAX_PAGE_SIZE,
    });
  }
  return { first, after: args.after ? decodeCursor(args.after, list) : null, list };
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
 * that there is a next page. Its cursors carry the name of the page's list.
 */
export function toConnection<T>(
  rows: readonly T[],
  page: Pick<PageRequest, 'first' | 'list'>,
  keyOf: (row: T) => CursorKey,
): Connection<T> {
  const { first, list } = page;
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(list, keyOf(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
