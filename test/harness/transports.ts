import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Brokers of the Kafka started by test/setup/kafkaGlobalSetup.ts, or '' when none. */
    kafkaBrokers: string;
  }
}

export interface Transport {
  name: 'embedded' | 'kafka';
  kafkaBrokers?: string;
}

/**
 * The transports whole-system tests run on: always the embedded log, and Kafka whenever the
 * global setup has a broker (it starts one unless E2E_KAFKA=0).
 */
export function transports(): Transport[] {
  const brokers = inject('kafkaBrokers');
  const list: Transport[] = [];
  if (process.env.E2E_TRANSPORT !== 'kafka') list.push({ name: 'embedded' });
  if (brokers && process.env.E2E_TRANSPORT !== 'embedded')
    list.push({ name: 'kafka', kafkaBrokers: brokers });
  return list;
}
