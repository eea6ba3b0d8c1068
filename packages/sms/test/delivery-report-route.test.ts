// Round trips: a provider sends through the sandbox, the sandbox posts the delivery report in the
// provider's own format to a Fastify app using `deliveryReportRoute`, which answers what the
// provider expects and hands over normalized reports.
import { computeTwilioSignature } from '@lingpai/auth-core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createAliyunProvider,
  createHuaweiProvider,
  createMoceanProvider,
  createTencentProvider,
  createTwilioProvider,
  createVonageProvider,
  type DeliveryReport,
  type DeliveryReportError,
  deliveryReportRoute,
  PhoneNumber,
  type SmsProvider,
} from '../src/index.js';
import { cnNumber, type RunningSandbox, startSandbox, usNumber } from './support.js';

let env: RunningSandbox;
let receiver: FastifyInstance;
let receiverUrl: string;
const received: DeliveryReport[] = [];
const refused: DeliveryReportError[] = [];
/** The route secret every unsigned provider's callback URL carries. */
const TOKEN = 'dlr-route-secret-0123456789';
const auth = { token: TOKEN };

beforeAll(async () => {
  env = await startSandbox();
  receiver = Fastify();
  const onReport = (reports: DeliveryReport[]) => {
    received.push(...reports);
  };
  const onError = (error: DeliveryReportError) => {
    refused.push(error);
  };
  deliveryReportRoute(receiver, { path: '/dlr/aliyun', provider: 'aliyun', auth, onReport, onError });
  deliveryReportRoute(receiver, { path: '/dlr/tencent', provider: 'tencent', auth, onReport });
  deliveryReportRoute(receiver, {
    path: '/dlr/mocean',
    provider: 'mocean',
    methods: ['POST', 'PUT'],
    auth,
    onReport,
  });
  deliveryReportRoute(receiver, {
    path: '/dlr/vonage',
    provider: 'vonage',
    methods: ['POST', 'GET'],
    auth: { token: TOKEN, tokenIn: 'path' },
    onReport,
  });
  // The sandbox posts from loopback: the allow-list admits it, and the token is checked as well.
  deliveryReportRoute(receiver, {
    path: '/dlr/huawei',
    provider: 'huawei',
    auth: { token: TOKEN, allowIps: ['127.0.0.0/8', '::1'] },
    onReport,
  });
  deliveryReportRoute(receiver, {
    path: '/dlr/twilio',
    provider: 'twilio',
    // The URL Twilio was given: known once the receiver listens.
    twilio: {
      authToken: env.sandbox.sms.config.twilio.authToken,
      publicUrl: (request) => `${receiverUrl}${request.url}`,
    },
    onReport,
    onError,
  });
  receiverUrl = await receiver.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await receiver.close();
  await env.sandbox.close();
});

beforeEach(() => {
  received.length = 0;
  refused.length = 0;
  env.sandbox.sms.setReportStatus('delivered');
});

async function sendAndWait(provider: SmsProvider, message: Parameters<SmsProvider['send']>[0]) {
  const result = await provider.send(message);
  await env.sandbox.sms.reportsSettled();
  return result;
}

describe('delivery reports from the sandbox through deliveryReportRoute', () => {
  it('Aliyun: normalized delivered report, answered {"code":0,"msg":"接收成功"}', async () => {
    env.sandbox.sms.setReportUrl('aliyun', `${receiverUrl}/dlr/aliyun?token=${TOKEN}`);
    const provider = createAliyunProvider({
      baseURL: `${env.url}/aliyun`,
      accessKeyId: env.sandbox.sms.config.aliyun.accessKeyId,
      accessKeySecret: env.sandbox.sms.config.aliyun.accessKeySecret,
      signName: '令牌',
    });
    const to = cnNumber();
    const result = await sendAndWait(provider, {
      to: PhoneNumber.parse(to),
      template: { id: 'SMS_100000001', params: { code: '1357' } },
      reference: 'order-1',
    });
    expect(received).toEqual([
      expect.objectContaining({
        provider: 'aliyun',
        messageId: result.messageId,
        to,
        status: 'delivered',
        reference: 'order-1',
      }),
    ]);
    const posted = env.sandbox.sms.reports().at(-1);
    expect(posted).toMatchObject({
      provider: 'aliyun',
      responseStatus: 200,
      responseBody: '{"code":0,"msg":"接收成功"}',
    });
  });

  it('Tencent: a failed report, answered {"result":0,"errmsg":"OK"}', async () => {
    env.sandbox.sms.setReportUrl('tencent', `${receiverUrl}/dlr/tencent?token=${TOKEN}`);
    env.sandbox.sms.setReportStatus('failed');
    const provider = createTencentProvider({
      baseURL: `${env.url}/tencent`,
      secretId: env.sandbox.sms.config.tencent.secretId,
      secretKey: env.sandbox.sms.config.tencent.secretKey,
      smsSdkAppId: env.sandbox.sms.config.tencent.smsSdkAppId,
      signName: '令牌',
    });
    const to = cnNumber();
    const result = await sendAndWait(provider, {
      to: PhoneNumber.parse(to),
      template: { id: '1234', params: ['2468'] },
    });
    expect(received).toEqual([
      expect.objectContaining({
        provider: 'tencent',
        messageId: result.messageId,
        to,
        status: 'failed',
        errorCode: 'UNDELIV',
      }),
    ]);
    expect(env.sandbox.sms.reports().at(-1)).toMatchObject({
      responseStatus: 200,
      responseBody: '{"result":0,"errmsg":"OK"}',
    });
  });

  it('Twilio: signed callbacks verified (sent, then delivered) with the message reference', async () => {
    const provider = createTwilioProvider({
      baseURL: `${env.url}/twilio`,
      accountSid: env.sandbox.sms.config.twilio.accountSid,
      authToken: env.sandbox.sms.config.twilio.authToken,
      from: env.sandbox.sms.config.twilio.fromNumbers[0] as string,
      statusCallback: `${receiverUrl}/dlr/twilio`,
    });
    const to = usNumber();
    const result = await sendAndWait(provider, {
      to: PhoneNumber.parse(to),
      content: 'code 1122',
      reference: 'r-7',
    });
    expect(refused).toEqual([]);
    expect(received.map((report) => [report.messageId, report.status, report.reference])).toEqual([
      [result.messageId, 'sent', 'r-7'],
      [result.messageId, 'delivered', 'r-7'],
    ]);
    expect(env.sandbox.sms.reports().at(-1)?.responseStatus).toBe(204);
  });

  it('Twilio: a forged report is refused with 403 and never reaches onReport', async () => {
    const params = {
      AccountSid: 'AC1',
      MessageSid: 'SMforged',
      MessageStatus: 'delivered',
      To: '+14155550100',
    };
    const response = await fetch(`${receiverUrl}/dlr/twilio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // Signed with the wrong token.
        'x-twilio-signature': computeTwilioSignature('not-the-token', `${receiverUrl}/dlr/twilio`, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(response.status).toBe(403);
    expect(received).toEqual([]);
    expect(refused.map((error) => error.code)).toEqual(['DLR_SIGNATURE_INVALID']);
  });

  it('Mocean, Vonage and Huawei: expired / delivered reports with their ids', async () => {
    env.sandbox.sms.setReportStatus('expired');
    const mocean = createMoceanProvider({
      baseURL: `${env.url}/mocean`,
      apiKey: env.sandbox.sms.config.mocean.apiKey,
      apiSecret: env.sandbox.sms.config.mocean.apiSecret,
      from: 'lingpai',
      dlrUrl: `${receiverUrl}/dlr/mocean?token=${TOKEN}`,
    });
    const moceanResult = await sendAndWait(mocean, { to: PhoneNumber.parse(usNumber()), content: 'code 1' });
    expect(received.at(-1)).toMatchObject({
      provider: 'mocean',
      messageId: moceanResult.messageId,
      status: 'expired',
    });

    env.sandbox.sms.setReportStatus('delivered');
    const vonage = createVonageProvider({
      baseURL: `${env.url}/vonage`,
      apiKey: env.sandbox.sms.config.vonage.apiKey,
      apiSecret: env.sandbox.sms.config.vonage.apiSecret,
      from: 'lingpai',
      callback: `${receiverUrl}/dlr/vonage/${TOKEN}`,
    });
    const vonageResult = await sendAndWait(vonage, {
      to: PhoneNumber.parse(usNumber()),
      content: 'code 2',
      reference: 'v-1',
    });
    expect(received.at(-1)).toMatchObject({
      provider: 'vonage',
      messageId: vonageResult.messageId,
      status: 'delivered',
      reference: 'v-1',
    });

    const huawei = createHuaweiProvider({
      baseURL: `${env.url}/huawei`,
      appKey: env.sandbox.sms.config.huawei.appKey,
      appSecret: env.sandbox.sms.config.huawei.appSecret,
      from: env.sandbox.sms.config.huawei.senders[0] as string,
      signName: '令牌',
      statusCallback: `${receiverUrl}/dlr/huawei?token=${TOKEN}`,
    });
    const to = cnNumber();
    const huaweiResult = await sendAndWait(huawei, {
      to: PhoneNumber.parse(to),
      template: { id: '8ff55eac1d0b478ab3c06c3c6a492300', params: ['8642', '5'] },
    });
    expect(received.at(-1)).toMatchObject({
      provider: 'huawei',
      messageId: huaweiResult.messageId,
      to,
      status: 'delivered',
    });
  });

  it('answers 400 to a malformed report and 500 when onReport throws (so the provider retries)', async () => {
    const bad = await fetch(`${receiverUrl}/dlr/aliyun?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"not":"an array of reports"}',
    });
    expect(bad.status).toBe(400);

    const failing = Fastify();
    deliveryReportRoute(failing, {
      path: '/dlr',
      provider: 'tencent',
      auth: 'none',
      onReport: () => {
        throw new Error('database down');
      },
    });
    const response = await failing.inject({
      method: 'POST',
      url: '/dlr',
      headers: { 'content-type': 'application/json' },
      payload: '[{"sid":"s","report_status":"SUCCESS"}]',
    });
    expect(response.statusCode).toBe(500);
    await failing.close();
  });

  it('reads the exact bytes whatever content type the gateway sends, next to the app parsers', async () => {
    const app = Fastify();
    // The app's own catch-all parser must not stop the route from seeing the raw body.
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, { parsed: body.length }),
    );
    const reports: DeliveryReport[] = [];
    deliveryReportRoute(app, {
      path: '/dlr/mocean',
      provider: 'mocean',
      auth,
      onReport: (batch) => void reports.push(...batch),
    });
    const response = await app.inject({
      method: 'POST',
      url: `/dlr/mocean?token=${TOKEN}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'mocean-msgid=M1&mocean-dlr-status=1&mocean-to=60123456789',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('OK');
    expect(reports).toEqual([
      expect.objectContaining({ messageId: 'M1', status: 'delivered', to: '+60123456789' }),
    ]);
    await app.close();
  });
});
