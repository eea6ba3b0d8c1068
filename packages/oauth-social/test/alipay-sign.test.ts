import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alipaySignContent,
  alipayTimestamp,
  extractAlipayResponseNode,
  signAlipayRsa2,
  verifyAlipayRsa2,
} from '../src/index.js';

describe('Alipay RSA2 signing', () => {
  it('builds the sign content: sorted, no sign, no empty values, not URL-encoded', () => {
    expect(
      alipaySignContent({
        method: 'alipay.system.oauth.token',
        app_id: '2021000000000001',
        sign: 'ignored',
        empty: '',
        code: 'a b&c',
        charset: 'utf-8',
      }),
    ).toBe('app_id=2021000000000001&charset=utf-8&code=a b&c&method=alipay.system.oauth.token');
  });

  it('signs and verifies with a PEM and with bare base64 keys as the console gives them', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bare = pem.replace(/-----[^-]+-----|\s/g, '');
    const pub = publicKey
      .export({ type: 'spki', format: 'pem' })
      .toString()
      .replace(/-----[^-]+-----|\s/g, '');
    const signature = signAlipayRsa2('a=1&b=2', bare);
    expect(signature).toBe(signAlipayRsa2('a=1&b=2', pem));
    expect(verifyAlipayRsa2('a=1&b=2', signature, pub)).toBe(true);
    expect(verifyAlipayRsa2('a=1&b=3', signature, pub)).toBe(false);
  });

  it('extracts the exact response node text that Alipay signed', () => {
    const text =
      '{"alipay_system_oauth_token_response":{"user_id":"2088","nested":{"s":"}\\"{"},"expires_in":1209600},"sign":"abc"}';
    expect(extractAlipayResponseNode(text, 'alipay_system_oauth_token_response')).toBe(
      '{"user_id":"2088","nested":{"s":"}\\"{"},"expires_in":1209600}',
    );
    expect(extractAlipayResponseNode(text, 'error_response')).toBeUndefined();
  });

  it('formats the timestamp in Beijing time', () => {
    expect(alipayTimestamp(Date.UTC(2024, 0, 31, 17, 5, 9))).toBe('2024-02-01 01:05:09');
  });
});
