/**
 * A client connected on first use and shared by every later use (a kafkajs producer or admin).
 *
 * - `use()` connects on the first call; calls made while that connect is under way share it.
 * - A connect that fails is dropped at once, so the next `use()` connects again (with a fresh client:
 *   `open` is called anew).
 * - `discard(attempt)` drops a connection found broken (the promise `use()` returned), so the next
 *   `use()` reconnects; a stale attempt (the connection was replaced meanwhile) is ignored, so one
 *   old failure never throws away a good newer connection.
 * - `close()` disconnects for good; a later `use()` rejects.
 */
export class LazyConnection<T> {
  private current: Promise<T> | null = null;
  private closed = false;

  /**
   * @param open creates a client and connects it, resolving to the connected client
   * @param shut disconnects a client (errors are ignored: it is being thrown away)
   */
  constructor(
    private readonly open: () => Promise<T>,
    private readonly shut: (client: T) => Promise<void>,
  ) {}

  /** The connected client; the returned promise is this connection attempt, for {@link discard}. */
  use(): Promise<T> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (!this.current) {
      const attempt = this.open();
      this.current = attempt;
      attempt.catch(() => this.discard(attempt));
    }
    return this.current;
  }

  /**
   * Drops `attempt` if it is still the current connection, so the next {@link use} reconnects, and
   * disconnects its client. Resolves once that is done; never rejects.
   */
  discard(attempt: Promise<T>): Promise<void> {
    if (this.current !== attempt) return Promise.resolve();
    this.current = null;
    return this.shutQuietly(attempt);
  }

  /** Disconnects the current client (after its connect, if one is under way); later uses reject. */
  close(): Promise<void> {
    this.closed = true;
    const attempt = this.current;
    this.current = null;
    return attempt ? this.shutQuietly(attempt) : Promise.resolve();
  }

  private shutQuietly(attempt: Promise<T>): Promise<void> {
    return attempt.then((client) => this.shut(client)).catch(() => {});
  }
}
