import { randomUUID } from 'node:crypto';
import { isLingpaiError } from '@lingpai/auth-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import { describeWithRedis } from '../../../test-support/services.js';
import { createRedisClient, RedisOtpStore } from '../src/index.js';

// The full OtpStore contract (concurrency, fail-closed, through the service) runs in
// packages/otp/test/otp-store.test.ts; these pin Redis-specific details of the scripts.
describeWithRedis('RedisOtpStore scripts', (url) => {
  const client = createRedisClient(url);
  let store: RedisOtpStore;
  let prefix: string;
  beforeAll(() => {
    prefix = `test:otp-scripts:${randomUUID()}:`;
    store = new RedisOtpStore({ client, keyPrefix: prefix });
  });
  afterAll(async () => {
    await client.quit();
  });

  const record = (id: string, now: number) => ({
    id,
    codeHash: `hash-${id}`,
    maxAttempts: 2,
    expiresAt: now + 600_000,
    latestKey: 'latest-a',
    data: 'sealed',
  });

  it('keeps epoch milliseconds exact beyond 14 digits (no %.14g rounding)', async () => {
    const now = 1_000_000_000_000_007; // 1e15 + 7: 16 digits, still a safe integer
    const limits = [{ key: 'w1', max: 1, windowMs: 3_600_000, name: 'recipient' }];
    expect(
      await store.createVerification({
        record: record('r1', now),
        now,
        retainMs: 60_000,
        limits,
        cooldown: { key: 'cd', ms: 60_000 },
      }),
    ).toEqual({ ok: true });
    const blocked = await store.createVerification({
      record: record('r2', now + 1),
      now: now + 1,
      retainMs: 60_000,
      limits,
    });
    expect(blocked).toEqual({ ok: false, blockedBy: 'recipient', retryAfterMs: 3_599_999 });
    expect(await client.hget(`${prefix}w:w1`, 'r')).toBe(String(now + 3_600_000));
    expect(await client.hget(`${prefix}c:cd`, 'u')).toBe(String(now + 60_000));
  });

  it('sets a TTL on every key it writes, so nothing outlives its use', async () => {
    const now = 1_750_000_000_000;
    await store.createVerification({
      record: { ...record('r3', now), latestKey: 'latest-b' },
      now,
      retainMs: 1_200_000,
      limits: [{ key: 'w2', max: 5, windowMs: 86_400_000, name: 'ip' }],
      cooldown: { key: 'cd2', ms: 60_000 },
    });
    const issueToken = () => ({ key: 'tk', head: 'head.', ttlMs: 300_000 });
    expect(await store.attempt({ id: 'r3', now, codeHash: 'hash-r3', issueToken })).toEqual({
      status: 'verified',
    });
    for (const key of ['v:r3', 'l:latest-b', 'w:w2', 'c:cd2', 't:tk']) {
      const ttl = await client.pttl(prefix + key);
      expect(ttl, key).toBeGreaterThan(0);
    }
    expect(await store.redeemToken('tk')).toBe('head.sealed');
    expect(await store.redeemToken('tk')).toBeUndefined();
  });

  it('compares the whole hash: a prefix, an extension or one changed byte is a wrong code', async () => {
    const now = 1_750_000_000_000;
    const stored = 'k3Jq-9vX_2mWpL0aZ8cYtR5uN1eB7dFhGiOsTxQyV4w';
    await store.createVerification({
      record: { ...record('h1', now), maxAttempts: 100, latestKey: 'latest-h', codeHash: stored },
      now,
      retainMs: 60_000,
      limits: [],
    });
    const issueToken = () => ({ key: 'th', head: 'x.', ttlMs: 60_000 });
    // Each byte position of a 43-character hash, one at a time (every 8-byte chunk and the short tail).
    const tries = [stored.slice(0, -1), `${stored}A`, ''];
    for (let i = 0; i < stored.length; i += 1) {
      tries.push(`${stored.slice(0, i)}${stored[i] === 'A' ? 'B' : 'A'}${stored.slice(i + 1)}`);
    }
    for (const [i, codeHash] of tries.entries()) {
      expect(await store.attempt({ id: 'h1', now, codeHash, issueToken })).toEqual({
        status: 'wrong',
        attempts: i + 1,
        maxAttempts: 100,
      });
    }
    expect(await client.exists(`${prefix}t:th`)).toBe(0);
    expect(await store.attempt({ id: 'h1', now, codeHash: stored, issueToken })).toEqual({
      status: 'verified',
    });
    expect(await store.attempt({ id: 'h1', now, codeHash: stored, issueToken })).toEqual({
      status: 'used',
    });
    expect(await store.redeemToken('th')).toBe('x.sealed');
  });

  it('cancel removes the pointer and cooldown only while they are still its own', async () => {
    const now = 1_750_000_000_000;
    const base = { now, retainMs: 60_000, limits: [] };
    await store.createVerification({
      ...base,
      record: { ...record('c1', now), latestKey: 'lc' },
      cooldown: { key: 'cc', ms: 1 },
    });
    await store.createVerification({
      ...base,
      now: now + 5,
      record: { ...record('c2', now), latestKey: 'lc' },
      cooldown: { key: 'cc', ms: 60_000 },
    });
    await store.cancelVerification({ id: 'c1', latestKey: 'lc', cooldownKey: 'cc' });
    expect(await client.get(`${prefix}l:lc`)).toBe('c2');
    expect(await client.hget(`${prefix}c:cc`, 'i')).toBe('c2');
    const issueToken = () => ({ key: 'tc', head: '', ttlMs: 1000 });
    expect(await store.attempt({ id: 'c1', now, codeHash: 'hash-c1', issueToken })).toEqual({
      status: 'not_found',
    });
    await store.cancelVerification({ id: 'c2', latestKey: 'lc', cooldownKey: 'cc' });
    expect(await client.exists(`${prefix}l:lc`, `${prefix}c:cc`, `${prefix}v:c2`)).toBe(0);
  });

  it('reports STORE_UNAVAILABLE in bounded time when Redis cannot be reached', async () => {
    const port = await closedPort();
    const dead = new RedisOtpStore({
      url: `redis://127.0.0.1:${port}`,
      clientOptions: { commandTimeoutMs: 200 },
      timeoutMs: 400,
    });
    try {
      const error = await dead
        .attempt({ id: 'x', now: 0, codeHash: 'h', issueToken: () => ({ key: 't', head: '', ttlMs: 1 }) })
        .catch((e: unknown) => e);
      expect(isLingpaiError(error, 'STORE_UNAVAILABLE')).toBe(true);
      const create = await dead
        .createVerification({ record: record('x', 0), now: 0, retainMs: 1000, limits: [] })
        .catch((e: unknown) => e);
      expect(isLingpaiError(create, 'STORE_UNAVAILABLE')).toBe(true);
    } finally {
      await dead.close();
    }
  });
});
