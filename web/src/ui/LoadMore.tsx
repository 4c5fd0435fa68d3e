import type { PagedList } from './usePagedList';

/** The "load more" button under a paged list: shown while the connection has a next page. */
export function LoadMore({ list, label }: { list: PagedList<unknown>; label: string }) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" className="btn btn-ghost load-more" disabled={list.loading} onClick={list.loadMore}>
      {list.loading ? 'Loading…' : label}
    </button>
  );
}
