import type { CombinedError } from '@urql/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiProblem, problemOf } from '../graphqlClient';

/** One page of a cursor connection, as the API answers it. */
export interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Fetches one page: `first` items after `after` (null for the first page); null data is "not found". */
export type PageFetcher<T> = (
  first: number,
  after: string | null,
) => Promise<{ page: Page<T> | null; error?: CombinedError }>;

export interface PagedList<T> {
  items: T[];
  /** True while a page (first, next or reload) is on its way. */
  loading: boolean;
  /** True once the first page answered (even empty). */
  loaded: boolean;
  hasNextPage: boolean;
  problem: ApiProblem | null;
  /** Appends the page after the last loaded item (cursor `after`). */
  loadMore: () => void;
  /** Loads again as many items as are shown now, from the start, bypassing the cache. */
  reload: () => void;
}

/** The API's largest page (`first` 1 to 100). */
const MAX_PAGE = 100;

/**
 * A "load more" list over a cursor connection. `key` names the query (its filters): when it
 * changes the list starts again from the first page, and answers for an older key are dropped,
 * so a slow page of a previous search never lands in the new one.
 */
export function usePagedList<T>(key: string, pageSize: number, fetchPage: PageFetcher<T>): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasNextPage, setHasNextPage] = useState(false);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const shown = useRef(0);
  shown.current = items.length;

  const run = useCallback(async (first: number, after: string | null, append: boolean) => {
    const mine = ++generation.current;
    setLoading(true);
    const { page, error } = await fetchRef.current(first, after);
    if (mine !== generation.current) return;
    setLoading(false);
    setLoaded(true);
    setProblem(problemOf(error));
    if (!page) {
      if (!append) setItems([]);
      return;
    }
    setItems((prev) => (append ? [...prev, ...page.nodes] : page.nodes));
    setCursor(page.pageInfo.endCursor ?? null);
    setHasNextPage(page.pageInfo.hasNextPage);
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is what restarts the list
  useEffect(() => {
    setItems([]);
    setCursor(null);
    setHasNextPage(false);
    setLoaded(false);
    void run(pageSize, null, false);
  }, [key, pageSize, run]);

  const loadMore = useCallback(() => {
    if (cursor) void run(pageSize, cursor, true);
  }, [cursor, pageSize, run]);
  const reload = useCallback(() => {
    void run(Math.min(MAX_PAGE, Math.max(pageSize, shown.current)), null, false);
  }, [pageSize, run]);
  return { items, loading, loaded, hasNextPage, problem, loadMore, reload };
}

/** `value` once it has not changed for `ms` (default 250 ms): a search box asks once per pause. */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
