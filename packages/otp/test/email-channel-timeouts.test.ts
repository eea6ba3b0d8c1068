import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmailChannel, EMAIL_CHANNEL_TIMEOUTS } from '../src/email.js';
import { isOtpError } from '../src/index.js';

// Regression: with nodemailer's own defaults a server that accepts the connection and never greets
// held `send` for 30 s, and a stalled socket for up to an hour. The channel now brings its own bounds.
describe('email channel timeouts', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('gives up on a server that never greets after greetingTimeout, as OTP_CHANNEL_FAILED', async () => {
    let connected: () => void = () => {};
    const connection = new Promise<void>((resolve) => {
      connected = resolve;
    });
    server = createServer((socket) => {
      sockets.push(socket); // accept, say nothing
      connected();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const channel = createEmailChannel({
      transport: `smtp://127.0.0.1:${port}`,
      from: 'no-reply@lingpai.test',
    });
    let outcome: unknown;
    const delivery = channel
      .deliver({
        code: '123456',
        purpose: 'sign_in',
        expiresInSeconds: 600,
        verificationId: 'v',
        recipient: { kind: 'email', address: 'zhang@example.com', key: 'k' },
      } as Parameters<typeof channel.deliver>[0])
      .then(
        () => 'delivered',
        (error: unknown) => error,
      )
      .then((value) => {
        outcome = value;
      });
    await connection;
    // Let the client see its socket connect (real I/O) while fake time runs past the greeting bound,
    // but well short of nodemailer's own 30 s default.
    for (
      let elapsed = 0;
      elapsed <= EMAIL_CHANNEL_TIMEOUTS.greetingTimeout * 1.5 && outcome === undefined;
      elapsed += 500
    ) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(500);
    }
    vi.useRealTimers();
    await Promise.race([delivery, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    expect(isOtpError(outcome) && outcome.code).toBe('OTP_CHANNEL_FAILED');
    channel.close();
  });
});
