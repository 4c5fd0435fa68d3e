import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db/Database.js';
import { preparedIn } from '../src/db/preparedIn.js';
import { inbox, outbox } from '../src/db/tables.js';
import { OUTBOX_INBOX_SQL, writeMigrations } from '../src/testing/writeMigrations.js';

process.env.LOG_LEVEL ??= 'silent';

const dir = mkdtempSync(join(tmpdir(), 'prepared-in-'));
const migrations = writeMigrations(dir, OUTBOX_INBOX_SQL);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('preparedIn (SQLite)', () => {
  it('builds a query once per connection and gives what awaiting the builder gives', async () => {
    const database = new Database({
      path: join(dir, 'a.db'),
      schema: { inbox, outbox },
      migrationsFolder: migrations,
    });
    let builds = 0;
    const insert = (eventId: string) =>
      database.transaction((tx) =>
        preparedIn<{ id: string }[]>(
          tx,
          'test:inbox',
          (p) => {
            builds++;
            return tx
              .insert(inbox)
              .values({ consumer: 'c', eventId: p('eventId'), eventType: p('type'), handledAt: p('at') })
              .onConflictDoNothing()
              .returning({ id: inbox.eventId });
          },
          { eventId, type: 'T', at: '2026-12-04T00:00:00.000Z' },
        ),
      );
    expect(await insert('e1')).toEqual([{ id: 'e1' }]);
    expect(await insert('e2')).toEqual([{ id: 'e2' }]);
    // A duplicate changes nothing, as with the builder.
    expect(await insert('e1')).toEqual([]);
    expect(builds).toBe(1);

    const select = (eventId: string) =>
      database.transaction((tx) =>
        preparedIn<{ eventId: string; eventType: string }[]>(
          tx,
          'test:select',
          (p) =>
            tx
              .select({ eventId: inbox.eventId, eventType: inbox.eventType })
              .from(inbox)
              .where(eq(inbox.eventId, p('eventId'))),
          { eventId },
        ),
      );
    expect(await select('e2')).toEqual([{ eventId: 'e2', eventType: 'T' }]);
    expect(await select('nope')).toEqual([]);
    const ran = await database.transaction((tx) =>
      preparedIn<{ changes: number }>(
        tx,
        'test:delete',
        (p) => tx.delete(inbox).where(eq(inbox.eventId, p('eventId'))),
        { eventId: 'e1' },
      ),
    );
    expect(ran.changes).toBe(1);
    expect((await select('e1')).length).toBe(0);
    await database.close();
  });
});
