// The verification routes fuzzed with SMS and email configured (the shared fuzz test sees them
// with no channel, where every send stops early): random bodies and headers must never give a 5xx
// other than 503, every refusal carries the error shape, and the trace-level log never holds a
// phone number, an email, a code or a token that went through.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

const PHONE = '+86 13400134000';
const EMAIL = 'fuzz.person@example.com';

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    PHONE,
    '13400134000',
    '+8613400134000',
    EMAIL,
    'ANY',
    'USER',
    'NOT_USER',
    'CUR_USER',
    'sign_in',
    'REGISTER',
    'SUDO',
    '',
    ' ',
    '\u0000',
    '１３４００１３４０００',
    '__proto__',
  ),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);
const body = fc.dictionary(
  fc.constantFrom(
    'phone_number',
    'email',
    'target',
    'usage',
    'locale',
    'client_id',
    'verification_id',
    'verification_code',
    'constructor',
  ),
  value,
  { maxKeys: 5 },
);

describe('verification routes, fuzzed with SMS and email configured', () => {
  let f: VerificationFixture;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    f = await startServerWithSandbox({ kind: 'pglite' }, { logger: { level: 'trace', stream } });
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  it('never a 5xx but 503, always JSON with the error shape on refusals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/auth/v1/verification', '/auth/v1/verification/verify'),
        body,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        fc.option(fc.constantFrom('Bearer nonsense', 'Basic eDp5', 'Bearer '), { nil: undefined }),
        async (url, payload, contentType, authorization) => {
          const response = await f.server.app.inject({
            method: 'POST',
            url,
            headers: {
              'content-type': contentType,
              'x-captcha-token': 'whatever',
              ...(authorization === undefined ? {} : { authorization }),
            },
            payload:
              contentType === 'application/x-www-form-urlencoded'
                ? new URLSearchParams(
                    Object.entries(payload).map(([k, v]) => [
                      k,
                      typeof v === 'string' ? v : JSON.stringify(v),
                    ]),
                  ).toString()
                : JSON.stringify(payload),
          });
          expect(response.statusCode === 503 || response.statusCode < 500).toBe(true);
          const json = response.json() as Record<string, unknown>;
          if (response.statusCode >= 400) {
            expect(typeof json.error).toBe('string');
            expect(typeof json.error_code).toBe('number');
            expect(typeof json.error_description).toBe('string');
          }
          f.server.clock.advance(3_600_000);
        },
      ),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it('a full send → verify → redeem leaves no address, code or token in the log', async () => {
    f.server.clock.advance(86_400_000);
    const token = await f.verificationToken({ phone_number: PHONE, usage: 'SIGN_IN' });
    const code = await f.lastSmsCode(PHONE);
    f.server.clock.advance(86_400_000);
    const mailToken = await f.verificationToken({ email: EMAIL });
    const mailCode = await f.lastEmailCode(EMAIL);
    // A failed delivery logs too.
    f.sandbox.faults.set('aliyun', { status: 400, times: 1 });
    f.sandbox.faults.set('tencent', { status: 400, times: 1 });
    f.server.clock.advance(86_400_000);
    await f.inject('/auth/v1/verification', { phone_number: PHONE });
    await f.server.app.lingpai.verification.settled();
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [token, mailToken]) expect(log).not.toContain(secret);
    // A code as a number of its own (a 6-digit run inside a timestamp is not one).
    for (const digits of [code, mailCode]) {
      expect(digits).toMatch(/^\d{6}$/);
      expect(log).not.toMatch(new RegExp(`(?<!\\d)${digits}(?!\\d)`));
    }
    for (const address of ['13400134000', 'fuzz.person', 'example.com']) expect(log).not.toContain(address);
  });
});
