import { createServer } from 'node:net';
import { systemClock } from '@lingpai/auth-core';
import type { BuildAppOptions } from '../../src/app.js';
import { type Backend, startTestServer, type TestServer } from './test-app.js';

/** A free port on 127.0.0.1 (the issuer must name the port before the app is built). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A test server listening on a real socket, on the real clock, for independent OAuth clients. */
export async function startListeningServer(
  backend: Backend,
  options: Partial<BuildAppOptions> = {},
): Promise<TestServer & { issuer: string }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const server = await startTestServer(backend, { issuer, clock: systemClock, ...options });
    try {
      await server.app.listen({ port, host: '127.0.0.1' });
      return { ...server, issuer };
    } catch (error) {
      await server.close();
      if (attempt >= 2) throw error;
    }
  }
}
