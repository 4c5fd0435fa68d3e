import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields stamped on every log line written while handling one request or one event. */
export interface LogContext {
  requestId?: string;
  orderId?: string;
  eventId?: string;
  eventType?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` as the log context of everything it does (awaits included). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** Adds fields (e.g. the order id once a resolver knows it) to the current log context, if any. */
export function annotateLogContext(fields: LogContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}

/** The current log context (empty outside a request or event). */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
