import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../src/PeriodicTask.js';
import { waitFor } from '../src/testing/index.js';

describe('PeriodicTask', () => {
  it('keeps running rounds after one fails, and stop() waits for every round in progress', async () => {
    const rounds: string[] = [];
    let release: () => void = () => undefined;
    const task = new PeriodicTask('test job', 10, async () => {
      const n = rounds.length + 1;
      rounds.push(`start ${n}`);
      if (n === 1) throw new Error('first round fails');
      if (n === 2) await new Promise<void>((r) => (release = r));
      rounds.push(`end ${n}`);
    });
    task.start();
    await waitFor(() => rounds.includes('start 2'), { what: 'a second round after the failed one' });
    const stopped = task.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    release();
    await stopped;
    // Later rounds ran meanwhile (a slow round does not hold the next); none starts after stop().
    expect(rounds).toContain('end 2');
    const atStop = [...rounds];
    await new Promise((r) => setTimeout(r, 30));
    expect(rounds).toEqual(atStop);
  });
});
