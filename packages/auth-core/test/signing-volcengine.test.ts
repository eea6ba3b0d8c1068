import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManualClock, signVolcengine } from '../src/index.js';

// No official Volcengine vector with expected output exists (reference §2.6). These tests check the
// signer against a straight-line node:crypto implementation of the documented algorithm
// (volcengine.com/docs/6369/67269; official signer npm @volcengine/openapi): HMAC-SHA256, X-Date,
// X-Content-Sha256, scope YYYYMMDD/<region>/<service>/request, key derived from the raw secret.
const credentials = { accessKeyId: 'AKLTexample', secretAccessKey: 'WkdWemRHVnpaWE5qY21WMA==' };
const clock = createManualClock(Date.parse('2024-03-04T05:06:07Z'));

function straightLine(body: string, query: string, contentType: string) {
  const sha = (d: string) => createHash('sha256').update(d).digest('hex');
  const hmac = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
  const xDate = '20240304T050607Z';
  const bodyHash = sha(body);
  const creq = [
    'POST',
    '/',
    query,
    `content-type:${contentType}\nhost:sms.volcengineapi.com\nx-content-sha256:${bodyHash}\nx-date:${xDate}\n`,
    'content-type;host;x-content-sha256;x-date',
    bodyHash,
  ].join('\n');
  const scope = '20240304/cn-north-1/volcSMS/request';
  const sts = `HMAC-SHA256\n${xDate}\n${scope}\n${sha(creq)}`;
  const key = hmac(
    hmac(hmac(hmac(credentials.secretAccessKey, '20240304'), 'cn-north-1'), 'volcSMS'),
    'request',
  );
  return { creq, sts, signature: createHmac('sha256', key).update(sts).digest('hex') };
}

describe('Volcengine signature', () => {
  const body =
    '{"SmsAccount":"7384****","Sign":"测试","TemplateID":"ST_****","TemplateParam":"{\\"code\\":\\"1234\\"}","PhoneNumbers":"13800000000"}';

  it('signs SendSms exactly as the documented algorithm', () => {
    const signed = signVolcengine(
      {
        method: 'POST',
        host: 'sms.volcengineapi.com',
        query: { Action: 'SendSms', Version: '2020-01-01' },
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body,
        service: 'volcSMS',
        region: 'cn-north-1',
      },
      credentials,
      { clock },
    );
    const expected = straightLine(
      body,
      'Action=SendSms&Version=2020-01-01',
      'application/json; charset=utf-8',
    );
    expect(signed.canonicalRequest).toBe(expected.creq);
    expect(signed.stringToSign).toBe(expected.sts);
    expect(signed.signature).toBe(expected.signature);
    expect(signed.headers).toEqual({
      'Content-Type': 'application/json; charset=utf-8',
      Host: 'sms.volcengineapi.com',
      'X-Date': '20240304T050607Z',
      'X-Content-Sha256': createHash('sha256').update(body).digest('hex'),
      Authorization: `HMAC-SHA256 Credential=AKLTexample/20240304/cn-north-1/volcSMS/request, SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=${expected.signature}`,
    });
  });

  it('sends and signs X-Security-Token for STS credentials', () => {
    const signed = signVolcengine(
      { method: 'GET', host: 'open.volcengineapi.com', service: 'iam', region: 'cn-north-1' },
      { ...credentials, sessionToken: 'sts-token' },
      { clock },
    );
    expect(signed.headers['X-Security-Token']).toBe('sts-token');
    expect(signed.canonicalRequest).toContain('\nx-security-token:sts-token\n');
    expect(signed.headers['Authorization']).toContain(
      'SignedHeaders=host;x-content-sha256;x-date;x-security-token,',
    );
  });

  it('matches the straight-line implementation for any body and query value (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (anyBody, value) => {
        const signed = signVolcengine(
          {
            method: 'post',
            host: 'sms.volcengineapi.com',
            query: { Version: '2020-01-01', Action: 'SendSms', Tag: value },
            headers: { 'content-type': 'application/json' },
            body: anyBody,
            service: 'volcSMS',
            region: 'cn-north-1',
          },
          credentials,
          { clock },
        );
        const enc = (s: string) =>
          encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
        const expected = straightLine(
          anyBody,
          `Action=SendSms&Tag=${enc(value)}&Version=2020-01-01`,
          'application/json',
        );
        expect(signed.signature).toBe(expected.signature);
      }),
    );
  });
});
