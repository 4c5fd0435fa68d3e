import { describe, expect, it } from 'vitest';
import { eventHandlers } from '../src/handlers.js';
import { CANCEL_ORDER_STEPS } from '../src/sagas/cancelOrderSaga.js';
import { PLACE_ORDER_STEPS } from '../src/sagas/placeOrderSaga.js';

/** The order context's consumer, built without a database: only its keys are read. */
const handled = new Set(
  Object.keys(eventHandlers({ outbox: { add: async () => undefined, notify: () => undefined } as never })),
);

describe.each([
  ['place order', PLACE_ORDER_STEPS],
  ['cancel order', CANCEL_ORDER_STEPS],
])('%s saga', (_name, steps) => {
  const replies = steps.flatMap((step) => Object.keys(step.onReply ?? {}).map((type) => [step.name, type]));

  it.each(replies)('the order context handles the reply of "%s": %s', (_step, type) => {
    expect(handled.has(type)).toBe(true);
  });
});
