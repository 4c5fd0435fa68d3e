import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../src/PeriodicTask.js';
import { waitFor } from '../src/testing/index.js';

/** The task's period. Absence ("nothing more ran") has no fact to wait on: it is checked over three periods. */
const PERIOD_MS = 10;
const threePeriods = () => new Promise((r) => setTimeout(r, 3 * PERIOD_MS));

describe('PeriodicTask', () => {
  it('keeps running rounds after one fails, and stop() waits for every round in progress', async () => {
    const rounds: string[] = [];
    let release: () => void = () => undefined;
    const task = new PeriodicTask('test job', PERIOD_MS, async () => {
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
    await threePeriods();
    expect(done).toBe(false);
    release();
    await stopped;
    // Later rounds ran meanwhile (a slow round does not hold the next); none starts after stop().
    expect(rounds).toContain('end 2');
    const atStop = [...rounds];
    await threePeriods();
    expect(rounds).toEqual(atStop);
  });
});
