import { createManualClock } from '@lingpai/auth-core';
import { describe, expect, it } from 'vitest';
import {
  countryStrategy,
  createMemoryProvider,
  parsePhoneNumber,
  randomStrategy,
  roundRobinStrategy,
  type SmsAttempt,
  SmsError,
  type SmsProvider,
  SmsSender,
  weightedRoundRobinStrategy,
} from '../src/index.js';

const message = { to: '+8613800138000', template: { id: 'SMS_1', params: { code: '123456' } } };

function providers(...names: string[]) {
  return names.map((name) => createMemoryProvider({ name }));
}

describe('SmsSender failover', () => {
  it('sends through the first provider and records one accepted attempt', async () => {
    const [a, b] = providers('a', 'b');
    const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
    const result = await sender.send(message);
    expect(result.provider).toBe('a');
    expect(result.to).toBe('+8613800138000');
    expect(result.attempts.map((attempt) => [attempt.provider, attempt.outcome])).toEqual([
      ['a', 'accepted'],
    ]);
    expect(a?.lastCode('+8613800138000')).toBe('123456');
    expect(b?.messages).toHaveLength(0);
  });

  it('fails over on retryable errors and keeps every attempt', async () => {
    const [a, b, c] = providers('a', 'b', 'c');
    a?.failNext('SMS_PROVIDER_UNAVAILABLE');
    b?.failNext('SMS_QUOTA_EXHAUSTED');
    const sender = new SmsSender({ providers: [a, b, c] as SmsProvider[] });
    const result = await sender.send(message);
    expect(result.provider).toBe('c');
    expect(
      result.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.error?.code]),
    ).toEqual([
      ['a', 'failed', 'SMS_PROVIDER_UNAVAILABLE'],
      ['b', 'failed', 'SMS_QUOTA_EXHAUSTED'],
      ['c', 'accepted', undefined],
    ]);
  });

  for (const code of [
    'SMS_INVALID_NUMBER',
    'SMS_TEMPLATE_REJECTED',
    'SMS_SIGN_REJECTED',
    'SMS_CONTENT_REJECTED',
    'SMS_RECIPIENT_BLOCKED',
  ] as const) {
    it(`never fails over on ${code}`, async () => {
      const [a, b] = providers('a', 'b');
      a?.failNext(code);
      const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
      const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
      expect(error).toBeInstanceOf(SmsError);
      expect(error.code).toBe(code);
      expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['a']);
      expect(b?.messages).toHaveLength(0);
    });
  }

  it('does not re-send after an unknown outcome unless asked', async () => {
    const unknown: SmsProvider = {
      name: 'flaky',
      kind: 'custom',
      capabilities: { template: true, content: true },
      async send() {
        throw new SmsError('SMS_UNKNOWN_OUTCOME', 'flaky: timed out after 200 ms', {
          provider: 'flaky',
          mayHaveBeenSent: true,
        });
      },
    };
    const [b] = providers('b');
    const sender = new SmsSender({ providers: [unknown, b as SmsProvider] });
    const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_UNKNOWN_OUTCOME');
    expect(error.mayHaveBeenSent).toBe(true);
    expect(b?.messages).toHaveLength(0);

    const opted = await sender.send(message, { resendOnUnknownOutcome: true });
    expect(opted.provider).toBe('b');
    expect(opted.attempts.map((attempt) => attempt.error?.code)).toEqual(['SMS_UNKNOWN_OUTCOME', undefined]);
  });

  it('fails over on SMS_TIMEOUT (timed out before sending) without opting in', async () => {
    const [a, b] = providers('a', 'b');
    a?.failNext('SMS_TIMEOUT');
    const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
    const result = await sender.send(message);
    expect(result.provider).toBe('b');
    expect(result.attempts.map((attempt) => [attempt.error?.code, attempt.error?.mayHaveBeenSent])).toEqual([
      ['SMS_TIMEOUT', false],
      [undefined, undefined],
    ]);
  });

  it("the memory provider's simulated SMS_UNKNOWN_OUTCOME may have been sent, so it is not re-sent", async () => {
    const [a, b] = providers('a', 'b');
    a?.failNext('SMS_UNKNOWN_OUTCOME');
    const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
    const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
    expect(error).toMatchObject({ code: 'SMS_UNKNOWN_OUTCOME', mayHaveBeenSent: true });
    expect(b?.messages).toHaveLength(0);
  });

  it('treats a plain Error from a custom provider as an unknown outcome', async () => {
    const broken: SmsProvider = {
      name: 'broken',
      kind: 'custom',
      capabilities: { template: true, content: true },
      async send() {
        throw new TypeError('boom');
      },
    };
    const [b] = providers('b');
    const sender = new SmsSender({ providers: [broken, b as SmsProvider] });
    const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_UNKNOWN_OUTCOME');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('reports every provider in SMS_ALL_PROVIDERS_FAILED', async () => {
    const [a, b] = providers('a', 'b');
    a?.failNext('SMS_AUTH_FAILED');
    b?.failNext('SMS_RATE_LIMITED');
    const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
    const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_ALL_PROVIDERS_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('a: SMS_AUTH_FAILED');
    expect(error.message).toContain('b: SMS_RATE_LIMITED');
    const json = JSON.parse(JSON.stringify(error)) as { attempts: SmsAttempt[] };
    expect(json.attempts.map((attempt) => attempt.error?.code)).toEqual([
      'SMS_AUTH_FAILED',
      'SMS_RATE_LIMITED',
    ]);
  });

  it('skips a provider that cannot take the message (no template id for it) and fails over', async () => {
    const [a, b] = providers('a', 'b');
    const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
    const result = await sender.send({
      to: '+8613800138000',
      template: { ids: { b: 'T_B' }, params: ['1'] },
    });
    expect(result.provider).toBe('b');
    expect(result.attempts[0]?.error?.code).toBe('SMS_UNSUPPORTED_MESSAGE');
  });

  it('rejects an invalid number before any provider is called', async () => {
    const [a] = providers('a');
    const sender = new SmsSender({ providers: [a as SmsProvider] });
    const error = (await sender
      .send({ ...message, to: '13800138000' })
      .catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_INVALID_NUMBER');
    expect(a?.messages).toHaveLength(0);
    const withRegion = new SmsSender({ providers: [a as SmsProvider], defaultRegion: 'CN' });
    expect((await withRegion.send({ ...message, to: '13800138000' })).to).toBe('+8613800138000');
  });

  it('honours maxAttempts', async () => {
    const [a, b, c] = providers('a', 'b', 'c');
    a?.failNext('SMS_PROVIDER_UNAVAILABLE');
    b?.failNext('SMS_PROVIDER_UNAVAILABLE');
    const sender = new SmsSender({ providers: [a, b, c] as SmsProvider[], maxAttempts: 2 });
    const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_ALL_PROVIDERS_FAILED');
    expect(c?.messages).toHaveLength(0);
  });

  it('refuses duplicate provider names and empty provider lists', () => {
    expect(() => new SmsSender({ providers: [] })).toThrow(
      expect.objectContaining({ code: 'SMS_CONFIG_INVALID' }),
    );
    expect(() => new SmsSender({ providers: providers('a', 'a') as SmsProvider[] })).toThrow(/named "a"/);
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failures, probes once after the cooldown, and closes on success', async () => {
    const clock = createManualClock(1_000_000);
    const [a, b] = providers('a', 'b');
    const sender = new SmsSender({
      providers: [a, b] as SmsProvider[],
      clock,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 },
    });
    a?.failNext('SMS_PROVIDER_UNAVAILABLE', 3);
    await sender.send(message);
    await sender.send(message);
    expect(sender.health().a?.state).toBe('open');

    // While open, `a` is skipped without a call.
    const skipped = await sender.send(message);
    expect(
      skipped.attempts.map((attempt) => [attempt.provider, attempt.outcome, attempt.error?.code]),
    ).toEqual([
      ['a', 'skipped', 'SMS_CIRCUIT_OPEN'],
      ['b', 'accepted', undefined],
    ]);

    // After the cooldown one probe goes through; it fails (third queued failure) and reopens.
    clock.advance(10_000);
    expect(sender.health().a?.state).toBe('half-open');
    const probe = await sender.send(message);
    expect(probe.attempts[0]?.outcome).toBe('failed');
    expect(sender.health().a?.state).toBe('open');

    clock.advance(10_000);
    const healed = await sender.send(message);
    expect(healed.provider).toBe('a');
    expect(sender.health().a).toEqual({ state: 'closed', consecutiveFailures: 0, retryInMs: 0 });
  });

  it('lets exactly one probe through while half-open, however many sends arrive at once', async () => {
    const clock = createManualClock(1_000_000);
    const [b] = providers('b');
    let calls = 0;
    let answerProbe: (() => void) | undefined;
    const slow: SmsProvider = {
      name: 'a',
      kind: 'custom',
      capabilities: { template: true, content: true },
      async send(request) {
        calls += 1;
        if (calls === 1) throw new SmsError('SMS_PROVIDER_UNAVAILABLE', 'a: down', { provider: 'a' });
        await new Promise<void>((resolve) => {
          answerProbe = resolve;
        });
        return { provider: 'a', messageId: 'probe', to: request.to.e164, status: 'accepted', raw: undefined };
      },
    };
    const sender = new SmsSender({
      providers: [slow, b as SmsProvider],
      clock,
      circuitBreaker: { failureThreshold: 1, cooldownMs: 1_000 },
    });
    await sender.send(message);
    expect(sender.health().a?.state).toBe('open');
    clock.advance(1_000);

    const probe = sender.send(message);
    const others = await Promise.all([sender.send(message), sender.send(message), sender.send(message)]);
    expect(calls).toBe(2);
    expect(others.map((result) => [result.attempts[0]?.outcome, result.provider])).toEqual([
      ['skipped', 'b'],
      ['skipped', 'b'],
      ['skipped', 'b'],
    ]);
    answerProbe?.();
    expect((await probe).provider).toBe('a');
    expect(sender.health().a?.state).toBe('closed');
  });

  it('does not count a rejected number against the provider', async () => {
    const [a] = providers('a');
    const sender = new SmsSender({ providers: [a as SmsProvider], circuitBreaker: { failureThreshold: 1 } });
    a?.failNext('SMS_INVALID_NUMBER');
    await sender.send(message).catch(() => undefined);
    expect(sender.health().a?.state).toBe('closed');
  });

  it('reports SMS_ALL_PROVIDERS_FAILED with skipped attempts when every circuit is open', async () => {
    const [a] = providers('a');
    const sender = new SmsSender({ providers: [a as SmsProvider], circuitBreaker: { failureThreshold: 1 } });
    a?.failNext('SMS_PROVIDER_UNAVAILABLE');
    await sender.send(message).catch(() => undefined);
    const error = (await sender.send(message).catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_ALL_PROVIDERS_FAILED');
    expect(error.attempts.map((attempt) => attempt.outcome)).toEqual(['skipped']);
  });
});

describe('strategies', () => {
  it('round-robin starts one further each message', async () => {
    const list = providers('a', 'b', 'c') as SmsProvider[];
    const sender = new SmsSender({ providers: list, strategy: roundRobinStrategy() });
    const picks = [];
    for (let i = 0; i < 6; i += 1) picks.push((await sender.send(message)).provider);
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('smooth weighted round-robin spreads picks (nginx sequence for 5:1:1)', async () => {
    const list = providers('a', 'b', 'c') as SmsProvider[];
    const sender = new SmsSender({
      providers: list,
      strategy: weightedRoundRobinStrategy({ a: 5, b: 1, c: 1 }),
    });
    const picks = [];
    for (let i = 0; i < 7; i += 1) picks.push((await sender.send(message)).provider);
    expect(picks).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('random shuffles with the injected source (Fisher–Yates)', async () => {
    const list = providers('a', 'b', 'c') as SmsProvider[];
    // random() = 0 swaps each position with the first: [a,b,c] -> [c,b,a] -> [b,c,a].
    const order = randomStrategy({ random: () => 0 })(list, { to: parsePhoneNumber('+8613800138000') });
    expect(order.map((provider) => provider.name)).toEqual(['b', 'c', 'a']);
    const sender = new SmsSender({ providers: list, strategy: 'random' });
    const seen = new Set<string>();
    for (let i = 0; i < 60; i += 1) seen.add((await sender.send(message)).provider);
    expect(seen.size).toBe(3);
  });

  it('routes by country: +86 to aliyun/tencent, the rest to twilio, no route otherwise', async () => {
    const list = providers('aliyun', 'tencent', 'twilio') as SmsProvider[];
    const sender = new SmsSender({
      providers: list,
      strategy: countryStrategy({ routes: { '+86': ['aliyun', 'tencent'], '*': ['twilio'] } }),
    });
    expect((await sender.send(message)).provider).toBe('aliyun');
    expect((await sender.send({ ...message, to: '+12015550123' })).provider).toBe('twilio');
    expect((await sender.send({ ...message, to: '+85291234567' })).provider).toBe('twilio');

    const cnOnly = new SmsSender({
      providers: list,
      strategy: countryStrategy({ routes: { CN: ['tencent'] } }),
    });
    const error = (await cnOnly
      .send({ ...message, to: '+12015550123' })
      .catch((thrown: unknown) => thrown)) as SmsError;
    expect(error.code).toBe('SMS_NO_ROUTE');
  });

  it('accepts a custom strategy function', async () => {
    const list = providers('cheap', 'premium') as SmsProvider[];
    const sender = new SmsSender({
      providers: list,
      strategy: (all, request) => (request.to.countryCallingCode === '1' ? [...all].reverse() : all),
    });
    expect((await sender.send({ ...message, to: '+12015550123' })).provider).toBe('premium');
  });
});

describe('batch', () => {
  it('uses the provider batch API, keeps order, and reports invalid numbers per recipient', async () => {
    const [a] = providers('a');
    const sender = new SmsSender({ providers: [a as SmsProvider] });
    const result = await sender.sendBatch({
      to: ['+8613800138001', 'not-a-number', '+8613800138002'],
      template: { id: 'T', params: { code: '9' } },
    });
    expect(result.items.map((item) => [item.to, item.ok])).toEqual([
      ['+8613800138001', true],
      ['not-a-number', false],
      ['+8613800138002', true],
    ]);
    expect(result.succeeded).toBe(2);
    expect(result.failed).toBe(1);
    expect(a?.messages).toHaveLength(2);
  });

  it('fails a batch chunk over recipient by recipient', async () => {
    const [a, b] = providers('a', 'b');
    a?.failNext('SMS_PROVIDER_UNAVAILABLE');
    const sender = new SmsSender({ providers: [a, b] as SmsProvider[] });
    const result = await sender.sendBatch({ to: ['+8613800138001', '+8613800138002'], content: 'hi' });
    expect(result.items.every((item) => item.ok)).toBe(true);
    for (const item of result.items) {
      if (!item.ok) continue;
      expect(item.result.provider).toBe('b');
      expect(item.result.attempts.map((attempt) => attempt.provider)).toEqual(['a', 'b']);
    }
  });

  it('never has more provider calls in flight than the concurrency limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow: SmsProvider = {
      name: 'slow',
      kind: 'custom',
      capabilities: { template: true, content: true },
      async send(request) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return Object.assign(
          { provider: 'slow', messageId: request.to.e164, to: request.to.e164, status: 'accepted' as const },
          { raw: undefined },
        );
      },
    };
    const sender = new SmsSender({ providers: [slow] });
    const to = Array.from({ length: 50 }, (_, i) => `+86138001${String(38000 + i)}`);
    const result = await sender.sendBatch({ to, content: 'x' }, { concurrency: 4 });
    expect(result.succeeded).toBe(50);
    expect(peak).toBe(4);
  });
});
