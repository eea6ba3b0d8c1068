// A TCP proxy in front of the shared Redis, so a test can make "Redis" vanish, hang and come back
// without touching the real server that other suites use.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Closes the listener and every connection: clients see ECONNREFUSED / "Connection is closed". */
  down(): Promise<void>;
  /** Listens again on the same port and forwards. */
  up(): Promise<void>;
  /** Accepts connections but never answers (a hung server or a black-holed network). */
  hang(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'hang' = 'forward';
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => undefined);
        if (mode === 'hang') {
          client.resume();
          return;
        }
        const upstream = connect(target.port, target.host);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        const address = next.address();
        if (address !== null && typeof address === 'object') port = address.port;
        server = next;
        resolve();
      });
    });

  const down = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current !== undefined) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    down,
    up: async () => {
      mode = 'forward';
      if (server === undefined) await listen();
    },
    hang: () => {
      mode = 'hang';
      // Drop live connections: the client reconnects and lands on a server that never answers.
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: down,
  };
}
