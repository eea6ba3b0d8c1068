import { HttpError } from '@lingpai/auth-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePhoneNumber } from '../src/index.js';
import {
  closedPortUrl,
  connectTimeoutFetch,
  PROVIDER_CASES,
  type RunningSandbox,
  rejection,
  startSandbox,
} from './support.js';

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox();
});
afterEach(() => {
  env.sandbox.faults.clear();
});
afterAll(async () => {
  await env.sandbox.close();
});

describe.each(PROVIDER_CASES)('$target against the sandbox', (testCase) => {
  it('sends, and the sandbox inbox holds the message with the returned id', async () => {
    const to = testCase.number();
    const provider = testCase.make(env);
    const result = await provider.send({ to: parsePhoneNumber(to), ...testCase.message(to, '482910') });
    expect(result.provider).toBe(testCase.target);
    expect(result.to).toBe(to);
    expect(result.messageId).not.toBe('');
    expect(result.raw).toBeDefined();
    expect(Object.keys(result)).not.toContain('raw');
    const inbox = await env.inbox({ to, provider: testCase.target });
    expect(inbox.map((message) => message.messageId)).toContain(result.messageId);
    expect(inbox.find((message) => message.messageId === result.messageId)?.text).toContain('482910');
  });

  it('reports a wrong secret as SMS_AUTH_FAILED (the sandbox checks the real signature)', async () => {
    const to = testCase.number();
    const error = await rejection(
      testCase
        .make(env, { secret: 'wrong-secret-value' })
        .send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(error.code).toBe('SMS_AUTH_FAILED');
    expect(error.provider).toBe(testCase.target);
    expect(error.mayHaveBeenSent).toBe(false);
    expect(await env.inbox({ to })).toHaveLength(0);
  });

  it('reports a 503 as SMS_PROVIDER_UNAVAILABLE (certainly not sent)', async () => {
    env.sandbox.faults.set(testCase.target, { status: 503 });
    const to = testCase.number();
    const error = await rejection(
      testCase.make(env).send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(error.code).toBe('SMS_PROVIDER_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(error.mayHaveBeenSent).toBe(false);
    expect(error.retryable).toBe(true);
  });

  it('reports a malformed 200 as SMS_BAD_RESPONSE that may have been sent', async () => {
    env.sandbox.faults.set(testCase.target, { malformed: true });
    const to = testCase.number();
    const error = await rejection(
      testCase.make(env).send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(error.code).toBe('SMS_BAD_RESPONSE');
    expect(error.mayHaveBeenSent).toBe(true);
  });

  it('reports a hung request as SMS_UNKNOWN_OUTCOME: it timed out after sending, so it may have been sent', async () => {
    env.sandbox.faults.set(testCase.target, { hang: true });
    const to = testCase.number();
    const error = await rejection(
      testCase.make(env, { timeoutMs: 200 }).send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(error.code).toBe('SMS_UNKNOWN_OUTCOME');
    expect(error.mayHaveBeenSent).toBe(true);
    expect(error.message).toMatch(/timed out after 200 ms; the message may have been sent$/);
    expect(error.cause).toBeInstanceOf(HttpError);
    expect((error.cause as HttpError).code).toBe('HTTP_TIMEOUT');
  });

  it('reports a TCP connect timeout as SMS_TIMEOUT that was certainly not sent', async () => {
    const to = testCase.number();
    const error = await rejection(
      testCase
        .make(env, { fetch: connectTimeoutFetch })
        .send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(error.code).toBe('SMS_TIMEOUT');
    expect(error.mayHaveBeenSent).toBe(false);
    expect(error.retryable).toBe(true);
    expect((error.cause as HttpError).networkCode).toBe('UND_ERR_CONNECT_TIMEOUT');
  });

  it('reports a reset connection as SMS_UNKNOWN_OUTCOME', async () => {
    env.sandbox.faults.set(testCase.target, { reset: true });
    const to = testCase.number();
    const error = await rejection(
      testCase.make(env).send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(error.code).toBe('SMS_UNKNOWN_OUTCOME');
    expect(error.mayHaveBeenSent).toBe(true);
  });

  it('reports the quota fault in the provider’s own shape as quota or rate limit', async () => {
    env.sandbox.faults.set(testCase.target, { quota: true, times: 1 });
    const to = testCase.number();
    const error = await rejection(
      testCase.make(env).send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }),
    );
    expect(['SMS_QUOTA_EXHAUSTED', 'SMS_RATE_LIMITED']).toContain(error.code);
    expect(error.providerCode).toBeDefined();
    expect(error.retryable).toBe(true);
  });

  it('reports a closed port as SMS_PROVIDER_UNAVAILABLE that was certainly not sent', async () => {
    const closed = testCase.make({ ...env, url: await closedPortUrl() });
    const to = testCase.number();
    const error = await rejection(closed.send({ to: parsePhoneNumber(to), ...testCase.message(to, '1') }));
    expect(error.code).toBe('SMS_PROVIDER_UNAVAILABLE');
    expect(error.mayHaveBeenSent).toBe(false);
    expect((error.cause as HttpError).networkCode).toBe('ECONNREFUSED');
  });
});
