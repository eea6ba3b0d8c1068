import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on: a free port, bound and closed again, so connecting to
 * 127.0.0.1 there is refused (ECONNREFUSED) at once. Not a guessed low port: fetch refuses "bad
 * ports" such as 1 itself, which would test the wrong error.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
