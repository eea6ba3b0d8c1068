import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock, signAliyunAcs3, signAliyunRpc } from '@lingpai/auth-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

const { accessKeyId, accessKeySecret } = SANDBOX_SMS_DEFAULTS.aliyun;
const START = Date.UTC(2026, 0, 15, 2, 0, 0);

let sandbox: Sandbox;
let baseUrl: string;
const clock = createManualClock(START);
let nonce = 0;

function rpcParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Action: 'SendSms',
    Version: '2017-05-25',
    Format: 'JSON',
    RegionId: 'cn-hangzhou',
    PhoneNumbers: '13800138000',
    SignName: '阿里云短信测试',
    TemplateCode: 'SMS_154950909',
    TemplateParam: JSON.stringify({ code: '123456' }),
    ...overrides,
  };
}

function signRpc(method: 'GET' | 'POST', params: Record<string, string>, secret = accessKeySecret) {
  nonce += 1;
  return signAliyunRpc(
    { method, params },
    { accessKeyId, accessKeySecret: secret },
    { clock, nonce: () => `nonce-${nonce}-${Math.random()}` },
  );
}

async function rpcGet(params: Record<string, string>, secret?: string) {
  const signed = signRpc('GET', params, secret);
  const response = await fetch(`${baseUrl}/aliyun/?${signed.query}`);
  return { status: response.status, text: await response.text(), signed };
}

async function rpcPost(params: Record<string, string>) {
  const signed = signRpc('POST', params);
  const response = await fetch(`${baseUrl}/aliyun/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: signed.query,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function acs3(
  query: Record<string, string>,
  options: { secret?: string; action?: string; nonce?: string } = {},
) {
  const url = new URL(`${baseUrl}/aliyun/`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const signed = signAliyunAcs3(
    {
      method: 'POST',
      host: url.host,
      path: '/aliyun/',
      query,
      action: options.action ?? 'SendSms',
      version: '2017-05-25',
    },
    { accessKeyId, accessKeySecret: options.secret ?? accessKeySecret },
    { clock, ...(options.nonce === undefined ? {} : { nonce: () => options.nonce as string }) },
  );
  // URLSearchParams writes spaces as `+`; the canonical query encodes them as %20, so build it by hand.
  const search = Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  const { host: _host, ...headers } = signed.headers;
  const response = await fetch(`${baseUrl}/aliyun/?${search}`, { method: 'POST', headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sandbox = await createSandbox({ clock, sms: { perNumberPerMinute: 2 } });
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.sms.clear();
  sandbox.faults.clear();
  clock.advance(61_000);
});

describe('aliyun RPC v1', () => {
  it('accepts a signed GET, answers JSON with a BizId and stores the rendered message', async () => {
    const { status, text } = await rpcGet(rpcParams());
    expect(status).toBe(200);
    const body = JSON.parse(text) as Record<string, string>;
    expect(body).toMatchObject({ Code: 'OK', Message: 'OK' });
    expect(body.BizId).toMatch(/^\d{18}\^0$/);
    expect(body.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const [message] = sandbox.sms.messages({ to: '+8613800138000' });
    expect(message).toMatchObject({
      provider: 'aliyun',
      to: '+8613800138000',
      messageId: body.BizId,
      templateId: 'SMS_154950909',
      text: '【阿里云短信测试】您正在使用阿里云短信测试服务，体验验证码是：123456，如非本人操作，请忽略本短信！',
    });
    expect(sandbox.sms.lastCode('+8613800138000')).toBe('123456');
  });

  it('accepts a signed POST form (signature over POST)', async () => {
    const { status, body } = await rpcPost(rpcParams({ PhoneNumbers: '+8613900139000' }));
    expect(status).toBe(200);
    expect(body.Code).toBe('OK');
    expect(sandbox.sms.last('+8613900139000')?.provider).toBe('aliyun');
  });

  it('answers XML when Format is absent, as the real API does', async () => {
    const { Format: _format, ...params } = rpcParams();
    const { status, text } = await rpcGet(params);
    expect(status).toBe(200);
    expect(text).toMatch(/^<\?xml version='1.0' encoding='UTF-8'\?><SendSmsResponse><RequestId>/);
    expect(text).toContain('<Code>OK</Code>');
  });

  it('rejects a bad signature with SignatureDoesNotMatch and the server string to sign', async () => {
    const { status, text } = await rpcGet(rpcParams(), 'wrong-secret');
    expect(status).toBe(400);
    const body = JSON.parse(text) as Record<string, string>;
    expect(body.Code).toBe('SignatureDoesNotMatch');
    expect(body.HostId).toBe('dysmsapi.aliyuncs.com');
    expect(body.Message).toContain('server string to sign is:GET&%2F&AccessKeyId');
    expect(sandbox.sms.messages()).toHaveLength(0);
  });

  it('rejects a tampered parameter', async () => {
    const signed = signRpc('GET', rpcParams());
    const tampered = signed.query.replace('PhoneNumbers=13800138000', 'PhoneNumbers=13800138001');
    const response = await fetch(`${baseUrl}/aliyun/?${tampered}`);
    expect(((await response.json()) as { Code: string }).Code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a reused SignatureNonce', async () => {
    const signed = signRpc('GET', rpcParams());
    const first = await fetch(`${baseUrl}/aliyun/?${signed.query}`);
    expect(((await first.json()) as { Code: string }).Code).toBe('OK');
    const replay = await fetch(`${baseUrl}/aliyun/?${signed.query}`);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { Code: string }).Code).toBe('SignatureNonceUsed');
  });

  it('rejects a timestamp outside the window', async () => {
    const signed = signRpc('GET', rpcParams());
    clock.advance(16 * 60_000);
    const response = await fetch(`${baseUrl}/aliyun/?${signed.query}`);
    expect(((await response.json()) as { Code: string }).Code).toBe('InvalidTimeStamp.Expired');
  });

  it('rejects an unknown AccessKeyId', async () => {
    const signed = signAliyunRpc(
      { method: 'GET', params: rpcParams() },
      { accessKeyId: 'nobody', accessKeySecret },
      { clock },
    );
    const response = await fetch(`${baseUrl}/aliyun/?${signed.query}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { Code: string }).Code).toBe('InvalidAccessKeyId.NotFound');
  });

  it.each([
    [{ TemplateCode: 'SMS_000' }, 'isv.SMS_TEMPLATE_ILLEGAL'],
    [{ SignName: '不存在的签名' }, 'isv.SMS_SIGNATURE_ILLEGAL'],
    [{ PhoneNumbers: '1380013800' }, 'isv.MOBILE_NUMBER_ILLEGAL'],
    [{ TemplateParam: '{}' }, 'isv.TEMPLATE_MISSING_PARAMETERS'],
    [{ TemplateParam: '{"code":' }, 'isv.INVALID_JSON_PARAM'],
  ])('validates parameters like the platform: %o -> %s', async (override, code) => {
    const { status, text } = await rpcGet(rpcParams(override));
    expect(status).toBe(200);
    expect((JSON.parse(text) as { Code: string }).Code).toBe(code);
    expect(sandbox.sms.messages()).toHaveLength(0);
  });

  it('applies per-number flow control with isv.BUSINESS_LIMIT_CONTROL until the minute passes', async () => {
    for (let i = 0; i < 2; i++) expect(JSON.parse((await rpcGet(rpcParams())).text).Code).toBe('OK');
    expect(JSON.parse((await rpcGet(rpcParams())).text).Code).toBe('isv.BUSINESS_LIMIT_CONTROL');
    clock.advance(60_000);
    expect(JSON.parse((await rpcGet(rpcParams())).text).Code).toBe('OK');
  });

  it('answers the quota fault with isv.AMOUNT_NOT_ENOUGH and a 5xx fault with a gateway page', async () => {
    sandbox.faults.set('aliyun', { quota: true, times: 1 });
    expect(JSON.parse((await rpcGet(rpcParams())).text).Code).toBe('isv.AMOUNT_NOT_ENOUGH');
    expect(JSON.parse((await rpcGet(rpcParams())).text).Code).toBe('OK');
    sandbox.faults.set('aliyun', { status: 503, times: 1 });
    const { status, text } = await rpcGet(rpcParams());
    expect(status).toBe(503);
    expect(text).toContain('<html>');
  });

  it('sends a batch with SendBatchSms and finds it with QuerySendDetails', async () => {
    const batch = await rpcGet(
      rpcParams({
        Action: 'SendBatchSms',
        PhoneNumberJson: JSON.stringify(['13800138000', '13900139000']),
        SignNameJson: JSON.stringify(['阿里云短信测试', '令牌']),
        TemplateParamJson: JSON.stringify([{ code: '111111' }, { code: '222222' }]),
        PhoneNumbers: '',
        SignName: '',
        TemplateParam: '',
      }),
    );
    const batchBody = JSON.parse(batch.text) as { Code: string; BizId: string };
    expect(batchBody.Code).toBe('OK');
    expect(sandbox.sms.lastCode('+8613800138000')).toBe('111111');
    expect(sandbox.sms.last('+8613900139000')?.text).toContain('【令牌】');

    const sendDate = new Date(clock.now() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const query = await rpcGet({
      Action: 'QuerySendDetails',
      Version: '2017-05-25',
      Format: 'JSON',
      PhoneNumber: '13900139000',
      BizId: batchBody.BizId,
      SendDate: sendDate,
      PageSize: '10',
      CurrentPage: '1',
    });
    const details = JSON.parse(query.text) as {
      Code: string;
      TotalCount: number;
      SmsSendDetailDTOs: { SmsSendDetailDTO: Array<Record<string, unknown>> };
    };
    expect(details.Code).toBe('OK');
    expect(details.TotalCount).toBe(1);
    expect(details.SmsSendDetailDTOs.SmsSendDetailDTO[0]).toMatchObject({
      PhoneNum: '13900139000',
      SendStatus: 3,
      ErrCode: 'DELIVERED',
      TemplateCode: 'SMS_154950909',
    });
  });
});

describe('aliyun ACS3', () => {
  const query = {
    PhoneNumbers: '13800138000',
    SignName: '阿里云短信测试',
    TemplateCode: 'SMS_100000001',
    TemplateParam: '{"code":"654321"}',
  };

  it('accepts a V3-signed SendSms with params in the query', async () => {
    const { status, body } = await acs3(query);
    expect(status).toBe(200);
    expect(body.Code).toBe('OK');
    expect(sandbox.sms.lastCode('+8613800138000')).toBe('654321');
  });

  it('rejects a bad V3 signature', async () => {
    const { status, body } = await acs3(query, { secret: 'wrong' });
    expect(status).toBe(400);
    expect(body.Code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a reused x-acs-signature-nonce', async () => {
    expect((await acs3(query, { nonce: 'acs3-fixed-nonce' })).body.Code).toBe('OK');
    const replay = await acs3(query, { nonce: 'acs3-fixed-nonce' });
    expect(replay.status).toBe(400);
    expect(replay.body.Code).toBe('SignatureNonceUsed');
  });

  it('answers an unknown action with InvalidAction.NotFound', async () => {
    const { status, body } = await acs3(query, { action: 'DeleteEverything' });
    expect(status).toBe(404);
    expect(body.Code).toBe('InvalidAction.NotFound');
  });
});

describe('aliyun SmsReport push', () => {
  let receiver: Server;
  const received: Array<{ body: string; contentType: string | undefined }> = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push({ body, contentType: request.headers['content-type'] });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0,"msg":"接收成功"}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('posts a JSON array report to the configured URL with the chosen status', async () => {
    const port = (receiver.address() as AddressInfo).port;
    sandbox.sms.setReportUrl('aliyun', `http://127.0.0.1:${port}/aliyun-report`);
    sandbox.sms.setReportStatus('failed');
    try {
      const { text } = await rpcGet(rpcParams({ OutId: 'order-7' }));
      const bizId = (JSON.parse(text) as { BizId: string }).BizId;
      await sandbox.sms.reportsSettled();
      const report = JSON.parse(received.at(-1)?.body ?? '[]') as Array<Record<string, unknown>>;
      expect(report).toEqual([
        expect.objectContaining({
          phone_number: '13800138000',
          success: false,
          biz_id: bizId,
          out_id: 'order-7',
        }),
      ]);
      expect(report[0]?.send_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(sandbox.sms.reports().at(-1)).toMatchObject({ provider: 'aliyun', responseStatus: 200 });
    } finally {
      sandbox.sms.setReportUrl('aliyun', undefined);
      sandbox.sms.setReportStatus('delivered');
    }
  });
});
