import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  buildOtpAuthUri,
  normalizeBase32,
  parseOtpAuthUri,
} from '../src/index.js';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));

describe('otpauth:// URIs', () => {
  it('builds the Google Key URI example shape', () => {
    // Example from the Google Authenticator "Key Uri Format" page.
    const uri = buildOtpAuthUri({
      type: 'totp',
      issuer: 'Example',
      account: 'alice@google.com',
      // The page's 80-bit example key: a legacy size, so it needs the explicit floor.
      secret: base32Decode('JBSWY3DPEHPK3PXP'),
      minSecretBytes: 10,
    });
    expect(uri).toBe(
      'otpauth://totp/Example:alice%40google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('encodes spaces as %20 and non-ASCII as UTF-8, and parses them back', () => {
    const uri = buildOtpAuthUri({
      type: 'totp',
      issuer: 'Big Corp 令牌',
      account: '张三 (dev)',
      secret: ascii('12345678901234567890'),
    });
    expect(uri).toContain('otpauth://totp/Big%20Corp%20%E4%BB%A4%E7%89%8C:%E5%BC%A0%E4%B8%89%20%28dev%29?');
    expect(uri).not.toContain('+');
    const parsed = parseOtpAuthUri(uri);
    expect(parsed.issuer).toBe('Big Corp 令牌');
    expect(parsed.account).toBe('张三 (dev)');
  });

  it('parses the Google example with %3A, spaces after it, a lower-case padded secret', () => {
    const parsed = parseOtpAuthUri(
      'otpauth://totp/ACME%20Co%3A%20john.doe@email.com?secret=hxdmvjecjjwsrb3hwizr4ifugftmxboz&issuer=ACME+Co&algorithm=sha256&digits=7&period=60',
    );
    expect(parsed).toMatchObject({
      type: 'totp',
      issuer: 'ACME Co',
      account: 'john.doe@email.com',
      algorithm: 'SHA256',
      digits: 7,
      period: 60,
    });
    expect(base32Encode(parsed.secret)).toBe('HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ');
  });

  it.each([
    [
      'otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=B',
      'issuer parameter and label prefix differ',
    ],
    ['otpauth://totp/A:b', 'missing secret'],
    ['otpauth://totp/A:b?secret=JBSWY3DP!', 'not base32'],
    ['otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'counter'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=9', 'digits'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&digits=5', 'digits'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=MD5', 'algorithm'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=999999999', 'period'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=14', 'period'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=301', 'period'],
    ['otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP', 'twice'],
    ['otpauth://totp/A:?secret=JBSWY3DPEHPK3PXP', 'account'],
    ['https://totp/A:b?secret=JBSWY3DPEHPK3PXP', 'expected otpauth'],
    ['otpauth://totp/A%ZZ:b?secret=JBSWY3DPEHPK3PXP', 'percent'],
  ])('rejects %s', (uri, message) => {
    expect(() => parseOtpAuthUri(uri)).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_URI', message: expect.stringContaining(message) }),
    );
  });

  it('attack: an imported URI with a 1-byte secret and a 999,999,999 s period is refused', () => {
    // "AE" is one byte of key: every code it yields is in a 256-entry table.
    expect(() => parseOtpAuthUri('otpauth://totp/Evil:bob?secret=AE&period=999999999')).toThrow(
      expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }),
    );
    expect(() =>
      parseOtpAuthUri('otpauth://totp/Evil:bob?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&period=999999999'),
    ).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_URI', message: expect.stringContaining('15 to 300') }),
    );
    for (const bytes of [1, 9, 15]) {
      const uri = `otpauth://totp/A:b?secret=${base32Encode(new Uint8Array(bytes).fill(7))}`;
      expect(() => parseOtpAuthUri(uri)).toThrow(expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }));
    }
    expect(
      parseOtpAuthUri(`otpauth://totp/A:b?secret=${base32Encode(new Uint8Array(16))}`).secret,
    ).toHaveLength(16);
  });

  it('a legacy 80-bit secret imports only with the explicit floor, and never below 80 bits', () => {
    const legacy = 'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example';
    expect(() => parseOtpAuthUri(legacy)).toThrow(
      expect.objectContaining({
        code: 'OTP_SECRET_TOO_SHORT',
        message: expect.stringContaining('minSecretBytes: 10'),
      }),
    );
    expect(parseOtpAuthUri(legacy, { minSecretBytes: 10 }).secret).toHaveLength(10);
    const nineBytes = `otpauth://totp/A:b?secret=${base32Encode(new Uint8Array(9))}`;
    expect(() => parseOtpAuthUri(nineBytes, { minSecretBytes: 10 })).toThrow(
      expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }),
    );
    expect(() => parseOtpAuthUri(nineBytes, { minSecretBytes: 9 })).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_ARGUMENT' }),
    );
  });

  it('attack: building a URI never hands an app a guessable key or period', () => {
    const base = { type: 'totp' as const, account: 'bob' };
    expect(() => buildOtpAuthUri({ ...base, secret: new Uint8Array(0) })).toThrow(
      expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }),
    );
    expect(() => buildOtpAuthUri({ ...base, secret: new Uint8Array(15) })).toThrow(
      expect.objectContaining({ code: 'OTP_SECRET_TOO_SHORT' }),
    );
    const secret = new Uint8Array(20);
    for (const period of [1, 14, 301, 999_999_999]) {
      expect(() => buildOtpAuthUri({ ...base, secret, period })).toThrow(
        expect.objectContaining({ code: 'OTP_INVALID_URI' }),
      );
    }
    expect(buildOtpAuthUri({ ...base, secret, period: 15 })).toContain('period=15');
    expect(buildOtpAuthUri({ ...base, secret, period: 300 })).toContain('period=300');
  });

  it('hotp carries a 64-bit counter', () => {
    const uri = buildOtpAuthUri({
      type: 'hotp',
      account: 'x',
      secret: ascii('12345678901234567890'),
      counter: 2n ** 63n,
    });
    expect(parseOtpAuthUri(uri).counter).toBe(2n ** 63n);
  });

  it('refuses a colon or a lone surrogate in issuer or account', () => {
    const secret = ascii('12345678901234567890');
    expect(() => buildOtpAuthUri({ type: 'totp', issuer: 'a:b', account: 'c', secret })).toThrow(/issuer/);
    expect(() => buildOtpAuthUri({ type: 'totp', account: 'c:d', secret })).toThrow(/account/);
    expect(() => buildOtpAuthUri({ type: 'totp', account: 'a\uD800', secret })).toThrow(
      expect.objectContaining({ code: 'OTP_INVALID_URI' }),
    );
  });
});

describe('properties', () => {
  it('base32 round trip, with and without padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
        expect(base32Decode(base32Encode(bytes, { padding: true }))).toEqual(bytes);
        expect(base32Decode(normalizeBase32(base32Encode(bytes).toLowerCase()))).toEqual(bytes);
      }),
    );
  });

  it('every accepted base32 string re-encodes to itself (one spelling per byte string)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z2-7]{0,24}$/), (text) => {
        let decoded: Uint8Array;
        try {
          decoded = base32Decode(text);
        } catch {
          return;
        }
        expect(base32Encode(decoded)).toBe(text);
      }),
    );
  });

  const label = fc
    .string({ minLength: 1, maxLength: 30, unit: 'grapheme' })
    .filter((s) => !s.includes(':') && !s.startsWith(' '));
  it('otpauth URI round trip', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.constantFrom('totp' as const, 'hotp' as const),
          account: label,
          issuer: fc.option(label, { nil: undefined }),
          secret: fc.uint8Array({ minLength: 16, maxLength: 64 }),
          algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
          digits: fc.integer({ min: 6, max: 8 }),
          period: fc.integer({ min: 15, max: 300 }),
          counter: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        }),
        (params) => {
          const parsed = parseOtpAuthUri(buildOtpAuthUri(params));
          expect(parsed.type).toBe(params.type);
          expect(parsed.account).toBe(params.account);
          expect(parsed.issuer).toBe(params.issuer);
          expect(parsed.secret).toEqual(params.secret);
          expect(parsed.algorithm).toBe(params.algorithm);
          expect(parsed.digits).toBe(params.digits);
          if (params.type === 'totp') expect(parsed.period).toBe(params.period);
          else expect(parsed.counter).toBe(params.counter);
        },
      ),
    );
  });
});
