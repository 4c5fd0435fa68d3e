import { Kafka, logLevel } from 'kafkajs';

/**
 * Deletes the topics and consumer groups of one test system's Kafka namespace (`<namespace>.…`),
 * as TestSystem.close() removes its data directory and databases. Without it a broker shared by
 * many systems (CI's, or a benchmark's) keeps every system's topics: after about 40 systems a
 * bench broker held 800 partition directories, and the saga's p99 at 200 orders/s had crept from
 * 35–44 ms to 54–65 ms; a fresh broker, and one that deleted them, gave 33–45 ms again
 * (BENCHMARKS.md, 2026-12-06 14:55).
 *
 * Best effort and bounded: a broker that is down or slow (a test may have stopped its own) costs
 * at most `timeoutMs` and never fails the close. Topics and groups are deleted independently, so a
 * group that cannot go (still has a member) leaves the topics deleted. Resolves to what it deleted.
 */
export async function dropKafkaNamespace(
  brokers: string,
  namespace: string,
  timeoutMs = 10_000,
): Promise<{ topics: number; groups: number }> {
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'e2e-cleanup',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: timeoutMs,
    retry: { retries: 1 },
  }).admin();
  const prefix = `${namespace}.`;
  const work = (async () => {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(prefix));
    const deleted = { topics: 0, groups: 0 };
    try {
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: timeoutMs });
      deleted.topics = topics.length;
    } catch {
      // Left for the broker's owner; the groups are still worth deleting.
    }
    try {
      if (groups.length > 0) await admin.deleteGroups(groups);
      deleted.groups = groups.length;
    } catch {
      // A group with a member left: nothing to do in a close.
    }
    return deleted;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ topics: number; groups: number }>((resolve) => {
    timer = setTimeout(() => resolve({ topics: 0, groups: 0 }), timeoutMs);
  });
  try {
    return await Promise.race([work.catch(() => ({ topics: 0, groups: 0 })), timedOut]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
