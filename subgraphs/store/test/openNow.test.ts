import { join } from 'node:path';
import { type OpeningPeriod, WEEKDAYS } from '@baemin/platform';
import { gql, hoursClosedNow, SECRET, tempDir } from '@baemin/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores } from '../src/db/schema.js';
import { start } from '../src/server.js';

/**
 * `storeConnection(openOnly: true)` means "accepting orders now": the owner's switch and the opening
 * hours on the store's own clock. Stores are inserted in sort order with a long run of
 * switched-on stores outside their hours, longer than one internal read, so that pages must keep
 * reading to come out full.
 */
const COUNT = 130;

let tmp: ReturnType<typeof tempDir>;
let store: Awaited<ReturnType<typeof start>>;
const expected: string[] = [];

const allWeek: OpeningPeriod[] = WEEKDAYS.map((day) => ({ day, opens: '00:00', closes: '24:00' }));

beforeAll(async () => {
  tmp = tempDir('store-open-now-');
  store = await start({
    port: 0,
    dataDir: tmp.dir,
    eventLogPath: join(tmp.dir, 'eventlog.db'),
    internalSecret: SECRET,
  });
  await store.database.exclusive(async (db) => {
    for (let i = 0; i < COUNT; i++) {
      const kind = i >= 30 && i < 100 ? 1 : i % 5;
      const row = {
        id: `s-${String(i).padStart(3, '0')}`,
        name: `Store ${i}`,
        description: 'd',
        category: 'KOREAN',
        ownerId: 'owner-9',
        open: kind !== 3,
        sortOrder: i,
        timeZone: kind === 4 ? 'America/New_York' : 'Asia/Seoul',
        openingHours: JSON.stringify(
          kind === 0
            ? []
            : kind === 2
              ? allWeek
              : hoursClosedNow(kind === 4 ? 'America/New_York' : 'Asia/Seoul'),
        ),
      };
      await db.insert(stores).values(row);
      if (kind === 0 || kind === 2) expected.push(row.id);
    }
  });
});

afterAll(async () => {
  await store?.close();
  tmp?.cleanup();
});

type Page = {
  nodes: { id: string; open: boolean; acceptingOrders: boolean }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};
const page = async (first: number, after: string | null, openOnly: boolean) => {
  const r = await gql<{ storeConnection: Page }>(
    store.url,
    `query($first: Int, $after: String, $openOnly: Boolean) {
      storeConnection(first: $first, after: $after, openOnly: $openOnly) {
        nodes { id open acceptingOrders } pageInfo { hasNextPage endCursor } } }`,
    { first, after, openOnly },
  );
  expect(r.errors).toBeUndefined();
  return r.data!.storeConnection;
};

describe('storeConnection(openOnly: true)', () => {
  it('leaves out stores switched open but outside their opening hours', async () => {
    const all = await page(100, null, false);
    const outside = all.nodes.filter((s) => s.open && !s.acceptingOrders).map((s) => s.id);
    expect(outside.length).toBeGreaterThan(70);
    const open = await page(100, null, true);
    expect(open.nodes.map((s) => s.id)).toEqual(expected);
    expect(open.nodes.every((s) => s.acceptingOrders)).toBe(true);
    expect(open.pageInfo.hasNextPage).toBe(false);
  });

  it('pages are full, in order, without repeats, across long runs of closed stores', async () => {
    for (const first of [1, 4, 7]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const p: Page = await page(first, after, true);
        seen.push(...p.nodes.map((s) => s.id));
        if (!p.pageInfo.hasNextPage) break;
        expect(p.nodes).toHaveLength(first);
        after = p.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    }
  });
});
