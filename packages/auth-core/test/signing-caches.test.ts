// The shortcuts that make the signers faster than the official SDKs (bench/signing.bench.ts) must
// never change a byte: a derived-key cache that mixed up two credentials, regions or days, a
// formatted-date cache that served the previous second, or a sort that is not Array#sort's order
// would each sign something the server rejects (or, worse, accepts for the wrong scope).
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createManualClock,
  signAwsSigV4,
  signHuaweiWsse,
  signTencentTc3,
  signVolcengine,
} from '../src/index.js';
import {
  cachedSigningKey,
  compactIsoSeconds,
  deriveHmacSha256Key,
  isoDate,
  isoSeconds,
  SIGNING_KEY_CACHE_SIZE,
  signingKeyCacheSize,
} from '../src/signing/internal/encoding.js';
import { compareStrings, sortSmall } from '../src/signing/internal/sort.js';

const check = { seed: 12, numRuns: 150 };

describe('derived signing-key cache', () => {
  it('returns exactly the key the four HMACs derive, for any secret and scope (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.array(fc.string(), { minLength: 1, maxLength: 4 }),
        (secret, parts) => {
          expect(cachedSigningKey(secret, parts).equals(deriveHmacSha256Key(secret, parts))).toBe(true);
          // Asked again (a cache hit), still the same bytes.
          expect(cachedSigningKey(secret, parts).equals(deriveHmacSha256Key(secret, parts))).toBe(true);
        },
      ),
      check,
    );
  });

  it('never serves one scope for another when the separators line up (a/b + c vs a + b/c)', () => {
    const one = cachedSigningKey('secret', ['20260506', 'a/b', 'c']);
    const other = cachedSigningKey('secret', ['20260506', 'a', 'b/c']);
    expect(one.equals(other)).toBe(false);
    expect(other.equals(deriveHmacSha256Key('secret', ['20260506', 'a', 'b/c']))).toBe(true);
  });

  it('keeps two credentials apart on the same day, region and service', () => {
    const clock = createManualClock(Date.parse('2026-05-06T07:08:09Z'));
    const request = {
      method: 'GET',
      url: 'https://sns.us-east-1.amazonaws.com/?Action=ListTopics',
      service: 'sns',
      region: 'us-east-1',
    };
    const first = signAwsSigV4(request, { accessKeyId: 'A', secretAccessKey: 'secret-one' }, { clock });
    const second = signAwsSigV4(request, { accessKeyId: 'A', secretAccessKey: 'secret-two' }, { clock });
    expect(first.signature).not.toBe(second.signature);
    const expected = createHmac(
      'sha256',
      deriveHmacSha256Key('AWS4secret-two', ['20260506', 'us-east-1', 'sns', 'aws4_request']),
    )
      .update(second.stringToSign)
      .digest('hex');
    expect(second.signature).toBe(expected);
  });

  it('moves to the next day’s key at UTC midnight (TC3 and Volcengine)', () => {
    const before = Date.parse('2026-05-06T23:59:59Z');
    const after = before + 1_000;
    for (const now of [before, after, before]) {
      const clock = createManualClock(now);
      const date = new Date(now).toISOString().slice(0, 10);
      const tc3 = signTencentTc3(
        { host: 'sms.tencentcloudapi.com', action: 'SendSms', version: '2021-01-11', payload: '{}' },
        { secretId: 'id', secretKey: 'key' },
        { clock },
      );
      const tcKey = deriveHmacSha256Key('TC3key', [date, 'sms', 'tc3_request']);
      expect(tc3.signature).toBe(createHmac('sha256', tcKey).update(tc3.stringToSign).digest('hex'));
      const volc = signVolcengine(
        {
          method: 'POST',
          host: 'sms.volcengineapi.com',
          body: '{}',
          service: 'volcSMS',
          region: 'cn-north-1',
        },
        { accessKeyId: 'id', secretAccessKey: 'key' },
        { clock },
      );
      const volcKey = deriveHmacSha256Key('key', [
        date.replaceAll('-', ''),
        'cn-north-1',
        'volcSMS',
        'request',
      ]);
      expect(volc.signature).toBe(createHmac('sha256', volcKey).update(volc.stringToSign).digest('hex'));
    }
  });

  it(`holds at most ${SIGNING_KEY_CACHE_SIZE} keys however many scopes are signed for`, () => {
    for (let i = 0; i < SIGNING_KEY_CACHE_SIZE * 3; i++)
      cachedSigningKey('secret', ['20260506', `region-${i}`]);
    expect(signingKeyCacheSize()).toBe(SIGNING_KEY_CACHE_SIZE);
    // The oldest went first; the newest is still right.
    const last = ['20260506', `region-${SIGNING_KEY_CACHE_SIZE * 3 - 1}`];
    expect(cachedSigningKey('secret', last).equals(deriveHmacSha256Key('secret', last))).toBe(true);
  });
});

describe('formatted-second cache', () => {
  it('formats every time as toISOString does, also when times alternate (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 6 }),
        (times) => {
          for (const ms of [...times, ...times.reverse()]) {
            const iso = new Date(ms).toISOString();
            expect(isoSeconds(ms)).toBe(`${iso.slice(0, 19)}Z`);
            expect(isoDate(ms)).toBe(iso.slice(0, 10));
            expect(compactIsoSeconds(ms)).toBe(`${iso.slice(0, 19).replace(/[-:]/g, '')}Z`);
          }
        },
      ),
      check,
    );
  });

  it('gives each WSSE header its own second (regression guard: a stale cached second)', () => {
    const clock = createManualClock(Date.parse('2026-05-06T07:08:09.999Z'));
    const first = signHuaweiWsse({ appKey: 'k', appSecret: 's' }, { clock, nonce: () => 'n' });
    clock.advance(1);
    const second = signHuaweiWsse({ appKey: 'k', appSecret: 's' }, { clock, nonce: () => 'n' });
    expect(first.created).toBe('2026-05-06T07:08:09Z');
    expect(second.created).toBe('2026-05-06T07:08:10Z');
  });
});

describe('sortSmall', () => {
  it('sorts as Array#sort does, stably, short and long (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'B', 'a-b', 'a/b', 'é', ''), fc.nat()), {
          maxLength: 40,
        }),
        (items) => {
          const byName = (x: [string, number], y: [string, number]) => compareStrings(x[0], y[0]);
          expect(sortSmall([...items], byName)).toEqual([...items].sort(byName));
        },
      ),
      check,
    );
  });
});
