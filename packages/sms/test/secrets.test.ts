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
