import { createConnection, createServer, type Socket } from 'node:net';
import { RedisOtpStore } from '@lingpai/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_ID } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

/** A TCP port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('verification codes when Redis is down (the code store at a closed port)', () => {
  let f: VerificationFixture;
  let store: RedisOtpStore;
  beforeAll(async () => {
    // The server's other Redis uses refuse to start without Redis, so only the code store points at
    // the closed port: the RedisOtpStore REDIS_URL would build, with its real client.
    store = new RedisOtpStore({ url: `redis://127.0.0.1:${await closedPort()}`, timeoutMs: 500 });
    f = await startServerWithSandbox({ kind: 'pglite' }, { smtp: false, otpStore: store });
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    await store?.close();
  });

  it('fails closed: 503 temporarily_unavailable with Retry-After, and the sandbox inbox stays empty', async () => {
    const answer = await f.inject('/auth/v1/verification', {
      phone_number: '+86 13500135000',
      target: 'ANY',
    });
    expect(answer.statusCode).toBe(503);
    expect(answer.json).toMatchObject({ error: 'temporarily_unavailable', error_code: 5030 });
    expect(answer.headers['retry-after']).toBe('5');
    await f.server.app.lingpai.verification.settled();
    expect(f.sandbox.sms.messages()).toHaveLength(0);
    const verify = await f.inject('/auth/v1/verification/verify', {
      verification_id: 'AAAAAAAAAAAAAAAAAAAAAA',
      verification_code: '123456',
    });
    expect(verify.statusCode).toBe(503);
  });
});

describe.skipIf(!process.env.REDIS_URL)('verification codes on Redis (REDIS_URL set)', () => {
  let f: VerificationFixture;
  beforeAll(async () => {
    f = await startServerWithSandbox(
      { kind: 'pglite' },
      { smtp: false, redisUrl: process.env.REDIS_URL as string },
    );
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  it('send → verify → redeem with the codes in Redis, none in the database', async () => {
    // A number of its own per run: the Redis server outlives the test.
    const phone = `+86 135${String(Date.now() % 100_000_000).padStart(8, '0')}`;
    const token = await f.verificationToken({ phone_number: phone });
    await expect(
      f.server.app.lingpai.verification.redeem(token, { usages: ['SIGN_IN'], clientId: ENV_ID }),
    ).resolves.toMatchObject({ kind: 'phone' });
    expect(await f.server.db.query('SELECT 1 FROM otp_codes')).toHaveLength(0);
    const again = await f.inject('/auth/v1/verification', { phone_number: phone, target: 'ANY' });
    expect(again.statusCode).toBe(429);
  });
});

describe.skipIf(!process.env.REDIS_URL)(
  'verification codes when Redis goes away after the start (REDIS_URL)',
  () => {
    let f: VerificationFixture;
    const sockets = new Set<Socket>();
    // A TCP relay to the real Redis that the test can cut: the server's own client, from REDIS_URL.
    const relay = createServer((client) => {
      const target = new URL(process.env.REDIS_URL as string);
      const upstream = createConnection(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    beforeAll(async () => {
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      const address = relay.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      f = await startServerWithSandbox(
        { kind: 'pglite' },
        { smtp: false, redisUrl: `redis://127.0.0.1:${port}` },
      );
    }, 120_000);
    afterAll(async () => {
      await f?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    });

    it('a send while Redis is unreachable is 503 and sends nothing', async () => {
      const phone = `+86 135${String((Date.now() + 1) % 100_000_000).padStart(8, '0')}`;
      f.server.clock.advance(86_400_000);
      expect(
        (await f.inject('/auth/v1/verification', { phone_number: phone, target: 'ANY' })).statusCode,
      ).toBe(200);
      await f.server.app.lingpai.verification.settled();
      expect(f.sandbox.sms.messages()).toHaveLength(1);
      relay.close();
      for (const socket of sockets) socket.destroy();
      f.server.clock.advance(86_400_000);
      const down = await f.inject('/auth/v1/verification', { phone_number: phone, target: 'ANY' });
      expect(down.statusCode).toBe(503);
      expect(down.json).toMatchObject({
        error: 'temporarily_unavailable',
        error_description: 'verification codes are unavailable right now; nothing was sent',
      });
      await f.server.app.lingpai.verification.settled();
      expect(f.sandbox.sms.messages()).toHaveLength(1);
    });
  },
);
