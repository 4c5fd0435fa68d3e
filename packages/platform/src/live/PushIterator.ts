/**
 * An async iterator fed by pushes: how event-driven sources (change feeds, upstream
 * subscriptions) become the AsyncIterable that graphql-js and graphql-ws consume.
 * `return()` (the consumer unsubscribing) runs `onReturn` once, so every upstream resource is
 * freed when a client goes away.
 */
export class PushIterator<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown = null;
  private done = false;

  constructor(
    private readonly onReturn: () => void = () => {},
    /** Buffered items beyond this end the stream with an error (a client that stopped reading). */
    private readonly maxBuffered = 10_000,
  ) {}

  get closed(): boolean {
    return this.done;
  }

  push(value: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve({ value, done: false });
      return;
    }
    this.buffer.push(value);
    if (this.buffer.length > this.maxBuffered) this.fail(new Error('subscriber too slow: buffer overflow'));
  }

  /** Ends the stream after the buffered items. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.onReturn();
    for (const w of this.waiting.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** Ends the stream with an error (after nothing more: buffered items are dropped). */
  fail(error: unknown): void {
    if (this.done) return;
    this.buffer.length = 0;
    const waiter = this.waiting.shift();
    if (waiter) waiter.reject(error);
    else this.failure = error;
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.failure = null;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.fail(error);
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
