import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeOrder, waitForTicket } from '../harness/flows.js';
import { SUBGRAPH_NAMES, serviceArgs, TestSystem, waitFor } from '../harness/TestSystem.js';

/**
 * The event plumbing under the saga, with the real processes on the embedded log: a locked log
 * (SQLITE_BUSY past the busy timeout) is reported by /ready (which stays 200) and survived; a second replica of a
 * context on its own database file refuses to start.
 */
interface Ready {
  failed: string[];
  consumers: { group: string; state: string; lastError: string | null; restarts: number }[];
}

const ROOT = new URL('../..', import.meta.url).pathname;

describe('event plumbing (embedded log, real processes)', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await TestSystem.start({
      env: { EVENTLOG_BUSY_TIMEOUT_MS: '300', EVENTLOG_LEASE_MS: '1500' },
    });
  });
  afterAll(async () => {
    await sys?.close();
  });

  const ready = async (name: (typeof SUBGRAPH_NAMES)[number]) => {
    const res = await fetch(`${sys.url(name)}/ready`);
    return { code: res.status, body: (await res.json()) as Ready };
  };

  it('a log locked past the busy timeout: consumers are reported (the context stays ready), then resume; nothing is lost', async () => {
    const locker = new Database(join(sys.dataDir, 'eventlog.db'));
    locker.exec('BEGIN EXCLUSIVE');
    let order: { id: string };
    try {
      // Orders are still taken (the outbox holds the events while the log is locked).
      order = await placeOrder(sys, 'alice');
      const down = await waitFor(
        async () => {
          const r = await ready('store');
          return r.body.consumers[0]?.state === 'restarting' ? r : undefined;
        },
        { timeoutMs: 30_000, what: 'store /ready to report its consumer' },
      );
      // Reported, not a reason to leave the Service: the store still serves its own data.
      expect(down.code).toBe(200);
      expect(down.body.failed).toEqual([]);
      expect(down.body.consumers[0]).toMatchObject({ group: 'store', state: 'restarting' });
      expect(down.body.consumers[0]!.lastError).toMatch(/locked|busy/i);
    } finally {
      locker.exec('COMMIT');
      locker.close();
    }
    for (const name of SUBGRAPH_NAMES) {
      await waitFor(
        async () => {
          const r = await ready(name);
          return r.code === 200 && r.body.consumers.every((c) => c.state === 'running');
        },
        { timeoutMs: 30_000, what: `${name}'s consumers running` },
      );
    }
    await waitForTicket(sys, order.id);
    expect((await ready('store')).body.consumers[0]!.restarts).toBeGreaterThan(0);
  });

  it('refuses a second store replica on another database file sharing the log', async () => {
    const otherData = mkdtempSync(join(tmpdir(), 'baemin-replica-'));
    try {
      const env = {
        ...sys.env('store'),
        PORT: '0',
        DATA_DIR: otherData,
        EVENTLOG_PATH: join(sys.dataDir, 'eventlog.db'),
      };
      const child = spawn(process.execPath, serviceArgs('store'), {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(output).toMatch(/belongs to another database/);
      // The running store is untouched and still consumes.
      const order = await placeOrder(sys, 'alice');
      await waitForTicket(sys, order.id);
    } finally {
      rmSync(otherData, { recursive: true, force: true });
    }
  });
});
