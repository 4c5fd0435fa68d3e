import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';

const ROOT = new URL('../..', import.meta.url).pathname;
/** Port of the broker tests start for themselves; not 9092, so a developer's own broker is left alone. */
const TEST_PORT = process.env.E2E_KAFKA_PORT ?? '39092';

/**
 * Gives the tests a real Kafka broker. KAFKA_BROKERS set: use it (CI starts one with
 * scripts/kafka.sh). Otherwise start one through the same script (unless E2E_KAFKA=0, which is
 * printed loudly rather than skipped silently) and stop it afterwards if we started it.
 */
export default function setup(project: TestProject) {
  // TEST_KAFKA_BROKERS carries the broker to the next project's setup (each project runs this).
  const given = process.env.KAFKA_BROKERS || process.env.TEST_KAFKA_BROKERS;
  // Tests get the broker only through inject('kafkaBrokers'): a KAFKA_BROKERS inherited by test
  // workers would silently switch every in-process service under test to Kafka.
  delete process.env.KAFKA_BROKERS;
  if (given) {
    process.env.TEST_KAFKA_BROKERS = given;
    project.provide('kafkaBrokers', given);
    return;
  }
  if (process.env.E2E_KAFKA === '0') {
    console.warn('\n*** E2E_KAFKA=0: Kafka tests are NOT run in this session ***\n');
    project.provide('kafkaBrokers', '');
    return;
  }
  const env = {
    ...process.env,
    KAFKA_PORT: TEST_PORT,
    KAFKA_CONTROLLER_PORT: String(Number(TEST_PORT) + 1),
    KAFKA_DATA_DIR: `${ROOT}.cache/kafka-run/test-${TEST_PORT}`,
  };
  const wasRunning = (() => {
    try {
      execFileSync('bash', ['scripts/kafka.sh', 'status'], { cwd: ROOT, env, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  execFileSync('bash', ['scripts/kafka.sh', 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const brokers = `127.0.0.1:${TEST_PORT}`;
  process.env.TEST_KAFKA_BROKERS = brokers;
  project.provide('kafkaBrokers', brokers);
  return () => {
    if (!wasRunning) execFileSync('bash', ['scripts/kafka.sh', 'stop'], { cwd: ROOT, env, stdio: 'ignore' });
  };
}
