// Bug pinned: signTencentTc3 read `service` from the host's first label, so pointed at a sandbox or
// proxy (127.0.0.1:PORT) it signed the scope `<date>/127/tc3_request`, and the only symptom was the
// server's "signature mismatch". Without an explicit `service`, such hosts are refused, naming the fix.
import { describe, expect, it } from 'vitest';
import { createManualClock, SignatureError, signTencentTc3 } from '../src/index.js';

const credentials = { secretId: 'AKIDexample', secretKey: 'secret-key-example' };
const request = { action: 'SendSms', version: '2021-01-11', payload: '{}' };
const clock = createManualClock(Date.UTC(2024, 0, 2, 3, 4, 5));

function refusal(host: string): SignatureError {
  try {
    signTencentTc3({ ...request, host }, credentials, { clock });
  } catch (error) {
    return error as SignatureError;
  }
  throw new Error(`signed for host ${host} without a service`);
}

describe('signTencentTc3 on a host that names no service', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.1:8080',
    '10.0.0.5:443',
    'localhost',
    'LOCALHOST:3000',
    '[::1]:8080',
    '::1',
  ])('refuses %s without an explicit service, saying to pass one', (host) => {
    const error = refusal(host);
    expect(error).toBeInstanceOf(SignatureError);
    expect(error.code).toBe('SIGNATURE_INVALID_INPUT');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`"${host}"`);
    expect(error.message).toContain("service: 'sms'");
  });

  it('signs the same host when the service is given, for the named service', () => {
    const signed = signTencentTc3({ ...request, host: '127.0.0.1:8080', service: 'sms' }, credentials, {
      clock,
    });
    expect(signed.stringToSign.split('\n')[2]).toBe('2024-01-02/sms/tc3_request');
    expect(signed.headers['Host']).toBe('127.0.0.1:8080');
  });

  it('still derives the service from a real host, and from a named local one', () => {
    for (const [host, service] of [
      ['sms.tencentcloudapi.com', 'sms'],
      ['sms.ap-guangzhou.tencentcloudapi.com', 'sms'],
      ['cvm.internal.tencentcloudapi.com', 'cvm'],
      ['sms.localhost:8080', 'sms'],
    ] as const) {
      const signed = signTencentTc3({ ...request, host }, credentials, { clock });
      expect(signed.stringToSign.split('\n')[2]).toBe(`2024-01-02/${service}/tc3_request`);
    }
  });
});
