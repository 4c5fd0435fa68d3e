import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP forwarder standing in for a Kubernetes Service: clients keep one address while the
 * processes behind it change. Each NEW connection goes to the next backend in turn (round robin,
 * like kube-proxy spreading connections over a Service's endpoints); a backend that refuses the
 * connection (a killed replica) is skipped for that connection. `setTarget` / `setTargets` change
 * the backends (an endpoint update); connections already open stay with the process they reached
 * until either side closes. Works for HTTP and WebSocket alike (it never looks at the bytes).
 */
export class ServiceProxy {
  private readonly sockets = new Set<Socket>();
  private targets: number[];
  private next = 0;
  /** Connections forwarded, by backend port (to check that every replica was reached). */
  readonly connections = new Map<number, number>();

  private constructor(
    private readonly server: Server,
    targets: number[],
  ) {
    this.targets = [...targets];
  }

  /** `target`: one backend port, or several spread round robin. */
  static async start(listenPort: number, target: number | number[]): Promise<ServiceProxy> {
    let proxy: ServiceProxy | undefined;
    const server = createServer((client) => proxy!.forward(client));
    proxy = new ServiceProxy(server, Array.isArray(target) ? target : [target]);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The first backend (the only one of a single-backend proxy). */
  get targetPort(): number {
    return this.targets[0]!;
  }

  setTarget(port: number): void {
    this.targets = [port];
  }

  setTargets(ports: number[]): void {
    this.targets = [...ports];
  }

  private forward(client: Socket): void {
    this.sockets.add(client);
    // Hold the client's bytes until a backend accepted the connection.
    client.pause();
    const order = this.targets.map((_, i) => this.targets[(this.next + i) % this.targets.length]!);
    this.next = (this.next + 1) % Math.max(1, this.targets.length);
    let clientClosed = false;
    client.once('close', () => {
      clientClosed = true;
      this.sockets.delete(client);
    });
    client.on('error', () => {});
    const attempt = (i: number) => {
      const port = order[i];
      if (port === undefined || clientClosed) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: '127.0.0.1', port });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        if (clientClosed) {
          upstream.destroy();
          return;
        }
        this.connections.set(port, (this.connections.get(port) ?? 0) + 1);
        this.sockets.add(upstream);
        // Half-closes pass through (an HTTP server's FIN reaches the client as it would directly).
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => {
          this.sockets.delete(upstream);
          client.destroy();
        });
        client.once('error', () => upstream.destroy());
      });
      upstream.once('error', () => {
        if (connected) client.destroy();
        else attempt(i + 1);
      });
    };
    attempt(0);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
