import { describe, expect, it } from 'vitest';
import { LazyConnection } from '../src/bus/LazyConnection.js';

interface Client {
  id: number;
}

/**
 * A connection whose connects the test settles by hand: every `open` is one pending connect, its
 * client numbered in order; `shut` records which clients were disconnected.
 */
function harness() {
  const connects: { client: Client; resolve: () => void; reject: (err: Error) => void }[] = [];
  const shut: number[] = [];
  const connection = new LazyConnection<Client>(
    () =>
      new Promise<Client>((resolve, reject) => {
        const client = { id: connects.length + 1 };
        connects.push({ client, resolve: () => resolve(client), reject });
      }),
    async (client) => {
      shut.push(client.id);
    },
  );
  return { connection, connects, shut };
}

describe('LazyConnection', () => {
  it('connects on first use only, and concurrent first uses share that one connect', async () => {
    const { connection, connects } = harness();
    expect(connects).toHaveLength(0);

    const a = connection.use();
    const b = connection.use();
    expect(connects).toHaveLength(1);
    expect(b).toBe(a);
    connects[0]?.resolve();
    expect(await Promise.all([a, b])).toEqual([{ id: 1 }, { id: 1 }]);

    expect(await connection.use()).toEqual({ id: 1 });
    expect(connects).toHaveLength(1);
  });

  it('a failed connect fails everyone waiting on it, and the next use connects again', async () => {
    const { connection, connects, shut } = harness();
    const a = connection.use();
    const b = connection.use();
    connects[0]?.reject(new Error('broker down'));
    await expect(a).rejects.toThrow('broker down');
    await expect(b).rejects.toThrow('broker down');

    const c = connection.use();
    expect(connects).toHaveLength(2);
    connects[1]?.resolve();
    expect(await c).toEqual({ id: 2 });
    expect(shut).toEqual([]);
  });

  it('discard(attempt) disconnects that client and the next use reconnects', async () => {
    const { connection, connects, shut } = harness();
    const first = connection.use();
    connects[0]?.resolve();
    await first;

    await connection.discard(first);
    expect(shut).toEqual([1]);
    const second = connection.use();
    expect(connects).toHaveLength(2);
    connects[1]?.resolve();
    expect(await second).toEqual({ id: 2 });
  });

  it('discard of an attempt already replaced leaves the newer connection alone', async () => {
    const { connection, connects, shut } = harness();
    const first = connection.use();
    connects[0]?.resolve();
    await first;
    // Two callers saw the same broken connection fail; the first one's discard already reconnected.
    await connection.discard(first);
    const second = connection.use();
    connects[1]?.resolve();
    await second;

    await connection.discard(first);
    expect(shut).toEqual([1]);
    expect(await connection.use()).toEqual({ id: 2 });
    expect(connects).toHaveLength(2);
  });

  it('discard during the connect disconnects the client once it has connected', async () => {
    const { connection, connects, shut } = harness();
    const first = connection.use();
    const discarded = connection.discard(first);
    const second = connection.use();
    expect(connects).toHaveLength(2);

    connects[0]?.resolve();
    await discarded;
    expect(shut).toEqual([1]);
    connects[1]?.resolve();
    expect(await second).toEqual({ id: 2 });
  });

  it('close() disconnects the client, waiting for a connect under way; later uses reject', async () => {
    const { connection, connects, shut } = harness();
    const first = connection.use();
    const closed = connection.close();
    connects[0]?.resolve();
    await closed;
    expect(await first).toEqual({ id: 1 });
    expect(shut).toEqual([1]);

    await expect(connection.use()).rejects.toThrow('connection closed');
    expect(connects).toHaveLength(1);
    // Closing twice, or discarding after close, disconnects nothing more.
    await connection.close();
    await connection.discard(first);
    expect(shut).toEqual([1]);
  });

  it('close() without any use connects nothing; a failing disconnect is not close()s failure', async () => {
    const { connection, connects } = harness();
    await connection.close();
    expect(connects).toHaveLength(0);

    let disconnects = 0;
    const failing = new LazyConnection<Client>(
      async () => ({ id: 1 }),
      async () => {
        disconnects++;
        throw new Error('socket already gone');
      },
    );
    await failing.use();
    await expect(failing.close()).resolves.toBeUndefined();
    expect(disconnects).toBe(1);
  });
});
