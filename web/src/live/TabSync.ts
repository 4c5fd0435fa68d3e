import { useEffect } from 'react';

/** What a tab tells the person's other tabs: a mutation of theirs changed objects of these types. */
interface ChangeMessage {
  typenames: string[];
}

/**
 * The signed-in person's other tabs in this browser: after a mutation succeeds here, the others
 * hear which types it changed (BroadcastChannel, same origin, one channel per person) and refresh
 * what they show of them. Tabs of someone else signed in in the same browser are not told. Where
 * BroadcastChannel is missing it does nothing; screens also refresh when their tab becomes visible,
 * which covers the person's other devices.
 */
export class TabSync {
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<(typenames: ReadonlySet<string>) => void>();

  constructor(sub: string) {
    this.channel =
      typeof BroadcastChannel === 'function' ? new BroadcastChannel(`baemin:changes:${sub}`) : null;
    this.channel?.addEventListener('message', (e: MessageEvent<ChangeMessage>) => {
      const typenames = new Set(Array.isArray(e.data?.typenames) ? e.data.typenames : []);
      for (const l of this.listeners) l(typenames);
    });
  }

  /** Tells the other tabs (never this one) that objects of `typenames` changed. */
  announce(typenames: Iterable<string>): void {
    const list = [...new Set(typenames)];
    if (list.length > 0) this.channel?.postMessage({ typenames: list } satisfies ChangeMessage);
  }

  /** Calls `listener` with the changed types each time another tab announces a change. */
  onChange(listener: (typenames: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.channel?.close();
  }
}

/** Every `__typename` in a result (urql adds it to each selection). */
export function typenamesIn(data: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(data)) for (const v of data) typenamesIn(v, into);
  else if (data && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) {
      if (k === '__typename' && typeof v === 'string') into.add(v);
      else typenamesIn(v, into);
    }
  }
  return into;
}

/**
 * Runs `refresh` when another tab of this person changed any of `typenames`, and when this tab
 * becomes visible again (the person may have changed them on another device meanwhile).
 */
export function useRefreshOnChange(sync: TabSync, typenames: readonly string[], refresh: () => void): void {
  const key = typenames.join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `typenames`
  useEffect(() => {
    const offChange = sync.onChange((changed) => {
      if (typenames.some((t) => changed.has(t))) refresh();
    });
    const onVisible = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      offChange();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [sync, key, refresh]);
}
