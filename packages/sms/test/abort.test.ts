// An abort before anything left used to read "…; the message may have been sent" (HTTP providers)
// or be a retryable SMS_PROVIDER_UNAVAILABLE that failed over to the next provider (SMPP), and a
// provider that ignores the signal (custom ones, the memory provider) sent the message anyway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryProvider, createTencentProvider, PhoneNumber, SmsSender } from '../src/index.js';
import { createSmppProvider } from '../src/smpp.js';
import { type RunningSandbox, rejection, startSandbox } from './support.js';

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox();
});
afterAll(async () => {
  await env.sandbox.close();
});

const aborted = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};

describe('a send aborted before it started', () => {
  it('does not say it may have been sent, and does not fail over (HTTP provider)', async () => {
    const memory = createMemoryProvider();
    const tencent = createTencentProvider({
      baseURL: `${env.url}/tencent`,
      secretId: 'AKIDSandboxSecretId0000000000000000',
      secretKey: 'sandbox-tencent-secret-key-000000',
      smsSdkAppId: '1400006666',
      signName: '令牌',
    });
    const sender = new SmsSender({ providers: [tencent, memory] });
    const error = await rejection(
      sender.send(
        { to: '+8613800138000', template: { id: '1235', params: ['1', '5'] } },
        { signal: aborted() },
      ),
    );
    expect(error).toMatchObject({ code: 'SMS_UNKNOWN_OUTCOME', mayHaveBeenSent: false, retryable: false });
    expect(error.message).not.toMatch(/may have been sent/);
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['tencent']);
    expect(memory.messages).toHaveLength(0);
    expect(env.sandbox.sms.messages()).toHaveLength(0);
  });

  it('never reaches a provider that ignores the signal', async () => {
    const memory = createMemoryProvider();
    const sender = new SmsSender({ providers: [memory] });
    const error = await rejection(sender.send({ to: '+8613800138000', content: 'x' }, { signal: aborted() }));
    expect(error).toMatchObject({ code: 'SMS_UNKNOWN_OUTCOME', mayHaveBeenSent: false });
    expect(error.message).toBe('memory: aborted before it was sent');
    expect(memory.messages).toHaveLength(0);
    const batch = await sender.sendBatch({ to: ['+8613800138000'], content: 'x' }, { signal: aborted() });
    expect(batch.items[0]).toMatchObject({ ok: false, error: { mayHaveBeenSent: false } });
    expect(memory.messages).toHaveLength(0);
  });

  it('SMPP: not a retryable "unavailable" that fails over', async () => {
    const smpp = createSmppProvider({
      url: 'smpp://127.0.0.1:9',
      systemId: 'a',
      password: 'b',
      sourceAddr: 'ACME',
    });
    const to = PhoneNumber.parse('+8613800138000');
    const error = await rejection(smpp.send({ to, content: 'x' }, { signal: aborted() }));
    expect(error).toMatchObject({ code: 'SMS_UNKNOWN_OUTCOME', mayHaveBeenSent: false, retryable: false });
    expect(error.message).not.toMatch(/may have been sent/);
    await smpp.close();
  });
});
