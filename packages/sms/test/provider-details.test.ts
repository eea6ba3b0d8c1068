import { createManualClock } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAliyunProvider,
  createMoceanProvider,
  createTencentProvider,
  createTwilioProvider,
  parsePhoneNumber,
  SmsError,
} from '../src/index.js';
import {
  cnNumber,
  PROVIDER_CASES,
  type RunningSandbox,
  rejection,
  startSandbox,
  usNumber,
} from './support.js';

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox({ perNumberPerMinute: 1 });
});
afterAll(async () => {
  await env.sandbox.close();
});

const caseOf = (target: string) => {
  const found = PROVIDER_CASES.find((testCase) => testCase.target === target);
  if (found === undefined) throw new Error(target);
  return found;
};

describe('aliyun', () => {
  const aliyun = (options: { signatureVersion?: 'acs3' | 'rpc' } = {}) =>
    createAliyunProvider({
      baseURL: `${env.url}/aliyun`,
      accessKeyId: env.sandbox.sms.config.aliyun.accessKeyId,
      accessKeySecret: env.sandbox.sms.config.aliyun.accessKeySecret,
      signName: '令牌',
      ...options,
    });

  it('signs with RPC v1 (HMAC-SHA1, POST form) when asked', async () => {
    const to = cnNumber();
    const result = await aliyun({ signatureVersion: 'rpc' }).send({
      to: parsePhoneNumber(to),
      template: { id: 'SMS_100000001', params: { code: '246810' } },
    });
    expect((await env.inbox({ to }))[0]?.messageId).toBe(result.messageId);
  });

  it('classifies template, sign and flow-control rejections', async () => {
    const provider = aliyun();
    const unknownTemplate = await rejection(
      provider.send({ to: parsePhoneNumber(cnNumber()), template: { id: 'SMS_404', params: { code: '1' } } }),
    );
    expect([unknownTemplate.code, unknownTemplate.providerCode]).toEqual([
      'SMS_TEMPLATE_REJECTED',
      'isv.SMS_TEMPLATE_ILLEGAL',
    ]);
    const missingParam = await rejection(
      provider.send({ to: parsePhoneNumber(cnNumber()), template: { id: 'SMS_100000001', params: {} } }),
    );
    expect(missingParam.code).toBe('SMS_TEMPLATE_REJECTED');
    const badSign = await rejection(
      provider.send({
        to: parsePhoneNumber(cnNumber()),
        signName: '未报备',
        template: { id: 'SMS_100000001', params: { code: '1' } },
      }),
    );
    expect(badSign.code).toBe('SMS_SIGN_REJECTED');
    const to = parsePhoneNumber(cnNumber());
    await provider.send({ to, template: { id: 'SMS_100000001', params: { code: '1' } } });
    const limited = await rejection(
      provider.send({ to, template: { id: 'SMS_100000001', params: { code: '2' } } }),
    );
    expect([limited.code, limited.providerCode]).toEqual(['SMS_RATE_LIMITED', 'isv.BUSINESS_LIMIT_CONTROL']);
  });

  it('picks the regional template id and writes international numbers as country code + number', async () => {
    const template = {
      ids: { aliyun: { CN: 'SMS_100000001', default: 'SMS_154950909' } },
      params: { code: '13579' },
    };
    const hk = '+85291234567';
    await aliyun().send({ to: parsePhoneNumber(hk), template });
    const [message] = await env.inbox({ to: hk, provider: 'aliyun' });
    expect(message?.templateId).toBe('SMS_154950909');
  });

  it('sends a batch with SendBatchSms: one call, one BizId, every number in the inbox', async () => {
    const numbers = [cnNumber(), cnNumber(), cnNumber()];
    const result = await aliyun().sendBatch?.({
      to: numbers.map((n) => parsePhoneNumber(n)),
      template: { id: 'SMS_100000001', params: { code: '777' } },
    });
    expect(result?.items.map((item) => item.ok)).toEqual([true, true, true]);
    const ids = new Set(result?.items.map((item) => (item.ok ? item.result.messageId : '')));
    expect(ids.size).toBe(1);
    for (const n of numbers) expect((await env.inbox({ to: n }))[0]?.text).toContain('777');
  });

  it('refuses positional params (Aliyun templates are named) without a request', async () => {
    const error = await rejection(
      aliyun().send({ to: parsePhoneNumber(cnNumber()), template: { id: 'SMS_100000001', params: ['1'] } }),
    );
    expect(error.code).toBe('SMS_UNSUPPORTED_MESSAGE');
  });

  it('is rejected by the sandbox when the clock is far off (signature timestamp window)', async () => {
    const skewed = createAliyunProvider({
      baseURL: `${env.url}/aliyun`,
      accessKeyId: env.sandbox.sms.config.aliyun.accessKeyId,
      accessKeySecret: env.sandbox.sms.config.aliyun.accessKeySecret,
      signName: '令牌',
      clock: createManualClock(Date.parse('2017-07-12T02:42:19Z')),
    });
    const error = await rejection(
      skewed.send({
        to: parsePhoneNumber(cnNumber()),
        template: { id: 'SMS_100000001', params: { code: '1' } },
      }),
    );
    expect(error.code).toBe('SMS_AUTH_FAILED');
    expect(error.providerCode).toBe('InvalidTimeStamp.Expired');
  });
});

describe('tencent', () => {
  const tencent = () =>
    createTencentProvider({
      baseURL: `${env.url}/tencent`,
      secretId: env.sandbox.sms.config.tencent.secretId,
      secretKey: env.sandbox.sms.config.tencent.secretKey,
      smsSdkAppId: env.sandbox.sms.config.tencent.smsSdkAppId,
      signName: '令牌',
    });

  it('sends a batch in one SendSms with per-number results, and a failed number fails alone', async () => {
    const limited = cnNumber();
    await tencent().send({ to: parsePhoneNumber(limited), template: { id: '1234', params: ['1'] } });
    const numbers = [cnNumber(), limited, cnNumber()];
    const result = await tencent().sendBatch?.({
      to: numbers.map((n) => parsePhoneNumber(n)),
      template: { id: '1235', params: { code: '8888', minutes: 5 } },
    });
    expect(result?.items.map((item) => [item.to, item.ok])).toEqual([
      [numbers[0], true],
      [limited, false],
      [numbers[2], true],
    ]);
    const failed = result?.items[1];
    expect(failed?.ok === false && failed.error.code).toBe('SMS_RATE_LIMITED');
    expect(failed?.ok === false && failed.error.providerCode).toBe(
      'LimitExceeded.PhoneNumberThirtySecondLimit',
    );
    // Named params become positional in key order: {1}=8888, {2}=5.
    expect((await env.inbox({ to: numbers[0] }))[0]?.text).toContain('您的验证码是8888，5分钟内有效');
  });

  it('reports a request-level error (HTTP 200 with Response.Error) as classified', async () => {
    const error = await rejection(
      tencent().send({ to: parsePhoneNumber(cnNumber()), template: { id: '9999', params: ['1'] } }),
    );
    expect([error.code, error.providerCode]).toEqual([
      'SMS_TEMPLATE_REJECTED',
      'FailedOperation.TemplateIncorrectOrUnapproved',
    ]);
  });

  it('needs a sign name for mainland numbers', async () => {
    const unsigned = createTencentProvider({
      baseURL: `${env.url}/tencent`,
      secretId: 'x',
      secretKey: 'y',
      smsSdkAppId: '1400000000',
    });
    const error = await rejection(
      unsigned.send({ to: parsePhoneNumber(cnNumber()), template: { id: '1234', params: ['1'] } }),
    );
    expect(error.code).toBe('SMS_SIGN_REJECTED');
  });
});

describe('twilio', () => {
  const config = () => env.sandbox.sms.config.twilio;

  it('sends through a Messaging Service and passes the status callback with the reference', async () => {
    const to = usNumber();
    const callback = `${env.url}/__test/status`;
    const twilio = createTwilioProvider({
      baseURL: `${env.url}/twilio`,
      accountSid: config().accountSid,
      authToken: config().authToken,
      messagingServiceSid: config().messagingServiceSids[0] as string,
      statusCallback: callback,
    });
    const result = await twilio.send({ to: parsePhoneNumber(to), content: 'hello', reference: 'order-42' });
    expect(result.messageId).toMatch(/^SM[0-9a-f]{32}$/);
    await env.sandbox.sms.reportsSettled();
    const posted = env.sandbox.sms.reports().filter((report) => report.messageId === result.messageId);
    expect(posted.length).toBeGreaterThan(0);
    expect(posted[0]?.url).toBe(`${callback}?reference=order-42`);
  });

  it('maps error 21211 to SMS_INVALID_NUMBER and 21606 to SMS_SIGN_REJECTED', async () => {
    const twilio = createTwilioProvider({
      baseURL: `${env.url}/twilio`,
      accountSid: config().accountSid,
      authToken: config().authToken,
      from: '+15005550001',
    });
    const error = await rejection(twilio.send({ to: parsePhoneNumber(usNumber()), content: 'x' }));
    expect([error.code, error.providerCode, error.status]).toEqual(['SMS_SIGN_REJECTED', '21606', 400]);
  });

  it('renders template.content with the params for text providers', async () => {
    const to = usNumber();
    await caseOf('twilio')
      .make(env)
      .send({
        to: parsePhoneNumber(to),
        template: { id: 'ignored', content: 'Code {{code}}', params: { code: '5150' } },
      });
    expect((await env.inbox({ to }))[0]?.text).toBe('Code 5150');
  });

  it('refuses a template-only message without a request (SMS_UNSUPPORTED_MESSAGE)', async () => {
    const error = await rejection(
      caseOf('twilio')
        .make(env)
        .send({ to: parsePhoneNumber(usNumber()), template: { id: 'SMS_1' } }),
    );
    expect(error.code).toBe('SMS_UNSUPPORTED_MESSAGE');
  });
});

describe('mocean', () => {
  it('authenticates with a Bearer token too', async () => {
    const to = usNumber();
    const mocean = createMoceanProvider({
      baseURL: `${env.url}/mocean`,
      apiToken: env.sandbox.sms.config.mocean.apiToken,
      from: 'lingpai',
    });
    const result = await mocean.send({ to: parsePhoneNumber(to), content: 'token auth' });
    expect((await env.inbox({ to }))[0]?.messageId).toBe(result.messageId);
  });

  it('maps per-message status 32 (throttled) to SMS_RATE_LIMITED', async () => {
    const mocean = caseOf('mocean').make(env);
    const to = parsePhoneNumber(usNumber());
    await mocean.send({ to, content: 'one' });
    const error = await rejection(mocean.send({ to, content: 'two' }));
    expect([error.code, error.providerCode]).toEqual(['SMS_RATE_LIMITED', '32']);
  });
});

describe('configuration', () => {
  it('names the missing field, never a value', () => {
    expect(() => createAliyunProvider({ accessKeyId: 'id', accessKeySecret: '' })).toThrow(
      expect.objectContaining({
        code: 'SMS_CONFIG_INVALID',
        message: 'aliyun: `accessKeySecret` is an empty string — is ALIBABA_CLOUD_ACCESS_KEY_SECRET set?',
      }),
    );
    expect(() => createTwilioProvider({ accountSid: 'AC1', authToken: 't' })).toThrow(SmsError);
    expect(() =>
      createAliyunProvider({ accessKeyId: 'id', accessKeySecret: 's', baseURL: 'not a url' }),
    ).toThrow(/baseURL/);
  });
});
