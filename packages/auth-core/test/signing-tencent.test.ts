import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManualClock, SignatureError, signTencentTc3 } from '../src/index.js';

// Vector G: Tencent "签名方法 v3" doc example and TencentCloud/signature-process-demo
// signature-v3/nodejs/demo.js (reference §2.3). The keys really are the masked strings.
const credentials = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
};
const request = {
  host: 'cvm.tencentcloudapi.com',
  action: 'DescribeInstances',
  version: '2017-03-12',
  region: 'ap-guangzhou',
  payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
};
const clock = createManualClock(1551113065 * 1000);
const payloadHash = '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064';

describe('Tencent TC3-HMAC-SHA256', () => {
  it('Vector G (1): SignedHeaders content-type;host', () => {
    const signed = signTencentTc3({ ...request, signedHeaders: 'content-type;host' }, credentials, { clock });
    expect(signed.canonicalRequest).toBe(
      `POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n${payloadHash}`,
    );
    expect(signed.stringToSign).toBe(
      'TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    );
    expect(signed.signature).toBe('2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c');
    expect(signed.headers).toEqual({
      Authorization:
        'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c',
      'Content-Type': 'application/json; charset=utf-8',
      Host: 'cvm.tencentcloudapi.com',
      'X-TC-Action': 'DescribeInstances',
      'X-TC-Timestamp': '1551113065',
      'X-TC-Version': '2017-03-12',
      'X-TC-Region': 'ap-guangzhou',
    });
  });

  it('Vector G (2): SignedHeaders content-type;host;x-tc-action (the default)', () => {
    const signed = signTencentTc3(request, credentials, { clock });
    expect(signed.canonicalRequest).toBe(
      `POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\nx-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n${payloadHash}`,
    );
    expect(signed.stringToSign).toBe(
      `TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n${createHash('sha256').update(signed.canonicalRequest).digest('hex')}`,
    );
    expect(signed.signature).toBe('be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3');
    expect(signed.headers['Authorization']).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3',
    );
  });

  it('uses the UTC date of the timestamp, not local time (23:59:59 UTC vs 00:00:00 UTC)', () => {
    const late = signTencentTc3(request, credentials, {
      clock: createManualClock(Date.parse('2024-01-01T23:59:59Z')),
    });
    const early = signTencentTc3(request, credentials, {
      clock: createManualClock(Date.parse('2024-01-02T00:00:00Z')),
    });
    expect(late.stringToSign.split('\n')[2]).toBe('2024-01-01/cvm/tc3_request');
    expect(early.stringToSign.split('\n')[2]).toBe('2024-01-02/cvm/tc3_request');
  });

  it('sends X-TC-Token for temporary credentials and derives the service from the host', () => {
    const signed = signTencentTc3(
      { host: 'sms.tencentcloudapi.com', action: 'SendSms', version: '2021-01-11', payload: '{}' },
      { ...credentials, token: 'session' },
      { clock },
    );
    expect(signed.headers['X-TC-Token']).toBe('session');
    expect(signed.headers['X-TC-Region']).toBeUndefined();
    expect(signed.stringToSign).toContain('/sms/tc3_request');
  });

  it('matches a straight-line node:crypto implementation for any payload and time (property)', () => {
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.integer({ min: 0, max: 4_102_444_800 }),
        (payload, ts) => {
          const signed = signTencentTc3(
            { host: 'sms.tencentcloudapi.com', action: 'SendSms', version: '2021-01-11', payload },
            credentials,
            { clock: createManualClock(ts * 1000) },
          );
          const date = new Date(ts * 1000).toISOString().slice(0, 10);
          const creq = `POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\nx-tc-action:sendsms\n\ncontent-type;host;x-tc-action\n${createHash('sha256').update(payload).digest('hex')}`;
          const sts = `TC3-HMAC-SHA256\n${ts}\n${date}/sms/tc3_request\n${createHash('sha256').update(creq).digest('hex')}`;
          const key = hmac(hmac(hmac(`TC3${credentials.secretKey}`, date), 'sms'), 'tc3_request');
          expect(signed.signature).toBe(createHmac('sha256', key).update(sts).digest('hex'));
        },
      ),
    );
  });

  it('rejects missing credentials and a missing action', () => {
    expect(() => signTencentTc3(request, { secretId: '', secretKey: 'k' })).toThrow(SignatureError);
    expect(() => signTencentTc3({ ...request, action: '' }, credentials)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_INVALID_INPUT' }),
    );
  });
});
