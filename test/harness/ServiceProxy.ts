import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP forwarder standing in for a Kubernetes Service: clients keep one address while the
 * process behind it changes. `setTarget` moves NEW connections to another port (an endpoint
 * update); connections already open stay with the process they reached until either side closes,
 * as with kube-proxy.
 */
export class ServiceProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private target: number,
  ) {}

  static async start(listenPort: number, targetPort: number): Promise<ServiceProxy> {
    let proxy: ServiceProxy | undefined;
    const server = createServer((client) => proxy!.forward(client));
    proxy = new ServiceProxy(server, targetPort);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get targetPort(): number {
    return this.target;
  }

  setTarget(port: number): void {
    this.target = port;
  }

  private forward(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.target });
    this.sockets.add(client);
    this.sockets.add(upstream);
    // Half-closes pass through (an HTTP server's FIN reaches the client as it would directly).
    client.pipe(upstream);
    upstream.pipe(client);
    const done = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.once('close', () => {
      upstream.destroy();
      done();
    });
    upstream.once('close', () => {
      client.destroy();
      done();
    });
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
