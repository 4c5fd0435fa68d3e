import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../packages/platform/src/testing/freePort.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * A Kafka broker of one test file's own (scripts/kafka.sh on free ports, data in a temp folder),
 * for tests that stop Kafka: the broker the other test files share must never go away under them
 * (the unit and e2e projects run side by side). Start-up takes ~20 s on this machine (a JVM).
 * Everything runs through async child processes so a load running meanwhile is not blocked.
 */
export class PrivateKafka {
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly brokers: string,
    private readonly dataDir: string,
  ) {}

  static async start(): Promise<PrivateKafka> {
    const port = await freePort();
    const controller = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'baemin-kafka-'));
    const env = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_DATA_DIR: dataDir,
      KAFKA_RESET: '1',
    };
    const kafka = new PrivateKafka(env, `127.0.0.1:${port}`, dataDir);
    await kafka.script('start');
    delete kafka.env.KAFKA_RESET;
    return kafka;
  }

  private async script(command: 'start' | 'stop'): Promise<void> {
    await run('bash', ['scripts/kafka.sh', command], { cwd: ROOT, env: this.env, timeout: 120_000 });
  }

  /** SIGTERM (controlled shutdown); resolves when the broker has exited. */
  stop(): Promise<void> {
    return this.script('stop');
  }

  /** Starts it again on the same data (topics, records and committed offsets survive). */
  restart(): Promise<void> {
    return this.script('start');
  }

  async close(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
