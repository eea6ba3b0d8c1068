// The providers' own documented response bodies, served verbatim by a local node:http server, to pin
// how each body is read. Sources are named on each case (shared reference §3).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAliyunProvider,
  createMoceanProvider,
  createTencentProvider,
  createTwilioProvider,
  createVolcengineProvider,
  parsePhoneNumber,
} from '../src/index.js';
import { rejection } from './support.js';

let server: Server;
let url = '';
let next: { status: number; body: string } = { status: 200, body: '{}' };
const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      response.writeHead(next.status, { 'content-type': 'application/json' });
      response.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const serve = (status: number, body: unknown) => {
  next = { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
};

describe('MoceanAPI (mocean-sdk test/resources)', () => {
  const mocean = () => createMoceanProvider({ baseURL: url, apiKey: 'k', apiSecret: 's', from: 'lingpai' });

  it('message.json: the msgid of the first message, JSON forced in the request', async () => {
    serve(200, {
      messages: [{ status: 0, receiver: '60123456789', msgid: 'CPASS_restapi_C0000002737000000.0001' }],
    });
    const result = await mocean().send({ to: parsePhoneNumber('+60123456789'), content: 'hi' });
    expect(result.messageId).toBe('CPASS_restapi_C0000002737000000.0001');
    const form = new URLSearchParams(seen.at(-1)?.body);
    expect(form.get('mocean-resp-format')).toBe('json');
    expect(form.get('mocean-to')).toBe('60123456789');
    expect(seen.at(-1)?.url).toBe('/rest/2/sms');
  });

  it('error_response.json: top-level status 1 is SMS_AUTH_FAILED', async () => {
    serve(200, { status: 1, err_msg: 'Authorization failed' });
    const error = await rejection(mocean().send({ to: parsePhoneNumber('+60123456789'), content: 'hi' }));
    expect([error.code, error.providerCode, error.providerMessage]).toEqual([
      'SMS_AUTH_FAILED',
      '1',
      'Authorization failed',
    ]);
  });
});

describe('Tencent Cloud SendSms 2021-01-11', () => {
  const tencent = () =>
    createTencentProvider({
      baseURL: url,
      secretId: 'id',
      secretKey: 'key',
      smsSdkAppId: '1400006666',
      signName: '腾讯云',
    });

  it('request-level Error (easy-sms QcloudGatewayTest) is classified; HTTP 200 does not mean success', async () => {
    serve(200, {
      Response: {
        Error: {
          Code: 'AuthFailure.SignatureFailure',
          Message: 'The provided credentials could not be validated.',
        },
        RequestId: 'r',
      },
    });
    const error = await rejection(
      tencent().send({ to: parsePhoneNumber('+8618511122266'), template: { id: '1234', params: ['12345'] } }),
    );
    expect([error.code, error.providerCode]).toEqual(['SMS_AUTH_FAILED', 'AuthFailure.SignatureFailure']);
  });

  it('LimitExceeded.PhoneNumberCountLimit (too many numbers in one call) is not a rate limit; the prefix rule made it one', async () => {
    const answer = async (code: string) => {
      serve(200, { Response: { Error: { Code: code, Message: 'm' }, RequestId: 'r' } });
      return (
        await rejection(
          tencent().send({ to: parsePhoneNumber('+8618511122266'), template: { id: '1234', params: ['1'] } }),
        )
      ).code;
    };
    expect(await answer('LimitExceeded.PhoneNumberCountLimit')).toBe('SMS_PROVIDER_ERROR');
    expect(await answer('LimitExceeded.PhoneNumberOneHourLimit')).toBe('SMS_RATE_LIMITED');
    expect(await answer('LimitExceeded.DeliveryFrequencyLimit')).toBe('SMS_RATE_LIMITED');
  });

  it('per-number Code "Ok" (that casing) is success; anything else fails that number', async () => {
    serve(200, {
      Response: {
        SendStatusSet: [
          {
            SerialNo: '5000:1045710669157053657849499619',
            PhoneNumber: '+8618511122266',
            Fee: 1,
            SessionContext: 'test',
            Code: 'Ok',
            Message: 'send success',
            IsoCode: 'CN',
          },
        ],
        RequestId: 'a0aabda6-cf91-4f3e-a81f-9198114a2279',
      },
    });
    const result = await tencent().send({
      to: parsePhoneNumber('+8618511122266'),
      template: { id: '1234', params: ['12345'] },
    });
    expect([result.messageId, result.segments]).toEqual(['5000:1045710669157053657849499619', 1]);
    // The SMS demo payload (signature-process-demo services/sms): same fields, same order.
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual({
      PhoneNumberSet: ['+8618511122266'],
      SmsSdkAppId: '1400006666',
      TemplateId: '1234',
      TemplateParamSet: ['12345'],
      SignName: '腾讯云',
    });

    serve(200, {
      Response: {
        SendStatusSet: [
          {
            SerialNo: '',
            PhoneNumber: '+8618511122266',
            Fee: 0,
            SessionContext: '',
            Code: 'InvalidParameterValue.TemplateParameterFormatError',
            Message: 'template param format error',
            IsoCode: 'CN',
          },
        ],
        RequestId: 'r',
      },
    });
    const error = await rejection(
      tencent().send({ to: parsePhoneNumber('+8618511122266'), template: { id: '1234', params: ['x'] } }),
    );
    expect(error.code).toBe('SMS_TEMPLATE_REJECTED');
    // "OK" in Aliyun casing is not Tencent's success marker.
    serve(200, {
      Response: {
        SendStatusSet: [{ SerialNo: 's', PhoneNumber: '+8618511122266', Code: 'OK' }],
        RequestId: 'r',
      },
    });
    expect(
      (await rejection(tencent().send({ to: parsePhoneNumber('+8618511122266'), template: { id: '1234' } })))
        .code,
    ).toBe('SMS_PROVIDER_ERROR');
  });
});

describe('Aliyun SendSms (doc 55284, easy-sms AliyunGatewayTest)', () => {
  const aliyun = () =>
    createAliyunProvider({
      baseURL: url,
      accessKeyId: 'testId',
      accessKeySecret: 'testSecret',
      signName: '阿里云短信测试',
    });

  it('Code OK with a BizId is success; the request carries the params in the ACS3 query', async () => {
    serve(200, {
      Code: 'OK',
      Message: 'OK',
      BizId: '900619746936498440^0',
      RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990',
    });
    const result = await aliyun().send({
      to: parsePhoneNumber('+8615300000001'),
      template: { id: 'SMS_71390007', params: { customer: 'test' } },
    });
    expect(result.messageId).toBe('900619746936498440^0');
    const request = seen.at(-1);
    const query = new URLSearchParams(request?.url.slice(request.url.indexOf('?') + 1));
    expect(Object.fromEntries(query)).toEqual({
      PhoneNumbers: '15300000001',
      SignName: '阿里云短信测试',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
    });
    expect(request?.headers['x-acs-action']).toBe('SendSms');
    expect(request?.headers['x-acs-version']).toBe('2017-05-25');
    expect(String(request?.headers.authorization)).toMatch(
      /^ACS3-HMAC-SHA256 Credential=testId,SignedHeaders=host;x-acs-action;/,
    );
  });

  it('isv.BUSINESS_LIMIT_CONTROL (Logto maps it to rate limit) is SMS_RATE_LIMITED', async () => {
    serve(200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发小时级流控Permits:5', RequestId: 'r' });
    const error = await rejection(
      aliyun().send({
        to: parsePhoneNumber('+8615300000001'),
        template: { id: 'SMS_1', params: { code: '1' } },
      }),
    );
    expect([error.code, error.providerMessage, error.mayHaveBeenSent]).toEqual([
      'SMS_RATE_LIMITED',
      '触发小时级流控Permits:5',
      false,
    ]);
  });

  it('Code OK without a BizId is an unreadable success (may have been sent), not a success', async () => {
    serve(200, { Code: 'OK', Message: 'OK', RequestId: 'r' });
    const error = await rejection(
      aliyun().send({ to: parsePhoneNumber('+8615300000001'), template: { id: 'SMS_1' } }),
    );
    expect([error.code, error.mayHaveBeenSent]).toEqual(['SMS_BAD_RESPONSE', true]);
  });
});

describe('Twilio Messages API', () => {
  it('a 4xx error body {code, message, more_info, status} is classified by code (21211)', async () => {
    serve(400, {
      code: 21211,
      message: "The 'To' number +1555 is not a valid phone number.",
      more_info: 'https://www.twilio.com/docs/errors/21211',
      status: 400,
    });
    const twilio = createTwilioProvider({
      baseURL: url,
      accountSid: 'AC123',
      authToken: 'token',
      from: '+15005550006',
    });
    const error = await rejection(twilio.send({ to: parsePhoneNumber('+12015550123'), content: 'x' }));
    expect([error.code, error.providerCode, error.status]).toEqual(['SMS_INVALID_NUMBER', '21211', 400]);
    expect(seen.at(-1)?.url).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(seen.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('AC123:token').toString('base64')}`);
  });
});

// Not a documented body: Volcengine publishes no `ZJ…` list, so its messages are classified by subject.
describe('Volcengine message classification', () => {
  const volcengine = () =>
    createVolcengineProvider({
      baseURL: url,
      accessKeyId: 'ak',
      secretAccessKey: 'sk',
      smsAccount: 'a',
      signName: 's',
    });
  const answer = (message: string) =>
    serve(400, {
      ResponseMetadata: { RequestId: 'r', Error: { CodeN: 1, Code: 'ZJ99999', Message: message } },
    });
  const send = () =>
    rejection(
      volcengine().send({ to: parsePhoneNumber('+8613800138000'), template: { id: 'T', params: {} } }),
    );

  it('reads a per-number frequency limit as SMS_RATE_LIMITED (it was SMS_INVALID_NUMBER, which never fails over)', async () => {
    answer('手机号发送频率超限');
    expect((await send()).code).toBe('SMS_RATE_LIMITED');
    answer('该手机号当日发送量超限');
    expect((await send()).code).toBe('SMS_RATE_LIMITED');
  });

  it('still reads a bad number, sign or template by its subject', async () => {
    answer('手机号格式错误。');
    expect((await send()).code).toBe('SMS_INVALID_NUMBER');
    answer('签名不存在或未审核通过。');
    expect((await send()).code).toBe('SMS_SIGN_REJECTED');
    answer('模板不存在或未审核通过。');
    expect((await send()).code).toBe('SMS_TEMPLATE_REJECTED');
    answer('账户余额不足。');
    expect((await send()).code).toBe('SMS_QUOTA_EXHAUSTED');
  });
});
