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
