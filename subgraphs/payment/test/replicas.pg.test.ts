import { fileURLToPath } from 'node:url';
import { Database, EmbeddedEventBus, Outbox, Topics } from '@baemin/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema.js';
import { payments } from '../src/db/schema.js';
import { PaymentService } from '../src/PaymentService.js';
import { createPgTestDatabase, type PgTestDatabase, tempDir, waitFor } from '@baemin/platform/testing';

/**
 * Three payment replicas on one PostgreSQL database (the scale-out deployment, docs/scale-out.md):
 * concurrent captures of one order make one payment, leader rounds run on one replica at a time,
 * and three outbox relays publish every event once, each key's events in commit order.
 */

const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));
let pgDb: PgTestDatabase;
let replicas: Database<typeof schema>[];
const tmp = tempDir('payment-replicas-');
let bus: EmbeddedEventBus;

beforeAll(async () => {
  pgDb = await createPgTestDatabase('baemin_t_payrep');
  // Opened together, as replicas start: migrations run once (advisory lock).
  replicas = await Promise.all(
    [0, 1, 2].map(() => Database.open({ path: '', url: pgDb.url, schema, migrationsFolder, poolSize: 4 })),
  );
  bus = new EmbeddedEventBus({ path: `${tmp.dir}/eventlog.db`, pollIntervalMs: 5 });
});

afterAll(async () => {
  await bus?.close();
  for (const r of replicas ?? []) await r.close();
  await pgDb?.drop();
  tmp.cleanup();
});

describe('payment replicas on one PostgreSQL database', () => {
  it('concurrent captures of one order on every replica store one payment; every caller gets it', async () => {
    const services = replicas.map(
      (db) =>
        new PaymentService(db, new Outbox(db, bus, { producer: 'payment', topic: Topics.payment }), 1e8),
    );
    const request = { orderId: 'o-race', customerId: 'c', storeId: 's', ownerId: 'w', amount: 12_000 };
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => services[i % 3]!.capture(request)),
    );
    expect(results.every((r) => r.kind === 'captured')).toBe(true);
    const ids = new Set(results.map((r) => (r.kind === 'captured' ? r.payment.id : null)));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.kind === 'captured' && r.created)).toHaveLength(1);
    const rows = await replicas[0]!.reader.select().from(payments);
    expect(rows.filter((p) => p.orderId === 'o-race')).toHaveLength(1);
  });

  it('a leader round (exclusively) runs on one replica at a time', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inside = false;
    const first = replicas[0]!.exclusively('test:round', async () => {
      inside = true;
      await held;
      return 'first';
    });
    await waitFor(() => inside, { what: 'the first replica inside its round' });
    expect(await replicas[1]!.exclusively('test:round', async () => 'second')).toEqual({ ran: false });
    expect(await replicas[2]!.exclusively('test:round', async () => 'third')).toEqual({ ran: false });
    release();
    expect(await first).toEqual({ ran: true, value: 'first' });
    expect(await replicas[1]!.exclusively('test:round', async () => 'after')).toEqual({
      ran: true,
      value: 'after',
    });
  });

  it('three relays publish every event once, each key in commit order', async () => {
    const topic = 'replica.things';
    const boxes = replicas.map(
      (db) => new Outbox(db, bus, { producer: 'payment', topic, sweepIntervalMs: 100 }),
    );
    for (const box of boxes) box.start();
    try {
      const keys = ['k1', 'k2', 'k3', 'k4'];
      const added: Record<string, string[]> = Object.fromEntries(keys.map((k) => [k, []]));
      // Per key, one event after the other (as one order's events are), on alternating replicas;
      // the keys run concurrently.
      await Promise.all(
        keys.map(async (key) => {
          for (let i = 0; i < 30; i++) {
            const r = (i + key.length) % 3;
            const env = await replicas[r]!.transaction((tx) =>
              boxes[r]!.add(tx, { type: 'Thing', correlationId: key, payload: { i } }, key),
            );
            boxes[r]!.notify();
            added[key]!.push(env.id);
          }
        }),
      );
      await waitFor(async () => (await boxes[0]!.status()).pending === 0, {
        timeoutMs: 30_000,
        what: 'every outbox row marked published',
      });
      // Stopped relays publish nothing more: what the log holds now is all there will be.
      for (const box of boxes) await box.stop();
      const records = bus.read(topic, 0, 10_000);
      expect(records).toHaveLength(120);
      for (const key of keys) {
        expect(records.filter((r) => r.key === key).map((r) => r.envelope.id)).toEqual(added[key]);
      }
    } finally {
      for (const box of boxes) await box.stop();
    }
  });
});
