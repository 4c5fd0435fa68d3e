import { createServer } from 'node:net';

/** A listener on a port the OS picked, held open until `close()`. */
export interface HeldPort {
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 port 0: the OS picks a port that is free now. */
function listenOnAnyPort(): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      resolve({ port, close: () => new Promise<void>((done) => srv.close(() => done())) });
    });
  });
}

/**
 * A port allocator that never hands out the same port twice. The OS may pick a port again as soon
 * as its listener is closed, and a test allocates every port of a system before any process
 * listens: two services handed one port both start, one fails to bind, and the other answers in
 * its place (a rolling-update test once saw placeOrder reach the payment subgraph through the
 * router's address, 401 "request did not come through the router"). Listeners stay open while the
 * allocator asks again, so the OS cannot offer the same port twice in one call.
 *
 * @param listen how a port is taken; the OS's (127.0.0.1, port 0) by default. Tests pass their own.
 * @param maxTries ports taken per call before giving up; default 100.
 */
export function portAllocator(
  listen: () => Promise<HeldPort> = listenOnAnyPort,
  maxTries = 100,
): () => Promise<number> {
  const handedOut = new Set<number>();
  return async () => {
    const held: HeldPort[] = [];
    try {
      for (let i = 0; i < maxTries; i++) {
        const taken = await listen();
        held.push(taken);
        if (!handedOut.has(taken.port)) {
          handedOut.add(taken.port);
          return taken.port;
        }
      }
      throw new Error(`no free port after ${maxTries} tries that was not handed out before`);
    } finally {
      await Promise.all(held.map((h) => h.close()));
    }
  };
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago and that this process has not handed out
 * before (see {@link portAllocator}), for processes a test starts on a port of its own.
 */
export const freePort: () => Promise<number> = portAllocator();
