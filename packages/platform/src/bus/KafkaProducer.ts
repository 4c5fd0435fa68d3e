import { type IHeaders, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { encodeEnvelope } from '../events/EventEnvelope.js';
import { headersFor } from './deliverWithRetry.js';
import type { OutgoingRecord } from './EventBus.js';
import { LazyConnection } from './LazyConnection.js';

/**
 * The Kafka side of {@link EventBus.publish}: one shared idempotent producer, connected on first use
 * and replaced after any failure.
 *
 * Retries: kafkajs retries a send that failed with a retriable error (NOT_LEADER_OR_FOLLOWER,
 * LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION: refreshing metadata first) up to 5 times, waiting
 * 200 ms doubling up to 1 s: about 3.4 s in all (2.6 s under NODE_ENV=test, where kafkajs grows the
 * wait by 1.5 instead of 2). That covers a topic another process has just created, whose leader a
 * KRaft broker names in its metadata some milliseconds (on a loaded machine, hundreds) before it
 * serves it; topics this bus creates are waited for in ensureTopics. A dead broker still fails a
 * send within seconds (about 2 s, as with fewer retries): the reconnect in the first retry uses up
 * the client's own retries (3, set in KafkaEventBus), and kafkajs retries that failure no further.
 */
export class KafkaProducer {
  private readonly connection: LazyConnection<Producer>;

  constructor(kafka: Kafka) {
    this.connection = new LazyConnection(
      async () => {
        const producer = kafka.producer({
          idempotent: true,
          // With one request in flight a retried batch can never overtake the next one.
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: { initialRetryTime: 200, maxRetryTime: 1000, retries: 5 },
        });
        await producer.connect();
        return producer;
      },
      (producer) => producer.disconnect(),
    );
  }

  /** Sends `records` in order, acknowledged by every in-sync replica (acks -1). */
  async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Consecutive records of one topic share an entry; kafkajs merges entries of the same topic in
    // order, so the whole call is one request per broker and per-partition order is the input order.
    const topicMessages: { topic: string; messages: { key: string; value: string; headers: IHeaders }[] }[] =
      [];
    for (const r of records) {
      const message = {
        key: r.key,
        value: encodeEnvelope(r.envelope),
        headers: headersFor(r.envelope, r.extraHeaders),
      };
      const last = topicMessages[topicMessages.length - 1];
      if (last?.topic === r.topic) last.messages.push(message);
      else topicMessages.push({ topic: r.topic, messages: [message] });
    }
    const pending = this.connection.use();
    try {
      const producer = await pending;
      await producer.sendBatch({ topicMessages, acks: -1 });
    } catch (err) {
      // A fresh producer (new connection, new producer id and sequence numbers) for the next try:
      // the simplest state to trust after a broker went away mid-request.
      void this.connection.discard(pending);
      throw err;
    }
  }

  /** Disconnects the producer; a later send rejects. */
  close(): Promise<void> {
    return this.connection.close();
  }
}
