import { createHmac, randomUUID } from 'node:crypto';
import { createManualClock, type KeyValueStore, LingpaiError, MemoryStore } from '@lingpai/auth-core';
import { RedisStore } from '@lingpai/redis';
import { describe, expect, it } from 'vitest';
import { describeWithRedis } from '../../../test-support/services.js';
import {
  base32Decode,
  base32Encode,
  buildOtpAuthUri,
  createReplayGuard,
  generateSecret,
  hotp,
  isOtpError,
  totp,
  totpStep,
  verifyHotp,
  verifyTotp,
} from '../src/index.js';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));
const SEED_20 = ascii('12345678901234567890');
// RFC 6238 errata / Appendix A Java code: SHA-256 and SHA-512 use 32- and 64-byte seeds.
const SEED_32 = ascii('12345678901234567890123456789012');
const SEED_64 = ascii('1234567890123456789012345678901234567890123456789012345678901234');

describe('HOTP (RFC 4226)', () => {
  // RFC 4226 Appendix D, Table 2 (secret "12345678901234567890").
  const appendixD = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];
  it.each(appendixD.map((code, count) => [count, code]))('Appendix D count %i -> %s', (count, code) => {
    expect(hotp(SEED_20, count)).toBe(code);
    expect(hotp(SEED_20, BigInt(count))).toBe(code);
  });

  it('8-digit values derived from Appendix D (truncated decimal mod 10^8)', () => {
    // Truncated decimals from RFC 4226 Appendix D Table 2, mod 10^8.
    const expected = [
      '84755224',
      '94287082',
      '37359152',
      '26969429',
      '40338314',
      '68254676',
      '18287922',
      '82162583',
      '73399871',
      '45520489',
    ];
    expect(expected.map((_, count) => hotp(SEED_20, count, { digits: 8 }))).toEqual(expected);
    expect(hotp(SEED_20, 7, { digits: 7 })).toBe('2162583');
  });

  it('uses all 64 counter bits', () => {
    const high = hotp(SEED_20, 2n ** 32n + 1n);
    expect(high).not.toBe(hotp(SEED_20, 1));
    expect(hotp(SEED_20, 2n ** 64n - 1n)).toMatch(/^\d{6}$/);
    expect(() => hotp(SEED_20, 2n ** 64n)).toThrow(/64 unsigned bits/);
    expect(() => hotp(SEED_20, -1)).toThrow();
    expect(() => hotp(SEED_20, 0, { digits: 9 })).toThrow(/digits/);
  });

  it('verifyHotp looks ahead, refuses replays and requires a guard', async () => {
    const store = new MemoryStore();
    const guard = createReplayGuard({ store, key: 'hotp:alice' });
    const code5 = hotp(SEED_20, 5);
    expect(
      await verifyHotp({ secret: SEED_20, token: code5, counter: 3, lookAhead: 1, replayGuard: guard }),
    ).toEqual({ valid: false });
    expect(
      await verifyHotp({ secret: SEED_20, token: code5, counter: 3, lookAhead: 2, replayGuard: guard }),
    ).toEqual({
      valid: true,
      counter: 5n,
      nextCounter: 6n,
    });
    // Caller forgot to persist the counter: the guard still refuses the same and older counters.
    expect(
      (await verifyHotp({ secret: SEED_20, token: code5, counter: 3, lookAhead: 2, replayGuard: guard }))
        .valid,
    ).toBe(false);
    expect(
      (
        await verifyHotp({
          secret: SEED_20,
          token: hotp(SEED_20, 4),
          counter: 3,
          lookAhead: 2,
          replayGuard: guard,
        })
      ).valid,
    ).toBe(false);
    const error = await verifyHotp({ secret: SEED_20, token: code5, counter: 0 } as never).catch(
      (e: unknown) => e,
    );
    expect(isOtpError(error, 'OTP_REPLAY_GUARD_REQUIRED')).toBe(true);
  });
});

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 Appendix B, with the seed lengths of the Appendix A reference code (see the errata).
  const appendixB: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(appendixB)('Appendix B T=%i', (seconds, sha1, sha256, sha512) => {
    const time = seconds * 1000;
    expect(totp(SEED_20, { time, digits: 8 })).toBe(sha1);
    expect(totp(SEED_32, { time, digits: 8, algorithm: 'SHA256' })).toBe(sha256);
    expect(totp(SEED_64, { time, digits: 8, algorithm: 'SHA512' })).toBe(sha512);
  });

  it('Appendix B step values (the T column), including one above 2^32', () => {
    const column: [number, bigint][] = [
      [59, 0x0000000000000001n],
      [1111111109, 0x00000000023523ecn],
      [1111111111, 0x00000000023523edn],
      [1234567890, 0x000000000273ef07n],
      [2000000000, 0x0000000003f940aan],
      [20000000000, 0x0000000027bc86aan],
    ];
    // A plain number (JSON-safe), exact: the published hex values as bigints compare equal.
    expect(column.map(([seconds]) => BigInt(totpStep(seconds * 1000)))).toEqual(
      column.map(([, step]) => step),
    );
  });

  it('the errata matters: SHA-256 with the 20-byte seed gives 32247374, not 46119246', () => {
    expect(totp(SEED_20, { time: 59_000, digits: 8, algorithm: 'SHA256' })).toBe('32247374');
  });

  it('6-digit SHA-1 truncations of Appendix B', () => {
    const times = [59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000];
    expect(times.map((t) => totp(SEED_20, { time: t * 1000 }))).toEqual([
      '287082',
      '081804',
      '050471',
      '005924',
      '279037',
      '353130',
    ]);
  });

  it('verifies inside the window and reports delta and step', async () => {
    const clock = createManualClock(1111111109_000);
    const secret = generateSecret();
    const guard = createReplayGuard({ store: new MemoryStore({ clock }), key: 'totp:bob' });
    const previous = totp(secret, { time: clock.now() - 30_000 });
    const result = await verifyTotp({ secret, token: previous, clock, replayGuard: guard });
    expect(result).toEqual({ valid: true, delta: -1, step: totpStep(clock.now()) - 1 });
    const twoBack = totp(secret, { time: clock.now() - 60_000 });
    expect((await verifyTotp({ secret, token: twoBack, clock, replayGuard: false })).valid).toBe(false);
    expect(
      (await verifyTotp({ secret, token: twoBack, clock, replayGuard: false, window: [2, 0] })).valid,
    ).toBe(true);
  });

  it('never accepts a step twice, nor an older step after a newer one', async () => {
    const clock = createManualClock(1_700_000_000_000);
    const secret = generateSecret();
    const guard = createReplayGuard({ store: new MemoryStore({ clock }), key: 'totp:carol' });
    const now = totp(secret, { clock });
    const earlier = totp(secret, { time: clock.now() - 30_000 });
    expect((await verifyTotp({ secret, token: now, clock, replayGuard: guard })).valid).toBe(true);
    expect((await verifyTotp({ secret, token: now, clock, replayGuard: guard })).valid).toBe(false);
    expect((await verifyTotp({ secret, token: earlier, clock, replayGuard: guard })).valid).toBe(false);
    clock.advance(30_000);
    expect((await verifyTotp({ secret, token: now, clock, replayGuard: guard })).valid).toBe(false);
    expect(
      (await verifyTotp({ secret, token: totp(secret, { clock }), clock, replayGuard: guard })).valid,
    ).toBe(true);
  });

  it('50 concurrent submissions of one code: exactly one accepted', async () => {
    const clock = createManualClock(1_700_000_000_000);
    const secret = generateSecret();
    const guard = createReplayGuard({ store: new MemoryStore({ clock }), key: 'totp:dave' });
    const token = totp(secret, { clock });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => verifyTotp({ secret, token, clock, replayGuard: guard })),
    );
    expect(results.filter((r) => r.valid)).toHaveLength(1);
  });

  describeWithRedis('replay guard on RedisStore (shared by every process)', (url) => {
    it('50 concurrent submissions of one code: exactly one accepted; older steps refused', async () => {
      const store = new RedisStore({ url, keyPrefix: `test:otp-guard:${randomUUID()}:` });
      try {
        const clock = createManualClock(1_700_000_000_000);
        const secret = generateSecret();
        const guard = createReplayGuard({ store, key: 'totp:erin' });
        const token = totp(secret, { clock });
        const results = await Promise.all(
          Array.from({ length: 50 }, () => verifyTotp({ secret, token, clock, replayGuard: guard })),
        );
        expect(results.filter((r) => r.valid)).toHaveLength(1);
        const earlier = totp(secret, { time: clock.now() - 30_000 });
        expect((await verifyTotp({ secret, token: earlier, clock, replayGuard: guard })).valid).toBe(false);
      } finally {
        await store.close();
      }
    });
  });

  it('refuses to run without a replay guard unless explicitly opted out', async () => {
    const secret = generateSecret();
    const token = totp(secret);
    const error = await verifyTotp({ secret, token } as never).catch((e: unknown) => e);
    expect(isOtpError(error, 'OTP_REPLAY_GUARD_REQUIRED')).toBe(true);
    const step = totpStep(Date.now());
    expect((await verifyTotp({ secret, token, replayGuard: false, afterStep: step })).valid).toBe(false);
  });

  it('rejects wrong-length tokens and bad options', async () => {
    const secret = generateSecret();
    const token = totp(secret);
    expect((await verifyTotp({ secret, token: token.slice(1), replayGuard: false })).valid).toBe(false);
    await expect(verifyTotp({ secret, token, replayGuard: false, window: 11 })).rejects.toThrow(/window/);
    // A JSON client sending the code as a number: refused as a wrong code, not a TypeError (a 500).
    const numeric = Number(token) as unknown as string;
    expect(await verifyTotp({ secret, token: numeric, replayGuard: false })).toEqual({ valid: false });
    expect(await verifyHotp({ secret, token: numeric, counter: 0, replayGuard: false })).toEqual({
      valid: false,
    });
    expect(() => totp(secret, { period: 0 })).toThrow(/period/);
    expect(() => generateSecret({ bytes: 10 })).toThrow(/128 bits/);
  });
});

describe('replay guard when its store is full', () => {
  const time = 1_700_000_000_000;

  /** A store that has the factor's marker but refuses new writes the way a bounded store reports it. */
  function fullStore(reply: 'throw' | 'refuse'): KeyValueStore & { writes: number } {
    const values = new Map<string, string>();
    const fail = () => {
      throw new LingpaiError('STORE_FULL', 'store is full of live entries', { retryable: true });
    };
    return {
      writes: 0,
      async get(key) {
        return values.get(key);
      },
      async set() {
        fail();
      },
      async setIfAbsent() {
        return fail();
      },
      async compareAndSet() {
        this.writes += 1;
        return reply === 'throw' ? fail() : false;
      },
      async compareAndDelete() {
        return false;
      },
      async delete() {
        return false;
      },
    };
  }

  it('a store that throws STORE_FULL: the code is refused with a retryable OTP_STORE_UNAVAILABLE', async () => {
    const store = fullStore('throw');
    const secret = generateSecret();
    const replayGuard = createReplayGuard({ store, key: 'totp:frank' });
    const token = totp(secret, { time });
    const error = await verifyTotp({ secret, token, time, replayGuard }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE', retryable: true });
    expect((error as Error).cause).toMatchObject({ code: 'STORE_FULL' });
    const hotpError = await verifyHotp({ secret, token: hotp(secret, 0), counter: 0, replayGuard }).catch(
      (e: unknown) => e,
    );
    expect(hotpError).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE' });
  });

  it('a store that silently refuses writes: the code is refused, never accepted unrecorded', async () => {
    const store = fullStore('refuse');
    const secret = generateSecret();
    const replayGuard = createReplayGuard({ store, key: 'totp:grace' });
    const token = totp(secret, { time });
    expect(await verifyTotp({ secret, token, time, replayGuard })).toEqual({ valid: false });
    expect(store.writes).toBeGreaterThan(0);
  });

  it("attack: flooding auth-core's MemoryStore does not erase a marker, so the used code stays refused", async () => {
    const clock = createManualClock(time);
    const store = new MemoryStore({ clock, maxEntries: 3 });
    const secret = generateSecret();
    const replayGuard = createReplayGuard({ store, key: 'totp:heidi' });
    const token = totp(secret, { clock });
    expect((await verifyTotp({ secret, token, clock, replayGuard })).valid).toBe(true);
    // The attacker fills the store (other factors, nonces, ...) to push the marker out.
    let refusedWrites = 0;
    for (let i = 0; i < 10; i += 1) {
      await store.set(`flood:${i}`, 'x', 3_600_000).catch(() => {
        refusedWrites += 1;
      });
    }
    expect(refusedWrites).toBe(8);
    expect((await verifyTotp({ secret, token, clock, replayGuard })).valid).toBe(false);
    // A factor with no marker yet cannot get one: refused, and the caller is told to retry.
    const other = createReplayGuard({ store, key: 'totp:ivan' });
    const error = await verifyTotp({ secret, token, clock, replayGuard: other }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OTP_STORE_UNAVAILABLE' });
    // The factor that has a marker keeps working: the next step rewrites its own key.
    clock.advance(30_000);
    expect((await verifyTotp({ secret, token: totp(secret, { clock }), clock, replayGuard })).valid).toBe(
      true,
    );
  });

  it('a marker that is not a step number refuses every code (fail closed)', async () => {
    const store = new MemoryStore();
    await store.set('totp:judy', 'garbage', 60_000);
    const secret = generateSecret();
    const replayGuard = createReplayGuard({ store, key: 'totp:judy' });
    expect(await verifyTotp({ secret, token: totp(secret), replayGuard })).toEqual({ valid: false });
  });
});

describe('guessable secrets and parameters (attack review #8)', () => {
  // What an attacker computes for a factor whose key is known or tiny: plain RFC 4226, any key.
  const codeFor = (key: Uint8Array, step: bigint) => {
    const message = Buffer.alloc(8);
    message.writeBigUInt64BE(step);
    const mac = createHmac('sha1', key).update(message).digest();
    const offset = (mac[19] ?? 0) & 0x0f;
    return String((mac.readUInt32BE(offset) & 0x7fff_ffff) % 1_000_000).padStart(6, '0');
  };
  const time = 1_700_000_000_000;
  const step = BigInt(Math.floor(time / 30_000));

  it('attack: verifyTotp with a 0-byte secret accepts a code anyone can compute -> refused', async () => {
    const empty = new Uint8Array(0);
    const error = await verifyTotp({
      secret: empty,
      token: codeFor(empty, step),
      time,
      replayGuard: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OTP_SECRET_TOO_SHORT' });
  });

  it('attack: verifyHotp with a 1-byte secret (256 possible keys) -> refused', async () => {
    const tiny = new Uint8Array([42]);
    const error = await verifyHotp({
      secret: tiny,
      token: codeFor(tiny, 0n),
      counter: 0,
      replayGuard: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OTP_SECRET_TOO_SHORT' });
  });

  it('generating codes refuses secrets under 16 bytes; 10 only with minSecretBytes: 10; never under 10', async () => {
    for (const bytes of [0, 1, 10, 15]) {
      const secret = new Uint8Array(bytes).fill(1);
      expect(() => totp(secret, { time })).toThrow(expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }));
      expect(() => hotp(secret, 0)).toThrow(expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }));
    }
    expect(totp(new Uint8Array(16), { time })).toBe(codeFor(new Uint8Array(16), step));
    const legacy = new Uint8Array(10).fill(3);
    expect(totp(legacy, { time, minSecretBytes: 10 })).toBe(codeFor(legacy, step));
    expect(hotp(legacy, 5, { minSecretBytes: 10 })).toBe(codeFor(legacy, 5n));
    expect(
      await verifyTotp({
        secret: legacy,
        token: codeFor(legacy, step),
        time,
        replayGuard: false,
        minSecretBytes: 10,
      }),
    ).toMatchObject({ valid: true });
    expect(() => totp(new Uint8Array(9), { time, minSecretBytes: 10 })).toThrow(
      expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }),
    );
    for (const minSecretBytes of [0, 9, 65, 12.5]) {
      expect(() => totp(new Uint8Array(20), { time, minSecretBytes })).toThrow(
        expect.objectContaining({
          code: 'OTP_INVALID_ARGUMENT',
          message: expect.stringContaining('minSecretBytes'),
        }),
      );
    }
  });

  it("a base32 string secret is decoded, not HMAC'd as its UTF-8 bytes (regression: silently invalid)", async () => {
    const secret = generateSecret();
    const text = base32Encode(secret);
    const token = totp(secret, { time });
    // Every function reads a string as base32, in any case, with spaces or padding.
    expect(totp(text, { time })).toBe(token);
    expect(totp({ secret: text.toLowerCase().replace(/(.{4})/g, '$1 '), time })).toBe(token);
    expect(hotp(text, 7)).toBe(hotp(secret, 7));
    expect(hotp({ secret: text, counter: 7 })).toBe(hotp(secret, 7));
    const result = await verifyTotp({ secret: text, token, time, replayGuard: false });
    expect(result).toMatchObject({ valid: true, delta: 0 });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result); // the step is a number, JSON-safe
    expect(typeof result.step).toBe('number');
    expect(
      (await verifyHotp({ secret: text, token: hotp(secret, 3), counter: 3, replayGuard: false })).valid,
    ).toBe(true);
    expect(buildOtpAuthUri({ type: 'totp', account: 'a@example.com', secret: text })).toContain(
      `secret=${text}`,
    );
  });

  it('a string that is not base32 is refused without echoing it, and a missing secret names the fix', async () => {
    const error = await verifyTotp({
      secret: 'my-password-1890!',
      token: '123456',
      replayGuard: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'OTP_INVALID_BASE32', message: expect.stringContaining('base32') });
    expect((error as Error).message).not.toContain('my-password');
    expect(() => totp(undefined as unknown as Uint8Array, { time })).toThrow(
      expect.objectContaining({
        code: 'OTP_INVALID_ARGUMENT',
        message: expect.stringContaining('undefined'),
      }),
    );
  });

  it('attack: a period of 999,999,999 s (one code for 31 years) or of 1 s is refused; 15-300 s accepted', async () => {
    const secret = generateSecret();
    for (const period of [1, 14, 301, 3600, 999_999_999]) {
      expect(() => totp(secret, { time, period })).toThrow(
        expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
      );
      const error = await verifyTotp({ secret, token: '000000', time, period, replayGuard: false }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        code: 'OTP_INVALID_ARGUMENT',
        message: expect.stringContaining('15 to 300'),
      });
      expect(() => totpStep(time, { period })).toThrow(
        expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
      );
    }
    for (const period of [15, 30, 60, 300]) {
      const token = totp(secret, { time, period });
      expect((await verifyTotp({ secret, token, time, period, replayGuard: false })).valid).toBe(true);
    }
  });

  it('digits outside 6-8 are refused everywhere', async () => {
    const secret = generateSecret();
    for (const digits of [4, 5, 9, 10]) {
      expect(() => totp(secret, { digits })).toThrow(
        expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
      );
      expect(() => hotp(secret, 0, { digits })).toThrow(
        expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
      );
      const error = await verifyTotp({ secret, token: '0000', digits, replayGuard: false }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'OTP_INVALID_ARGUMENT' });
    }
  });
});

describe('base32 (RFC 4648)', () => {
  // RFC 4648 §10 test vectors.
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ];
  it.each(vectors)('RFC 4648 §10: %j -> %s', (plain, encoded) => {
    expect(base32Encode(ascii(plain), { padding: true })).toBe(encoded);
    expect(base32Encode(ascii(plain))).toBe(encoded.replace(/=+$/, ''));
    expect(Buffer.from(base32Decode(encoded)).toString()).toBe(plain);
    expect(Buffer.from(base32Decode(encoded.replace(/=+$/, ''))).toString()).toBe(plain);
  });

  it.each([
    ['MY=====', 'partial padding'],
    ['MY=======', 'too much padding'],
    ['M', 'impossible length'],
    ['MZX', 'impossible length'],
    ['MZXW6Y', 'impossible length'],
    ['my', 'lower case (use normalizeBase32)'],
    ['MZ', 'non-zero trailing bits'],
    ['MY==MY==', 'padding in the middle'],
    ['MZ1Q', 'character outside the alphabet'],
  ])('rejects %j (%s)', (text) => {
    expect(() => base32Decode(text)).toThrow(expect.objectContaining({ code: 'OTP_INVALID_BASE32' }));
  });
});
