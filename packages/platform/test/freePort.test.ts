import { describe, expect, it } from 'vitest';
import { type HeldPort, portAllocator } from '../src/testing/freePort.js';

/** An "OS" that offers the ports of `script` in turn and records which listeners are open. */
function scriptedOs(script: number[]) {
  const open = new Set<number>();
  let closes = 0;
  const listen = async (): Promise<HeldPort> => {
    const port = script.shift();
    if (port === undefined) throw new Error('script exhausted');
    if (open.has(port)) throw new Error(`port ${port} offered while its listener is open`);
    open.add(port);
    return {
      port,
      close: async () => {
        open.delete(port);
        closes++;
      },
    };
  };
  return { listen, open, closes: () => closes };
}

describe('portAllocator', () => {
  it('never hands out a port twice, even when the OS offers it again after its listener closed', async () => {
    const os = scriptedOs([41000, 41002, 41000, 41002, 41004]);
    const next = portAllocator(os.listen);
    expect(await next()).toBe(41000);
    expect(await next()).toBe(41002);
    // The OS offers 41000, then 41002 again: both are skipped, their listeners held meanwhile.
    expect(await next()).toBe(41004);
    expect(os.open.size).toBe(0);
    expect(os.closes()).toBe(5);
  });

  it('gives up with an error after maxTries ports it had handed out already', async () => {
    const os = scriptedOs([42000, 42002, 42000, 42002]);
    const next = portAllocator(os.listen, 2);
    expect(await next()).toBe(42000);
    expect(await next()).toBe(42002);
    await expect(next()).rejects.toThrow(/no free port after 2 tries/);
    expect(os.open.size).toBe(0);
  });

  it('hands out distinct ports the OS really has free', async () => {
    const next = portAllocator();
    const ports = [];
    for (let i = 0; i < 50; i++) ports.push(await next());
    expect(new Set(ports).size).toBe(50);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});
