import { randomUUID } from 'node:crypto';
import { createManualClock } from '@lingpai/auth-core';
import { createRedisClient, RedisOtpStore } from '@lingpai/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort as findClosedPort } from '../../../test-support/ports.js';
import { describeWithRedis } from '../../../test-support/services.js';
import { MemoryOtpStore, type OtpStore, VerificationService } from '../src/index.js';
import { inboxChannel, otpStoreContract, SECRET, unreachableMemoryStore } from './otp-store-contract.js';

type Redis = ReturnType<typeof createRedisClient>;

otpStoreContract('MemoryOtpStore', {
  create: () => new MemoryOtpStore(),
  unreachable: unreachableMemoryStore,
});

describeWithRedis('RedisOtpStore', (url) => {
  let client: Redis;
  let closedPort = 0;
  const clients: Redis[] = [];
  beforeAll(async () => {
    client = createRedisClient(url);
    closedPort = await findClosedPort();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await client.quit();
  });

  otpStoreContract('RedisOtpStore', {
    // The assignment to OtpStore is the compile-time check that the Redis store matches the interface.
    create: (): OtpStore => new RedisOtpStore({ client, keyPrefix: `test:otp:${randomUUID()}:` }),
    unreachable: (): OtpStore => {
      const dead = createRedisClient(`redis://127.0.0.1:${closedPort}`, {
        commandTimeoutMs: 200,
        connectTimeoutMs: 200,
      });
      clients.push(dead);
      return new RedisOtpStore({ client: dead, timeoutMs: 500 });
    },
  });

  it('keeps no phone number, email address or code in Redis, keys or values', async () => {
    const keyPrefix = `test:otp:${randomUUID()}:`;
    const sms = inboxChannel('phone');
    const email = inboxChannel('email');
    const otp = new VerificationService({
      secret: SECRET,
      store: new RedisOtpStore({ client, keyPrefix }),
      channels: { sms, email },
    });
    const first = await otp.send({
      to: '+8613912345678',
      channel: 'sms',
      ip: '198.51.100.23',
      deviceId: 'device-abc',
    });
    await otp.send({ to: 'Zhang.San@Example.com', channel: 'email', ip: '2001:db8:77:1::5' });
    await otp.verify({ verificationId: first.verificationId, code: sms.sent[0]?.code ?? '' });
    const keys = await client.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(5);
    let everything = keys.join('\n');
    for (const key of keys) {
      const type = await client.type(key);
      everything +=
        type === 'hash' ? JSON.stringify(await client.hgetall(key)) : String(await client.get(key));
    }
    for (const secret of [
      '13912345678',
      'zhang.san',
      'example.com',
      '198.51.100',
      // The /64, /56 and /48 aggregate keys are HMACs too.
      '2001:db8',
      'device-abc',
      sms.sent[0]?.code,
      email.sent[0]?.code,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('MemoryOtpStore when full', () => {
  it('refuses new codes (fail closed) instead of evicting live counters, and recovers after expiry', async () => {
    const clock = createManualClock(1_750_000_000_000);
    const sms = inboxChannel();
    const otp = new VerificationService({
      secret: SECRET,
      store: new MemoryOtpStore({ maxEntries: 8 }),
      clock,
      channels: { sms },
      // Only the per-recipient cap, so each send needs exactly one window entry.
      limits: { perRecipient: [{ max: 1, windowSeconds: 3600 }], perIp: [], perCountry: [], global: [] },
    });
    await otp.send({ to: '+8613800138000', channel: 'sms' });
    for (let i = 1; i < 8; i += 1) await otp.send({ to: `+861380013800${i}`, channel: 'sms' });
    const full = await otp.send({ to: '+8613800138009', channel: 'sms' }).catch((e: unknown) => e);
    expect(full).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE' });
    // The first recipient's cap was not evicted to make room.
    expect(await otp.send({ to: '+8613800138000', channel: 'sms' }).catch((e: unknown) => e)).toMatchObject({
      code: 'OTP_STORE_UNAVAILABLE',
    });
    clock.advance(3600_000 + 600_000 + 600_000);
    await otp.send({ to: '+8613800138009', channel: 'sms' });
    expect(sms.sent).toHaveLength(9);
  });
});
