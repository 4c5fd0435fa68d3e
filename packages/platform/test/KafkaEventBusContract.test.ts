import { randomUUID } from 'node:crypto';
import { describe, inject } from 'vitest';
import { KafkaEventBus } from '../src/bus/KafkaEventBus.js';
import { NamespacedEventBus } from '../src/bus/NamespacedEventBus.js';
import { describeEventBusContract } from './eventBusContract.js';

const brokers = (inject('kafkaBrokers') || process.env.KAFKA_BROKERS || '').split(',').filter(Boolean);
// Through a namespace, as the whole-system tests run it: the wrapper must be transparent.
const namespace = `contract-${randomUUID().slice(0, 8)}`;

describe.skipIf(brokers.length === 0)('Kafka transport', () => {
  describeEventBusContract('Kafka (namespaced)', {
    create: async () =>
      new NamespacedEventBus(
        new KafkaEventBus({ brokers, clientId: 'contract-test', defaultPartitions: 3 }),
        namespace,
      ),
  });
});
