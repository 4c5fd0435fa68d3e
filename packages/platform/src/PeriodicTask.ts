import { logger } from './logger.js';

/**
 * A background job run every `intervalMs` after `start()` (saga timeouts, the orphan sweeper). The
 * timer is unref'd (it never keeps a process alive); a failed round is logged as a warning
 * (`<name> failed`) and the next round runs as planned, even while a slow one is still running (the
 * jobs re-check every decision in the transaction acting on it). `stop()` clears the timer and waits
 * for every round in progress, so the database can be closed right after.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly round: () => Promise<unknown>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      const round = this.round()
        .catch((err) => logger.warn(`${this.name} failed`, { error: (err as Error).message }))
        .finally(() => this.running.delete(round));
      this.running.add(round);
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.running);
  }
}
