import { describe, expect, it } from 'vitest';
import { Semaphore } from '../src/subscriptions/Semaphore.js';

describe('Semaphore', () => {
  it('lets at most `limit` holders run, hands slots over in arrival order, and frees them on release', async () => {
    const slots = new Semaphore(2);
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) =>
      slots.run(async () => {
        order.push(`start ${name}`);
        await new Promise<void>((resolve) => gates.set(name, resolve));
        order.push(`end ${name}`);
      });
    const all = ['a', 'b', 'c', 'd'].map(task);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start a', 'start b']);
    expect([slots.inUse, slots.queued]).toEqual([2, 2]);
    gates.get('b')!();
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start a', 'start b', 'end b', 'start c']);
    gates.get('a')!();
    await new Promise((r) => setImmediate(r));
    gates.get('c')!();
    await new Promise((r) => setImmediate(r));
    gates.get('d')!();
    await Promise.all(all);
    expect(order.filter((e) => e.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d']);
    expect([slots.inUse, slots.queued]).toEqual([0, 0]);
  });

  it('a slot is released once even if release is called twice, and after a failure', async () => {
    const slots = new Semaphore(1);
    const release = await slots.acquire();
    release();
    release();
    expect(slots.inUse).toBe(0);
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.inUse).toBe(0);
  });
});
