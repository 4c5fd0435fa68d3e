import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventBus } from '../src/bus/EmbeddedEventBus.js';
import { describeEventBusContract } from './eventBusContract.js';

const dir = mkdtempSync(join(tmpdir(), 'embedded-bus-'));

describeEventBusContract('embedded durable log', {
  create: async () =>
    new EmbeddedEventBus({ path: join(dir, 'eventlog.db'), pollIntervalMs: 5, leaseMs: 2000 }),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
