import { createManualClock, signTencentTc3, type Tc3SignedHeaders } from '@lingpai/auth-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

const { secretId, secretKey, smsSdkAppId } = SANDBOX_SMS_DEFAULTS.tencent;
const clock = createManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
let sandbox: Sandbox;
let baseUrl: string;

interface TencentAnswer {
  Response: {
    RequestId: string;
    Error?: { Code: string; Message: string };
    SendStatusSet?: Array<{
      SerialNo: string;
      PhoneNumber: string;
      Code: string;
      SessionContext: string;
      IsoCode: string;
    }>;
  };
}

async function sendSms(
  body: Record<string, unknown>,
  options: {
    signedHeaders?: Tc3SignedHeaders;
    key?: string;
    signedAt?: number;
    action?: string;
    authorization?: (value: string) => string;
    /** `null`: let the signer derive the service from the host. */
    service?: string | null;
  } = {},
): Promise<TencentAnswer> {
  const payload = JSON.stringify(body);
  const host = new URL(baseUrl).host;
  const signed = signTencentTc3(
    {
      host,
      action: options.action ?? 'SendSms',
      version: '2021-01-11',
      payload,
      region: 'ap-guangzhou',
      ...(options.service === null ? {} : { service: options.service ?? 'sms' }),
      signedHeaders: options.signedHeaders,
    },
    { secretId, secretKey: options.key ?? secretKey },
    { clock: { now: () => options.signedAt ?? clock.now() } },
  );
  const { Host: _host, ...headers } = signed.headers;
  if (options.authorization) headers.Authorization = options.authorization(headers.Authorization ?? '');
  const response = await fetch(`${baseUrl}/tencent/`, { method: 'POST', headers, body: payload });
  expect(response.status).toBe(200);
  return (await response.json()) as TencentAnswer;
}

const valid = {
  SmsSdkAppId: smsSdkAppId,
  SignName: '腾讯云',
  TemplateId: '1235',
  TemplateParamSet: ['8812', '5'],
  PhoneNumberSet: ['+8613800138000'],
  SessionContext: 'ctx-1',
};

beforeAll(async () => {
  sandbox = await createSandbox({ clock, sms: { perNumberPerMinute: 1 } });
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.sms.clear();
  sandbox.faults.clear();
});

describe('tencent SendSms 2021-01-11', () => {
  it.each(['content-type;host', 'content-type;host;x-tc-action'] as const)(
    'accepts TC3 with SignedHeaders=%s and answers SendStatusSet',
    async (signedHeaders) => {
      const answer = await sendSms(valid, { signedHeaders });
      const [status] = answer.Response.SendStatusSet ?? [];
      expect(status).toMatchObject({
        Code: 'Ok',
        PhoneNumber: '+8613800138000',
        SessionContext: 'ctx-1',
        IsoCode: 'CN',
      });
      expect(sandbox.sms.last('+8613800138000')).toMatchObject({
        provider: 'tencent',
        messageId: status?.SerialNo,
        text: '【腾讯云】您的验证码是8812，5分钟内有效。',
      });
      expect(sandbox.sms.lastCode('+8613800138000')).toBe('8812');
    },
  );

  it('rejects a bad signature in Response.Error with HTTP 200', async () => {
    const answer = await sendSms(valid, { key: 'wrong-key' });
    expect(answer.Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    expect(answer.Response.RequestId).toBeTruthy();
    expect(sandbox.sms.messages()).toHaveLength(0);
  });

  // @lingpai/auth-core now refuses such a host without `service`; another client's signer may not.
  it('says why when a signer derived the service from a local host (it signed for "127", with no hint)', async () => {
    const answer = await sendSms(valid, { service: '127' });
    expect(answer.Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    expect(answer.Response.Error?.Message).toContain('"127"');
    expect(answer.Response.Error?.Message).toContain("pass service: 'sms'");
  });

  it('rejects a Credential scope that names another date or service than the one signed (regression: only the signature was compared)', async () => {
    const otherDate = await sendSms(valid, {
      authorization: (value) => value.replace('/2026-03-01/', '/2026-02-28/'),
    });
    expect(otherDate.Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    const otherService = await sendSms(valid, {
      authorization: (value) => value.replace('/sms/tc3_request', '/cvm/tc3_request'),
    });
    expect(otherService.Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
  });

  it('rejects a timestamp more than five minutes off', async () => {
    const answer = await sendSms(valid, { signedAt: clock.now() - 6 * 60_000 });
    expect(answer.Response.Error?.Code).toBe('AuthFailure.SignatureExpire');
  });

  it.each([
    [{ TemplateId: '9999' }, 'FailedOperation.TemplateIncorrectOrUnapproved'],
    [{ SignName: '别人的签名' }, 'FailedOperation.SignatureIncorrectOrUnapproved'],
    [{ TemplateParamSet: ['8812'] }, 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate'],
    [{ SmsSdkAppId: '1400000000' }, 'InvalidParameterValue.SdkAppIdNotExist'],
    [{ PhoneNumberSet: [] }, 'MissingParameter'],
  ])('validates %o -> %s', async (override, code) => {
    const answer = await sendSms({ ...valid, ...override });
    expect(answer.Response.Error?.Code).toBe(code);
  });

  it('reports a bad number and flow control per number in SendStatusSet', async () => {
    const answer = await sendSms({ ...valid, PhoneNumberSet: ['+8613800138000', '+86123', '13800138000'] });
    expect(answer.Response.SendStatusSet?.map((status) => status.Code)).toEqual([
      'Ok',
      'InvalidParameterValue.IncorrectPhoneNumber',
      'LimitExceeded.PhoneNumberThirtySecondLimit',
    ]);
    clock.advance(60_000);
  });

  it('answers the quota fault with FailedOperation.InsufficientBalanceInSmsPackage', async () => {
    sandbox.faults.set('tencent', { quota: true, times: 1 });
    expect((await sendSms(valid)).Response.Error?.Code).toBe(
      'FailedOperation.InsufficientBalanceInSmsPackage',
    );
    clock.advance(60_000);
  });

  it('answers a request it cannot even re-sign (no X-TC-Version) in its own shape, not with a 500', async () => {
    const payload = JSON.stringify(valid);
    const signed = signTencentTc3(
      { host: new URL(baseUrl).host, service: 'sms', action: 'SendSms', version: '2021-01-11', payload },
      { secretId, secretKey },
      { clock },
    );
    const { Host: _host, 'X-TC-Version': _version, ...headers } = signed.headers;
    const response = await fetch(`${baseUrl}/tencent/`, { method: 'POST', headers, body: payload });
    expect(response.status).toBe(200);
    expect(((await response.json()) as TencentAnswer).Response.Error?.Code).toBe(
      'AuthFailure.SignatureFailure',
    );
  });

  it('answers an unknown action with InvalidAction', async () => {
    expect((await sendSms(valid, { action: 'PullSmsSendStatus' })).Response.Error?.Code).toBe(
      'InvalidAction',
    );
  });
});
