// Volcengine (HMAC-SHA256 …/volcSMS/request) and AWS SNS (SigV4) imitations.
import { createManualClock, signAwsSigV4, signVolcengine } from '@lingpai/auth-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, SANDBOX_SMS_DEFAULTS, type Sandbox } from '../src/index.js';

const clock = createManualClock(Date.UTC(2026, 4, 20, 9, 30, 0));
let sandbox: Sandbox;
let baseUrl: string;

beforeAll(async () => {
  sandbox = await createSandbox({ clock });
  baseUrl = await sandbox.listen();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.sms.clear();
  sandbox.faults.clear();
});

function errorCode(body: Record<string, Record<string, unknown>>): unknown {
  return (body.ResponseMetadata?.Error as { Code?: string } | undefined)?.Code;
}

describe('volcengine SendSms', () => {
  const { accessKeyId, secretAccessKey, smsAccounts } = SANDBOX_SMS_DEFAULTS.volcengine;
  const payloadOf = (overrides: Record<string, string> = {}) =>
    JSON.stringify({
      SmsAccount: smsAccounts[0],
      Sign: '火山引擎测试',
      TemplateID: 'ST_7a2b3c4d',
      TemplateParam: '{"code":"135790"}',
      PhoneNumbers: '13800138000',
      ...overrides,
    });

  async function send(payload: string, secret = secretAccessKey, signedAt = clock.now()) {
    const host = new URL(baseUrl).host;
    const query = { Action: 'SendSms', Version: '2020-01-01' };
    const signed = signVolcengine(
      {
        method: 'POST',
        host,
        path: '/volcengine/',
        query,
        headers: { 'Content-Type': 'application/json' },
        body: payload,
        service: 'volcSMS',
        region: 'cn-north-1',
      },
      { accessKeyId, secretAccessKey: secret },
      { clock: { now: () => signedAt } },
    );
    const { Host: _host, ...headers } = signed.headers;
    const response = await fetch(`${baseUrl}/volcengine/?Action=SendSms&Version=2020-01-01`, {
      method: 'POST',
      headers,
      body: payload,
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, Record<string, unknown>>,
    };
  }

  it('accepts a signed request and answers Result.MessageID', async () => {
    const { status, body } = await send(payloadOf());
    expect(status).toBe(200);
    expect(body.ResponseMetadata).toMatchObject({
      Action: 'SendSms',
      Version: '2020-01-01',
      Service: 'volcSMS',
    });
    expect(body.ResponseMetadata?.Error).toBeUndefined();
    const ids = body.Result?.MessageID as string[];
    expect(sandbox.sms.last('+8613800138000')).toMatchObject({ messageId: ids[0], provider: 'volcengine' });
    expect(sandbox.sms.lastCode('+8613800138000')).toBe('135790');
  });

  it('rejects a bad signature and a stale X-Date in ResponseMetadata.Error', async () => {
    const bad = await send(payloadOf(), 'wrong');
    expect(bad.status).toBe(403);
    expect(bad.body.ResponseMetadata?.Error).toMatchObject({ Code: 'SignatureDoesNotMatch', CodeN: 100010 });
    const stale = await send(payloadOf(), secretAccessKey, clock.now() - 60 * 60_000);
    expect(errorCode(stale.body)).toBe('RequestExpired');
  });

  it('validates template, sign and numbers', async () => {
    const unknownTemplate = await send(payloadOf({ TemplateID: 'ST_nope' }));
    expect(errorCode(unknownTemplate.body)).toBe('ZJ20003');
    const missingParam = await send(payloadOf({ TemplateParam: '{}' }));
    expect(errorCode(missingParam.body)).toBe('ZJ20005');
    const badNumber = await send(payloadOf({ PhoneNumbers: '12345' }));
    expect(errorCode(badNumber.body)).toBe('ZJ20006');
  });
});

describe('aws sns Publish', () => {
  const { accessKeyId, secretAccessKey, region } = SANDBOX_SMS_DEFAULTS.awsSns;

  async function publish(fields: Record<string, string>, secret = secretAccessKey) {
    const payload = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', ...fields }).toString();
    const url = `${baseUrl}/aws-sns/`;
    const signed = signAwsSigV4(
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: payload,
        service: 'sns',
        region,
      },
      { accessKeyId, secretAccessKey: secret },
      { clock },
    );
    const { Host: _host, ...headers } = signed.headers;
    const response = await fetch(url, { method: 'POST', headers, body: payload });
    return { status: response.status, text: await response.text() };
  }

  it('accepts a SigV4-signed Publish and answers PublishResponse XML', async () => {
    const { status, text } = await publish({
      PhoneNumber: '+14155550100',
      Message: 'Your code is 909090',
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SenderID',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'LINGPAI',
    });
    expect(status).toBe(200);
    const messageId = /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1];
    expect(messageId).toBeTruthy();
    expect(sandbox.sms.last('+14155550100')).toMatchObject({
      messageId,
      from: 'LINGPAI',
      text: 'Your code is 909090',
    });
  });

  it('rejects a bad signature with 403 SignatureDoesNotMatch', async () => {
    const { status, text } = await publish({ PhoneNumber: '+14155550100', Message: 'x' }, 'wrong');
    expect(status).toBe(403);
    expect(text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('validates the number and answers the quota fault with Throttled', async () => {
    const bad = await publish({ PhoneNumber: '4155550100', Message: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>InvalidParameter</Code>');
    sandbox.faults.set('aws-sns', { quota: true, times: 1 });
    const throttled = await publish({ PhoneNumber: '+14155550100', Message: 'x' });
    expect(throttled.status).toBe(429);
    expect(throttled.text).toContain('<Code>Throttled</Code>');
  });
});
