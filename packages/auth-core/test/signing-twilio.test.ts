import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  basicAuthorization,
  computeTwilioSignature,
  parseBasicAuthorization,
  verifyTwilioSignature,
} from '../src/index.js';

describe('Twilio webhook signature', () => {
  it('Vector H: Twilio docs "Webhooks security" worked example', () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(computeTwilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(
      verifyTwilioSignature({ authToken: '12345', url, params, signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' }),
    ).toBe(true);
  });

  // Vectors I: twilio/twilio-node spec/validation.spec.js (reference §2.4).
  const token = '12345';
  const requestUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const defaultParams = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };
  const verify = (
    url: string,
    signature: string,
    params: Record<string, string | string[]> = defaultParams,
  ) => verifyTwilioSignature({ authToken: token, url, params, signature });

  it('Vector I: every signature computed byte for byte over the exact URL form it was made for', () => {
    const query = 'myapp.php?foo=1&bar=2';
    const bodyHash = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
    const emptyBodyHash = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
    const cases: Array<[string, Record<string, string | string[]> | undefined, string]> = [
      [`https://mycompany.com/${query}`, defaultParams, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='],
      [`https://mycompany.com:443/${query}`, defaultParams, 'kvajT1Ptam85bY51eRf/AJRuM3w='],
      [`http://mycompany.com:1234/${query}`, defaultParams, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='],
      [`http://mycompany.com:80/${query}`, defaultParams, '0ZXoZLH/DfblKGATFgpif+LLRf4='],
      [`https://user:pass@mycompany.com/${query}`, defaultParams, 'CukzLTc1tT5dXEDIHm/tKBanW10='],
      [`https://user:pass@mycompany.com:443/${query}`, defaultParams, 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='],
      [`https://user@mycompany.com/${query}`, defaultParams, '2YRLlVAflCqxaNicjMpJcSTgzSs='],
      // The legacy querystring form: `'` as %27.
      [`https://mycompany.com/${query}&Body=It%27s+amazing`, defaultParams, 'TfZzewPq8wqrGlMfyAud8+/IvJ0='],
      [
        requestUrl,
        { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] },
        '83O6e2vORAoJHUNzJjDWN1jz+BA=',
      ],
      [`${requestUrl}&bodySHA256=${bodyHash}`, undefined, 'a9nBmqA0ju/hNViExpshrM61xv4='],
      [
        `https://mycompany.com:443/${query}&bodySHA256=${emptyBodyHash}`,
        undefined,
        'Ldidvp12m26NI7eqEvxnEpkd9Hc=',
      ],
      [`https://mycompany.com/myapp.php?bodySHA256=${bodyHash}`, undefined, 'y77kIzt2vzLz71DgmJGsen2scGs='],
    ];
    for (const [url, params, signature] of cases) {
      expect(computeTwilioSignature(token, url, params), url).toBe(signature);
    }
  });

  it('Vector I: default signature', () => {
    expect(computeTwilioSignature(token, requestUrl, defaultParams)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(verify(requestUrl, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(true);
  });

  it('Vector I: https with and without :443, either way round', () => {
    expect(verify(requestUrl, 'kvajT1Ptam85bY51eRf/AJRuM3w=')).toBe(true);
    expect(verify('https://mycompany.com:443/myapp.php?foo=1&bar=2', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(
      true,
    );
    expect(verify('https://mycompany.com:443/myapp.php?foo=1&bar=2', 'kvajT1Ptam85bY51eRf/AJRuM3w=')).toBe(
      true,
    );
  });

  it('Vector I: http with a non-default port, and http with :80 added', () => {
    expect(verify('http://mycompany.com:1234/myapp.php?foo=1&bar=2', 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=')).toBe(
      true,
    );
    expect(verify('http://mycompany.com/myapp.php?foo=1&bar=2', '0ZXoZLH/DfblKGATFgpif+LLRf4=')).toBe(true);
  });

  it('Vector I: user:pass@ and user@ URLs (with the :443 variant)', () => {
    expect(
      verify('https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'CukzLTc1tT5dXEDIHm/tKBanW10='),
    ).toBe(true);
    expect(
      verify('https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='),
    ).toBe(true);
    expect(verify('https://user@mycompany.com/myapp.php?foo=1&bar=2', '2YRLlVAflCqxaNicjMpJcSTgzSs=')).toBe(
      true,
    );
  });

  it("Vector I: legacy querystring form (`'` normalized to %27)", () => {
    expect(verify(`${requestUrl}&Body=It's+amazing`, 'TfZzewPq8wqrGlMfyAud8+/IvJ0=')).toBe(true);
  });

  it('regression: the URL as received with its default port, and the legacy query encoding, verify', () => {
    // Found by the twilio-node cross-check (signing-official-sdks.test.ts): twilio-node's validateRequest
    // accepts each of these signed forms; we added the default port only to the WHATWG-normalized URL
    // (`'` as %27, dot segments dropped) and never tried Node's legacy querystring encoding.
    const cases: Array<[received: string, signed: string]> = [
      ["https://example.com/hook?name=O'Brien", "https://example.com:443/hook?name=O'Brien"],
      ['http://example.com/.', 'http://example.com:80/.'],
      ['https://example.com/hook?q=a+b', 'https://example.com/hook?q=a%20b'],
      ['https://example.com/hook?q=%7E&flag', 'https://example.com:443/hook?q=~&flag='],
    ];
    for (const [received, signed] of cases) {
      expect(verify(received, computeTwilioSignature(token, signed, {}), {}), received).toBe(true);
    }
    // A non-default port is part of the endpoint: never dropped.
    const noPort = computeTwilioSignature(token, 'https://example.com/hook', {});
    expect(verify('https://example.com:8443/hook', noPort, {})).toBe(false);
  });

  it('Vector I: array params de-duplicated and sorted, in either order', () => {
    const sig = '83O6e2vORAoJHUNzJjDWN1jz+BA=';
    expect(verify(requestUrl, sig, { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] })).toBe(
      true,
    );
    expect(verify(requestUrl, sig, { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] })).toBe(
      true,
    );
    expect(
      computeTwilioSignature(token, requestUrl, {
        Sid: 'CA123',
        SidAccount: 'AC123',
        Digits: ['5678', '1234', '1234'],
      }),
    ).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });

  it('Vector I: JSON bodies via bodySHA256', () => {
    const body = '{"property": "value", "boolean": true}';
    const bodySHA256 = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
    expect(createHash('sha256').update(body).digest('hex')).toBe(bodySHA256);
    const url = `${requestUrl}&bodySHA256=${bodySHA256}`;
    expect(
      verifyTwilioSignature({ authToken: token, url, body, signature: 'a9nBmqA0ju/hNViExpshrM61xv4=' }),
    ).toBe(true);
    // A different body with the same URL and signature fails on the hash.
    expect(
      verifyTwilioSignature({ authToken: token, url, body: '{}', signature: 'a9nBmqA0ju/hNViExpshrM61xv4=' }),
    ).toBe(false);
    // "{}" body: the spec's signature is over the :443 form of the URL (recomputed with node:crypto).
    const emptyHash = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
    expect(
      verifyTwilioSignature({
        authToken: token,
        url: `${requestUrl}&bodySHA256=${emptyHash}`,
        body: '{}',
        signature: 'Ldidvp12m26NI7eqEvxnEpkd9Hc=',
      }),
    ).toBe(true);
    // bodySHA256 as the only query param; the hash is the first body's (recomputed with node:crypto).
    expect(
      verifyTwilioSignature({
        authToken: token,
        url: `https://mycompany.com/myapp.php?bodySHA256=${bodySHA256}`,
        body,
        signature: 'y77kIzt2vzLz71DgmJGsen2scGs=',
      }),
    ).toBe(true);
  });

  it('rejects a wrong token, a wrong signature, a missing signature and a changed param', () => {
    expect(
      verifyTwilioSignature({
        authToken: 'other',
        url: requestUrl,
        params: defaultParams,
        signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
      }),
    ).toBe(false);
    expect(verify(requestUrl, 'RSOYDt4T1cUTdK1PDd93/VVr8B8')).toBe(false);
    expect(
      verifyTwilioSignature({
        authToken: token,
        url: requestUrl,
        params: defaultParams,
        signature: undefined,
      }),
    ).toBe(false);
    expect(verify(requestUrl, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', { ...defaultParams, Digits: '4321' })).toBe(
      false,
    );
  });

  it('verifies whatever it computes, and fails for any other param value (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
        fc.string({ minLength: 1 }),
        (params, authToken) => {
          const url = 'https://example.com/hook?x=1';
          const signature = computeTwilioSignature(authToken, url, params);
          expect(verifyTwilioSignature({ authToken, url, params, signature })).toBe(true);
          const keys = Object.keys(params);
          if (keys.length > 0) {
            const changed = { ...params, [keys[0] as string]: `${params[keys[0] as string]}!` };
            expect(verifyTwilioSignature({ authToken, url, params: changed, signature })).toBe(false);
          }
        },
      ),
    );
  });
});

describe('HTTP Basic', () => {
  it("encodes Twilio's AccountSid:AuthToken and parses it back", () => {
    const header = basicAuthorization('ACxxxxxxxx', 'auth:token');
    expect(header).toBe(`Basic ${Buffer.from('ACxxxxxxxx:auth:token').toString('base64')}`);
    expect(parseBasicAuthorization(header)).toEqual({ username: 'ACxxxxxxxx', password: 'auth:token' });
  });

  it('round-trips any UTF-8 username without a colon and any password (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes(':')),
        fc.string({ unit: 'grapheme' }),
        (username, password) => {
          expect(parseBasicAuthorization(basicAuthorization(username, password))).toEqual({
            username,
            password,
          });
        },
      ),
    );
  });

  it('refuses a colon in the username, other schemes, bad base64 and a missing colon', () => {
    expect(() => basicAuthorization('a:b', 'c')).toThrow(TypeError);
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined();
    expect(parseBasicAuthorization('Basic !!!!')).toBeUndefined();
    expect(parseBasicAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuthorization(`basic   ${Buffer.from('u:p').toString('base64')}`)).toEqual({
      username: 'u',
      password: 'p',
    });
  });
});
