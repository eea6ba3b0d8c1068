import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeHuaweiPasswordDigest,
  createManualClock,
  parseHuaweiWsseHeader,
  signHuaweiWsse,
  verifyHuaweiPasswordDigest,
} from '../src/index.js';

describe('Huawei WSSE', () => {
  it('hex-then-base64 reproduces the shape of the doc example (support.huaweicloud.com/api-msgsms/sms_05_0046)', () => {
    // The doc example digest base64-decodes to 64 hex characters (reference §2.6); the secret is not
    // given, so only the shape can be checked against it.
    const docExample =
      'NDA1MWIwNjI2ZTkyNWFlM2FhMTE5NDE1YTk5NjU1YWE4NjNlZTY1MmRhYzkxZGViNzczZjdjMjkzZWQ4ZjAwNA==';
    expect(Buffer.from(docExample, 'base64').toString('latin1')).toMatch(/^[0-9a-f]{64}$/);
    const digest = computeHuaweiPasswordDigest('nonce', '2024-01-01T00:00:00Z', 'secret');
    expect(digest).toHaveLength(docExample.length);
    const hex = createHash('sha256').update('nonce2024-01-01T00:00:00Zsecret').digest('hex');
    expect(Buffer.from(digest, 'base64').toString('latin1')).toBe(hex);
    expect(computeHuaweiPasswordDigest('nonce', '2024-01-01T00:00:00Z', 'secret', 'base64')).toBe(
      Buffer.from(hex, 'hex').toString('base64'),
    );
  });

  it('builds both headers from the clock and nonce source', () => {
    const signed = signHuaweiWsse(
      { appKey: 'app-key', appSecret: 'app-secret' },
      { clock: createManualClock(Date.parse('2024-05-06T07:08:09.999Z')), nonce: () => 'abc123' },
    );
    expect(signed.created).toBe('2024-05-06T07:08:09Z');
    expect(signed.headers.Authorization).toBe('WSSE realm="SDP",profile="UsernameToken",type="Appkey"');
    expect(signed.headers['X-WSSE']).toBe(
      `UsernameToken Username="app-key",PasswordDigest="${signed.passwordDigest}",Nonce="abc123",Created="2024-05-06T07:08:09Z"`,
    );
    expect(signed.passwordDigest).toBe(
      computeHuaweiPasswordDigest('abc123', '2024-05-06T07:08:09Z', 'app-secret'),
    );
  });

  it('parses what it signs and verifies it; any other secret or digest fails (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.constantFrom('hex-base64' as const, 'base64' as const),
        (appKey, appSecret, otherSecret, digestEncoding) => {
          const signed = signHuaweiWsse({ appKey, appSecret }, { digestEncoding });
          const token = parseHuaweiWsseHeader(signed.headers['X-WSSE']);
          expect(token).toEqual({
            username: appKey,
            passwordDigest: signed.passwordDigest,
            nonce: signed.nonce,
            created: signed.created,
          });
          if (token === undefined) return;
          expect(verifyHuaweiPasswordDigest(token, appSecret, digestEncoding)).toBe(true);
          if (otherSecret !== appSecret) {
            expect(verifyHuaweiPasswordDigest(token, otherSecret, digestEncoding)).toBe(false);
          }
        },
      ),
    );
  });

  it('accepts unquoted values and rejects incomplete or foreign headers', () => {
    expect(
      parseHuaweiWsseHeader('UsernameToken Username=k, PasswordDigest=ZA==, Nonce=n, Created=c'),
    ).toEqual({
      username: 'k',
      passwordDigest: 'ZA==',
      nonce: 'n',
      created: 'c',
    });
    expect(parseHuaweiWsseHeader('UsernameToken Username="k",Nonce="n",Created="c"')).toBeUndefined();
    expect(parseHuaweiWsseHeader('Basic abc')).toBeUndefined();
  });

  it('throws SIGNATURE_MISSING_CREDENTIALS without an app secret', () => {
    expect(() => signHuaweiWsse({ appKey: 'k', appSecret: '' })).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_MISSING_CREDENTIALS' }),
    );
  });
});
