import { describe, expect, it } from 'vitest';
import { cursorList, decodeCursor, encodeCursor, pageRequest } from '../src/pagination/connection.js';

const STORES = cursorList('storeConnection', 'number', 'string');
const ORDERS = cursorList('myOrderConnection', 'string', 'string');
const MENU = cursorList('Store.menuItems:store-1', 'number', 'string');
const bare = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

const refused = (cursor: string, list = ORDERS) => {
  try {
    decodeCursor(cursor, list);
  } catch (err) {
    return (err as { extensions?: Record<string, unknown> }).extensions;
  }
  return 'accepted';
};

describe('cursors', () => {
  it('decode in the list that issued them', () => {
    expect(decodeCursor(encodeCursor(ORDERS, ['2026-12-05T10:00:00.000Z', 'o-1']), ORDERS)).toEqual([
      '2026-12-05T10:00:00.000Z',
      'o-1',
    ]);
    expect(pageRequest({ after: encodeCursor(STORES, [1, 'store-2']) }, STORES)).toEqual({
      first: 20,
      after: [1, 'store-2'],
      list: STORES,
    });
  });

  it('from another list are BAD_USER_INPUT on after, even with a key of the same types', () => {
    const storeCursor = encodeCursor(STORES, [1, 'store-2']);
    expect(refused(storeCursor, ORDERS)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(refused(storeCursor, MENU)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(
      refused(encodeCursor(ORDERS, ['a', 'b']), cursorList('myTicketConnection', 'string', 'string')),
    ).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('issued before lists were named (a bare key) still decode when the key has the list’s types', () => {
    expect(decodeCursor(bare([1, 'store-2']), STORES)).toEqual([1, 'store-2']);
    expect(decodeCursor(bare(['2026-12-05T10:00:00.000Z', 'o-1']), ORDERS)).toEqual([
      '2026-12-05T10:00:00.000Z',
      'o-1',
    ]);
    for (const key of [[1, 'store-2'], [1, 2], ['a'], ['a', 'b', 'c'], ['a', null], ['a', ['b']]])
      expect(refused(bare(key)), JSON.stringify(key)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('refuses garbage and tagged cursors whose key does not fit', () => {
    for (const cursor of [
      'not-a-cursor',
      bare({ l: 'myOrderConnection' }),
      bare({ l: 'myOrderConnection', k: [1, 'o-1'] }),
      bare({ k: ['a', 'b'] }),
      bare(null),
      bare('a'),
    ])
      expect(refused(cursor), cursor).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
