import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePhoneNumber, type SmsAttempt, SmsSender } from '../src/index.js';
import { PROVIDER_CASES, type RunningSandbox, rejection, startSandbox } from './support.js';

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox();
});
afterAll(async () => {
  await env.sandbox.close();
});

/** Every way an object commonly reaches a log. */
function renderings(value: unknown): string[] {
  const out = [JSON.stringify(value) ?? '', inspect(value, { depth: 20 }), String(value)];
  if (value instanceof Error) out.push(value.message, value.stack ?? '');
  return out;
}

const WRONG = 'wrong-secret-value-7c1f';

describe.each(PROVIDER_CASES)('$target never leaks its secret', (testCase) => {
  it('not in the provider, a result, an error, or an attempt', async () => {
    const secret = testCase.secret(env);
    const provider = testCase.make(env);
    const to = testCase.number();
    const result = await provider.send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') });

    const badProvider = testCase.make(env, { secret: WRONG });
    const error = await rejection(
      badProvider.send({ to: parsePhoneNumber(to), ...testCase.message(to, '2') }),
    );
    expect(error.code).toBe('SMS_AUTH_FAILED');

    const attempts: SmsAttempt[] = [];
    const sender = new SmsSender({
      providers: [badProvider],
      onAttempt: (attempt) => attempts.push(attempt),
    });
    const senderError = await rejection(sender.send({ to, ...testCase.message(to, '3') }));

    for (const value of [provider, badProvider, result, error, senderError, sender, attempts]) {
      for (const text of renderings(value)) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(WRONG);
      }
    }
  });
});

describe('phone numbers echoed by a provider', () => {
  it('are masked to their last four digits in the error message, providerMessage and JSON (Twilio 21211 echoed the number)', async () => {
    const twilio = PROVIDER_CASES.find((testCase) => testCase.target === 'twilio');
    if (twilio === undefined) throw new Error('no twilio case');
    // A Beijing landline: valid for libphonenumber, refused by the sandbox Twilio like a non-mobile number.
    const to = '+861012345678';
    const error = await rejection(twilio.make(env).send({ to: parsePhoneNumber(to), content: 'x' }));
    expect(error).toMatchObject({ code: 'SMS_INVALID_NUMBER', providerCode: '21211' });
    expect(error.providerMessage).toContain('+********5678');
    for (const text of renderings(error)) expect(text).not.toContain('861012345678');
    // The answer as received stays available, non-enumerable.
    expect(JSON.stringify(error.payload)).toContain('861012345678');
  });
});
