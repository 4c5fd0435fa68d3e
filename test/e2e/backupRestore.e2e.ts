import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restore } from '../../scripts/restore.js';
import { DEMO, driveToDelivered, orderStatus, placeOrder, waitForTicket } from '../harness/flows.js';
import { TestSystem } from '../harness/TestSystem.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * The restore drill of README "Backups", on the real processes (embedded log): the store context
 * is backed up with `npm run backup` while it runs and orders flow, orders keep coming after the
 * backup, the store dies and its database file is lost, `npm run restore` puts the backup back
 * (and rewinds the store's consumer group), and the store starts again. Its inbox came back with
 * its data, so the events it had applied are skipped and the ones after the backup are applied
 * once: every ticket exists exactly once, and the saga goes on to delivery.
 */
describe('backup and restore drill (store, embedded log)', () => {
  let sys: TestSystem;
  let backups: string;

  beforeAll(async () => {
    sys = await TestSystem.start();
    backups = mkdtempSync(join(tmpdir(), 'baemin-backups-'));
  });
  afterAll(async () => {
    await sys?.close();
    if (backups) rmSync(backups, { recursive: true, force: true });
  });

  /** Runs one of the documented npm scripts' entry points with the store's settings. */
  const script = (name: 'backup' | 'restore', args: string[]) =>
    run(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
      cwd: ROOT,
      env: sys.env('store'),
    });

  const ticketsOf = async (orderId: string) => {
    const res = await sys.ok<{ myTickets: { orderId: string; status: string }[] }>(
      '{ myTickets { orderId status } }',
      {},
      sys.token('owner', DEMO.owner),
    );
    return res.myTickets.filter((t) => t.orderId === orderId);
  };

  it('back up while running, lose the file, restore: nothing lost or doubled, the saga resumes', async () => {
    const before = await placeOrder(sys, 'drill');
    await waitForTicket(sys, before.id);

    // Online: the store keeps serving and consuming while the backup runs.
    const backedUp = await script('backup', ['store', '--out', backups]);
    const file = /to (\S+\.db) \(/.exec(backedUp.stdout)?.[1];
    expect(file, backedUp.stdout).toBeDefined();

    // After the backup: two more orders reach the store (their tickets are not in the backup).
    const after = [await placeOrder(sys, 'drill'), await placeOrder(sys, 'drill')];
    for (const o of after) await waitForTicket(sys, o.id);
    const versions = await Promise.all(
      [before, ...after].map(async (o) => {
        const res = await sys.ok<{ order: { version: number } }>(
          'query($id: ID!) { order(id: $id) { version } }',
          { id: o.id },
          sys.token('customer', 'drill'),
        );
        return res.order.version;
      }),
    );

    // A restore is refused while the store runs.
    await expect(restore('store', file!, { env: sys.env('store') })).rejects.toThrow(/is running/);

    // The store dies and its database is lost.
    await sys.stopService('store', 'SIGKILL');
    const dbPath = join(sys.dataDir, 'store.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });

    const restored = await script('restore', ['store', file!]);
    expect(restored.stdout).toMatch(
      /consumer group 'store' rewound to the beginning of order\.events \(embedded\)/,
    );
    // The restored file is the backup: one ticket, the one placed before it.
    const raw = new Database(dbPath, { readonly: true });
    try {
      expect(raw.prepare('SELECT order_id FROM tickets').all()).toEqual([{ order_id: before.id }]);
    } finally {
      raw.close();
    }

    await sys.startService('store');
    // Nothing lost: the tickets of the orders placed after the backup come back from the log.
    for (const o of after) await waitForTicket(sys, o.id);
    // Nothing doubled: one ticket per order, each OrderPlaced applied once.
    for (const o of [before, ...after]) expect(await ticketsOf(o.id)).toHaveLength(1);
    const db = new Database(dbPath, { readonly: true });
    try {
      // Three OrderPlaced applied in all: one from before the backup (kept), two replayed once each.
      expect(db.prepare("SELECT COUNT(*) AS n FROM inbox WHERE event_type = 'OrderPlaced'").get()).toEqual({
        n: 3,
      });
      expect(db.prepare('SELECT COUNT(*) AS n FROM tickets').get()).toEqual({ n: 3 });
    } finally {
      db.close();
    }
    // The orders themselves did not move (the re-created tickets change nothing downstream).
    for (const [i, o] of [before, ...after].entries()) {
      const res = await sys.ok<{ order: { version: number; status: string } }>(
        'query($id: ID!) { order(id: $id) { version status } }',
        { id: o.id },
        sys.token('customer', 'drill'),
      );
      expect(res.order).toEqual({ version: versions[i], status: 'PLACED' });
    }
    // And the saga resumes: orders from both sides of the backup go on to delivery.
    await driveToDelivered(sys, 'drill', before.id);
    await driveToDelivered(sys, 'drill', after[1]!.id);
    expect(await orderStatus(sys, 'drill', after[0]!.id)).toBe('PLACED');
  });
});
