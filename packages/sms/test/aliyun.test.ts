import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAliyunProvider, parsePhoneNumber, SmsError } from '../src/index.js';
import { cnNumber, type RunningSandbox, startSandbox } from './support.js';

let env: RunningSandbox;
beforeAll(async () => {
  env = await startSandbox();
});
afterAll(async () => {
  await env.sandbox.close();
});

function provider(options: { signatureVersion?: 'acs3' | 'rpc'; accessKeySecret?: string } = {}) {
  const defaults = env.sandbox.sms.config.aliyun;
  return createAliyunProvider({
    baseURL: `${env.url}/aliyun`,
    accessKeyId: defaults.accessKeyId,
    accessKeySecret: options.accessKeySecret ?? defaults.accessKeySecret,
    signName: '令牌',
    ...(options.signatureVersion === undefined ? {} : { signatureVersion: options.signatureVersion }),
  });
}

describe('aliyun provider against the sandbox', () => {
  for (const signatureVersion of ['acs3', 'rpc'] as const) {
    it(`sends a template message signed with ${signatureVersion}`, async () => {
      const to = cnNumber();
      const result = await provider({ signatureVersion }).send({
        to: parsePhoneNumber(to),
        template: { id: 'SMS_100000001', params: { code: '482910' } },
      });
      expect(result.provider).toBe('aliyun');
      expect(result.to).toBe(to);
      expect(result.messageId).toMatch(/\^0$/);
      const [message] = await env.inbox({ to, provider: 'aliyun' });
      expect(message?.messageId).toBe(result.messageId);
      expect(message?.text).toContain('482910');
      expect(message?.sign).toBe('令牌');
    });
  }

  it('classifies a wrong secret as SMS_AUTH_FAILED (SignatureDoesNotMatch)', async () => {
    const error = await provider({ accessKeySecret: 'wrong-secret' })
      .send({ to: parsePhoneNumber(cnNumber()), template: { id: 'SMS_100000001', params: { code: '1' } } })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SmsError);
    expect((error as SmsError).code).toBe('SMS_AUTH_FAILED');
    expect((error as SmsError).providerCode).toBe('SignatureDoesNotMatch');
    expect((error as SmsError).mayHaveBeenSent).toBe(false);
  });

  it('classifies an unknown template as SMS_TEMPLATE_REJECTED and a missing param too', async () => {
    const p = provider();
    const unknown = await p
      .send({ to: parsePhoneNumber(cnNumber()), template: { id: 'SMS_999', params: { code: '1' } } })
      .catch((thrown: unknown) => thrown as SmsError);
    expect(unknown.code).toBe('SMS_TEMPLATE_REJECTED');
    expect(unknown.providerCode).toBe('isv.SMS_TEMPLATE_ILLEGAL');
    const missing = await p
      .send({ to: parsePhoneNumber(cnNumber()), template: { id: 'SMS_100000001', params: {} } })
      .catch((thrown: unknown) => thrown as SmsError);
    expect(missing.code).toBe('SMS_TEMPLATE_REJECTED');
  });

  it('classifies an unapproved sign as SMS_SIGN_REJECTED', async () => {
    const error = await provider()
      .send({
        to: parsePhoneNumber(cnNumber()),
        signName: '未备案',
        template: { id: 'SMS_100000001', params: { code: '1' } },
      })
      .catch((thrown: unknown) => thrown as SmsError);
    expect(error.code).toBe('SMS_SIGN_REJECTED');
  });

  it('classifies flow control as SMS_RATE_LIMITED and a quota fault as SMS_QUOTA_EXHAUSTED', async () => {
    const p = provider();
    const to = parsePhoneNumber(cnNumber());
    const message = { to, template: { id: 'SMS_100000001', params: { code: '1' } } };
    await p.send(message);
    const limited = await p.send(message).catch((thrown: unknown) => thrown as SmsError);
    expect(limited.code).toBe('SMS_RATE_LIMITED');
    expect(limited.providerCode).toBe('isv.BUSINESS_LIMIT_CONTROL');
    env.sandbox.faults.set('aliyun', { quota: true, times: 1 });
    const quota = await p
      .send({ ...message, to: parsePhoneNumber(cnNumber()) })
      .catch((thrown: unknown) => thrown as SmsError);
    expect(quota.code).toBe('SMS_QUOTA_EXHAUSTED');
  });

  it('sends a batch with SendBatchSms, one BizId for all', async () => {
    const numbers = [cnNumber(), cnNumber(), cnNumber()];
    const p = provider();
    const result = await p.sendBatch?.({
      to: numbers.map((n) => parsePhoneNumber(n)),
      template: { id: 'SMS_100000001', params: { code: '777' } },
    });
    expect(result?.items.map((item) => item.ok)).toEqual([true, true, true]);
    const ids = new Set(result?.items.map((item) => (item.ok ? item.result.messageId : '')));
    expect(ids.size).toBe(1);
    for (const n of numbers) expect((await env.inbox({ to: n }))[0]?.text).toContain('777');
  });

  it('sends international numbers as country code + digits', async () => {
    const result = await provider().send({
      to: parsePhoneNumber('+85291234567'),
      template: { id: 'SMS_100000001', params: { code: '5' } },
    });
    expect(result.to).toBe('+85291234567');
  });
});
