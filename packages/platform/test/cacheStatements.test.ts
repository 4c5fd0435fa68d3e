import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheStatements } from '../src/db/cacheStatements.js';

const items = sqliteTable('items', { id: integer('id').primaryKey(), name: text('name').notNull() });

describe('cacheStatements', () => {
  let sqlite: BetterSqlite3.Database;
  afterEach(() => sqlite?.close());

  const open = (max?: number) => {
    sqlite = cacheStatements(new BetterSqlite3(':memory:'), max);
    sqlite.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    sqlite.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(1, 'kimchi');
    return sqlite;
  };

  it('hands out one compiled statement per SQL text', () => {
    const db = open();
    const a = db.prepare('SELECT name FROM items WHERE id = ?');
    const b = db.prepare('SELECT name FROM items WHERE id = ?');
    expect(b).toBe(a);
    expect(db.prepare('SELECT id FROM items WHERE id = ?')).not.toBe(a);
  });

  it('switches raw and pluck mode off again, so drizzle values() and all() of one text can share it', () => {
    const db = open();
    expect(db.prepare('SELECT id, name FROM items').raw().all()).toEqual([[1, 'kimchi']]);
    expect(db.prepare('SELECT id, name FROM items').all()).toEqual([{ id: 1, name: 'kimchi' }]);
    expect(db.prepare('SELECT id, name FROM items').pluck().all()).toEqual([1]);
    expect(db.prepare('SELECT id, name FROM items').get()).toEqual({ id: 1, name: 'kimchi' });

    // The same through drizzle: a typed select reads raw rows, a sql`` all() reads objects.
    const orm = drizzle(db);
    expect(orm.select().from(items).all()).toEqual([{ id: 1, name: 'kimchi' }]);
    expect(orm.all(sql`SELECT "id", "name" FROM "items"`)).toEqual([{ id: 1, name: 'kimchi' }]);
    expect(orm.select().from(items).all()).toEqual([{ id: 1, name: 'kimchi' }]);
  });

  it('keeps at most `max` texts, dropping the least recently used', () => {
    const db = open(2);
    const one = db.prepare('SELECT 1');
    const two = db.prepare('SELECT 2');
    expect(db.prepare('SELECT 1')).toBe(one); // now 2 is the least recently used
    db.prepare('SELECT 3');
    expect(db.prepare('SELECT 1')).toBe(one);
    expect(db.prepare('SELECT 2')).not.toBe(two);
  });

  it('still sees a schema change made after a statement was cached', () => {
    const db = open();
    expect(db.prepare('SELECT * FROM items').get()).toEqual({ id: 1, name: 'kimchi' });
    db.exec('ALTER TABLE items ADD COLUMN spicy INTEGER NOT NULL DEFAULT 1');
    expect(db.prepare('SELECT * FROM items').get()).toEqual({ id: 1, name: 'kimchi', spicy: 1 });
  });
});

describe('cacheStatements: a bound LIMIT', () => {
  let sqlite: BetterSqlite3.Database;
  afterEach(() => sqlite?.close());

  /** A cached connection over five items, and the SQL texts SQLite was asked to compile. */
  const open = () => {
    const plain = new BetterSqlite3(':memory:');
    const compiled: string[] = [];
    const compile = plain.prepare.bind(plain);
    (plain as { prepare: (source: string) => BetterSqlite3.Statement }).prepare = (source) => {
      compiled.push(source);
      return compile(source);
    };
    sqlite = cacheStatements(plain);
    sqlite.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    for (const [id, name] of [
      [1, 'kimchi'],
      [2, 'bibimbap'],
      [3, 'tteokbokki'],
      [4, 'japchae'],
      [5, 'bulgogi'],
    ] as const)
      sqlite.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(id, name);
    compiled.length = 0;
    return { db: sqlite, compiled };
  };

  it('runs it as a literal: one compiled statement per limit value, none per run', () => {
    const { db, compiled } = open();
    const text = 'SELECT id FROM items ORDER BY id LIMIT ?';
    expect(db.prepare(text).all(2)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(db.prepare(text).all(3)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(db.prepare(text).get(2)).toEqual({ id: 1 });
    expect(db.prepare(text).all(0)).toEqual([]);
    expect(compiled).toEqual([
      text,
      'SELECT id FROM items ORDER BY id LIMIT 2',
      'SELECT id FROM items ORDER BY id LIMIT 3',
      'SELECT id FROM items ORDER BY id LIMIT 0',
    ]);
  });

  it('keeps an OFFSET bound, and the parameters before the limit in place', () => {
    const { db, compiled } = open();
    const text = 'SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ? OFFSET ?';
    expect(db.prepare(text).all(1, 2, 1)).toEqual([{ id: 3 }, { id: 4 }]);
    expect(db.prepare(text).all(0, 2, 3)).toEqual([{ id: 4 }, { id: 5 }]);
    expect(compiled).toEqual([text, 'SELECT id FROM items WHERE id > ? ORDER BY id LIMIT 2 OFFSET ?']);
  });

  it('serves drizzle: .limit(n), prepared placeholders, raw rows and pluck mode', () => {
    const { db, compiled } = open();
    const orm = drizzle(db);
    expect(orm.select().from(items).orderBy(items.id).limit(2).all()).toEqual([
      { id: 1, name: 'kimchi' },
      { id: 2, name: 'bibimbap' },
    ]);
    const byId = orm
      .select({ name: items.name })
      .from(items)
      .where(sql`${items.id} >= ${sql.placeholder('from')}`)
      .orderBy(items.id)
      .limit(sql.placeholder('n'))
      .prepare();
    expect(byId.all({ from: 4, n: 5 })).toEqual([{ name: 'japchae' }, { name: 'bulgogi' }]);
    expect(byId.get({ from: 2, n: 1 })).toEqual({ name: 'bibimbap' });
    expect(compiled.filter((s) => /limit \?/i.test(s))).toHaveLength(2);
    expect(compiled.filter((s) => /limit \d/i.test(s))).toHaveLength(3);

    const text = 'SELECT id, name FROM items ORDER BY id LIMIT ?';
    expect(db.prepare(text).pluck().all(2)).toEqual([1, 2]);
    expect(db.prepare(text).raw().all(1)).toEqual([[1, 'kimchi']]);
    // Handed out again: back to row objects.
    expect(db.prepare(text).all(1)).toEqual([{ id: 1, name: 'kimchi' }]);
  });

  it('runs anything but an integer limit as written', () => {
    const { db, compiled } = open();
    const text = 'SELECT id FROM items ORDER BY id LIMIT ?';
    expect(db.prepare(text).all('2')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(() => db.prepare(text).all()).toThrow(RangeError);
    expect(compiled).toEqual([text]);
  });
});
