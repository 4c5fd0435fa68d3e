import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
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
    await kafka.warmUp();
    return kafka;
  }

  /**
   * A fresh broker creates its internal topics (consumer offsets, producer ids) on first use and
   * answers "coordinator is loading" meanwhile; six processes meeting that at once on this busy
   * machine take minutes to start. One idempotent send and one group join first get it done.
   */
  private async warmUp(): Promise<void> {
    const client = new Kafka({ brokers: [this.brokers], clientId: 'warm-up', logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'warm-up', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'warm-up', messages: [{ value: 'x' }] });
    await producer.disconnect();
    const consumer = client.consumer({ groupId: 'warm-up' });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: ['warm-up'], fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    await joined;
    await consumer.disconnect();
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
