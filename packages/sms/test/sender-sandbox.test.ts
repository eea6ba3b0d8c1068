import { createManualClock, type FetchLike } from '@lingpai/auth-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countryStrategy, SmsSender } from '../src/index.js';
import {
  cnNumber,
  connectTimeoutFetch,
  PROVIDER_CASES,
  type RunningSandbox,
  rejection,
  startSandbox,
  usNumber,
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

const make = (target: string, options?: { timeoutMs?: number; fetch?: FetchLike }) => {
  const found = PROVIDER_CASES.find((testCase) => testCase.target === target);
  if (found === undefined) throw new Error(target);
  return found.make(env, options);
};

/** One message both template providers (Aliyun named, Tencent positional) and text providers can send. */
const otp = (to: string, code: string) => ({
  to,
  signName: '令牌',
  template: {
    ids: { aliyun: 'SMS_100000001', tencent: '1234' },
    params: { code },
    content: 'Your lingpai code is {{code}}',
  },
});

describe('SmsSender over the sandbox', () => {
  it('fails over from Aliyun (503) to Tencent, and the attempts say why', async () => {
    env.sandbox.faults.set('aliyun', { status: 503 });
    const sender = new SmsSender({ providers: [make('aliyun'), make('tencent')] });
    const to = cnNumber();
    const result = await sender.send(otp(to, '314159'));
    expect(result.provider).toBe('tencent');
    expect(
      result.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.error?.code]),
    ).toEqual([
      ['aliyun', 'failed', 'SMS_PROVIDER_UNAVAILABLE'],
      ['tencent', 'accepted', undefined],
    ]);
    expect(result.attempts[0]?.error?.status).toBe(503);
    const inbox = await env.inbox({ to });
    expect(inbox.map((message) => message.provider)).toEqual(['tencent']);
    expect(inbox[0]?.text).toContain('314159');
  });

  it('fails over on a quota error, but not on an unapproved template', async () => {
    env.sandbox.faults.set('aliyun', { quota: true, times: 1 });
    const sender = new SmsSender({ providers: [make('aliyun'), make('tencent')] });
    const viaTencent = await sender.send(otp(cnNumber(), '1'));
    expect(viaTencent.attempts.map((attempt) => attempt.error?.code)).toEqual([
      'SMS_QUOTA_EXHAUSTED',
      undefined,
    ]);

    const to = cnNumber();
    const error = await rejection(
      sender.send({
        to,
        signName: '令牌',
        template: { ids: { aliyun: 'SMS_404', tencent: '1234' }, params: { code: '1' } },
      }),
    );
    expect(error.code).toBe('SMS_TEMPLATE_REJECTED');
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['aliyun']);
    expect(await env.inbox({ to })).toHaveLength(0);
  });

  it('does not re-send after a timeout once sent (SMS_UNKNOWN_OUTCOME) unless resendOnUnknownOutcome', async () => {
    env.sandbox.faults.set('aliyun', { hang: true });
    const sender = new SmsSender({ providers: [make('aliyun', { timeoutMs: 150 }), make('tencent')] });
    const to = cnNumber();
    const error = await rejection(sender.send(otp(to, '1')));
    expect(error.code).toBe('SMS_UNKNOWN_OUTCOME');
    expect(error.message).toContain('timed out after 150 ms');
    expect(error.mayHaveBeenSent).toBe(true);
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['aliyun']);
    expect(await env.inbox({ to })).toHaveLength(0);

    const resent = await sender.send(otp(to, '2'), { resendOnUnknownOutcome: true });
    expect(resent.provider).toBe('tencent');
  });

  it('fails over after a connect timeout (SMS_TIMEOUT: nothing was sent)', async () => {
    const sender = new SmsSender({
      providers: [make('aliyun', { fetch: connectTimeoutFetch }), make('tencent')],
    });
    const to = cnNumber();
    const result = await sender.send(otp(to, '271828'));
    expect(result.provider).toBe('tencent');
    expect(
      result.attempts.map((attempt) => [
        attempt.provider,
        attempt.error?.code,
        attempt.error?.mayHaveBeenSent,
      ]),
    ).toEqual([
      ['aliyun', 'SMS_TIMEOUT', false],
      ['tencent', undefined, undefined],
    ]);
    expect((await env.inbox({ to })).map((message) => message.provider)).toEqual(['tencent']);
  });

  it('opens the circuit after repeated 5xx, skips the provider, and closes after a good probe', async () => {
    const clock = createManualClock(Date.now());
    const sender = new SmsSender({
      providers: [make('twilio'), make('vonage')],
      clock,
      circuitBreaker: { failureThreshold: 3, cooldownMs: 60_000 },
    });
    env.sandbox.faults.set('twilio', { status: 502 });
    for (let i = 0; i < 3; i += 1)
      expect((await sender.send({ to: usNumber(), content: 'x' })).provider).toBe('vonage');
    expect(sender.health().twilio?.state).toBe('open');
    const skipped = await sender.send({ to: usNumber(), content: 'x' });
    expect(skipped.attempts[0]).toMatchObject({ provider: 'twilio', outcome: 'skipped' });

    env.sandbox.faults.clear('twilio');
    clock.advance(60_000);
    const probe = await sender.send({ to: usNumber(), content: 'x' });
    expect(probe.provider).toBe('twilio');
    expect(sender.health().twilio?.state).toBe('closed');
  });

  it('does not count a caller abort against the provider (a user abort opened the circuit)', async () => {
    env.sandbox.faults.set('aliyun', { hang: true, times: 1 });
    const sender = new SmsSender({
      providers: [make('aliyun'), make('tencent')],
      circuitBreaker: { failureThreshold: 1 },
    });
    const controller = new AbortController();
    const pending = rejection(sender.send(otp(cnNumber(), '1'), { signal: controller.signal }));
    // Abort once the request is in flight at the sandbox (the hang fault has been used).
    for (let i = 0; i < 200 && env.sandbox.faults.get('aliyun') !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    controller.abort();
    const error = await pending;
    expect(error).toMatchObject({ code: 'SMS_UNKNOWN_OUTCOME', mayHaveBeenSent: true });
    expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['aliyun']);
    expect(sender.health().aliyun?.state).toBe('closed');
    expect((await sender.send(otp(cnNumber(), '2'))).provider).toBe('aliyun');
  });

  it('routes +86 to Aliyun/Tencent and the rest to Twilio', async () => {
    const sender = new SmsSender({
      providers: [make('aliyun'), make('tencent'), make('twilio')],
      strategy: countryStrategy({ routes: { '+86': ['aliyun', 'tencent'], '*': ['twilio'] } }),
    });
    expect((await sender.send(otp(cnNumber(), '1'))).provider).toBe('aliyun');
    expect((await sender.send(otp(usNumber(), '1'))).provider).toBe('twilio');
    env.sandbox.faults.set('aliyun', { status: 500 });
    expect((await sender.send(otp(cnNumber(), '1'))).provider).toBe('tencent');
  });

  it('names every provider in SMS_ALL_PROVIDERS_FAILED', async () => {
    env.sandbox.faults.set('twilio', { status: 503 });
    env.sandbox.faults.set('mocean', { quota: true });
    const sender = new SmsSender({ providers: [make('twilio'), make('mocean')] });
    const error = await rejection(sender.send({ to: usNumber(), content: 'x' }));
    expect(error.code).toBe('SMS_ALL_PROVIDERS_FAILED');
    expect(error.attempts.map((attempt) => [attempt.provider, attempt.error?.code])).toEqual([
      ['twilio', 'SMS_PROVIDER_UNAVAILABLE'],
      ['mocean', 'SMS_QUOTA_EXHAUSTED'],
    ]);
    expect(error.message).toMatch(/twilio: SMS_PROVIDER_UNAVAILABLE .*mocean: SMS_QUOTA_EXHAUSTED/);
  });
});

describe('batch over the sandbox', () => {
  it('uses Aliyun SendBatchSms for mainland numbers and reports invalid ones per recipient', async () => {
    const sender = new SmsSender({ providers: [make('aliyun')] });
    const numbers = Array.from({ length: 5 }, cnNumber);
    const result = await sender.sendBatch({ ...otp('', '2468'), to: [...numbers, '+86123'] });
    expect(result.succeeded).toBe(5);
    expect(result.items[5]).toMatchObject({ ok: false, to: '+86123' });
    const ids = new Set(result.items.flatMap((item) => (item.ok ? [item.result.messageId] : [])));
    expect(ids.size).toBe(1);
    for (const n of numbers) expect((await env.inbox({ to: n }))[0]?.text).toContain('2468');
  });

  it('fails a broken batch over recipient by recipient, respecting the concurrency limit', async () => {
    env.sandbox.faults.set('aliyun', { status: 503, times: 1 });
    const sender = new SmsSender({ providers: [make('aliyun'), make('tencent')] });
    const numbers = Array.from({ length: 8 }, cnNumber);
    const result = await sender.sendBatch({ ...otp('', '1357'), to: numbers }, { concurrency: 3 });
    expect(result.succeeded).toBe(8);
    for (const item of result.items) {
      expect(item.ok && item.result.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
        ['aliyun', 'failed'],
        ['tencent', 'accepted'],
      ]);
    }
  });

  it('sends one by one through providers without a batch API', async () => {
    const sender = new SmsSender({ providers: [make('twilio')] });
    const numbers = Array.from({ length: 6 }, usNumber);
    const result = await sender.sendBatch({ to: numbers, content: 'hello all' }, { concurrency: 2 });
    expect(result.succeeded).toBe(6);
    expect(new Set(result.items.map((item) => (item.ok ? item.result.messageId : ''))).size).toBe(6);
  });
});
