import type { OrderStatus } from '@baemin/platform';

/** A bounded context taking part in a saga. */
export type SagaParticipant = 'order' | 'store' | 'payment' | 'delivery';

/**
 * One step of a saga as data, the way FTGO's SagaDefinition reads
 * (`step().invokeParticipant(...).onReply(...).withCompensation(...)`), so a saga module lists
 * its whole course top-down and a test checks that the order context handles every reply it names.
 */
export interface SagaStep {
  /** What the step achieves. */
  name: string;
  /** Who acts, and what makes it act: a GraphQL mutation, an internal call or the event it consumes. */
  invoke: { participant: SagaParticipant; on: string };
  /** What the participant answers with (events on its topic, or the call's reply). */
  replies: readonly string[];
  /** How the order context takes each reply it consumes: its new status and the order.events it emits. */
  onReply?: Readonly<Record<string, { status: OrderStatus | 'unchanged'; emits: readonly string[] }>>;
  /** What undoes the step when a later one fails, and what drives the undoing. */
  compensation?: { participant: SagaParticipant; on: string; action: string; emits: readonly string[] };
}
