import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alipaySignContent,
  alipayTimestamp,
  extractAlipayResponseNode,
  signAlipayRsa2,
  verifyAlipayRsa2,
} from '../src/index.js';
import { readTopLevelMembers } from '../src/internal/json-members.js';

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

  it('extracts only a direct top-level member: never a nested copy, a key inside a string, or a duplicate', () => {
    const node = 'alipay_system_oauth_token_response';
    const good = '{"open_id":"good"}';
    const forged = '{"open_id":"evil"}';
    // A same-named node nested inside another value is not the response node.
    expect(extractAlipayResponseNode(`{"w":{"${node}":${forged}},"${node}":${good}}`, node)).toBe(good);
    expect(extractAlipayResponseNode(`{"w":[{"${node}":${forged}}]}`, node)).toBeUndefined();
    // The name inside a string value, or at the end of another key, is text, not a key.
    expect(
      extractAlipayResponseNode(
        `{"n":"\\"${node}\\":${forged.replaceAll('"', '\\"')}","${node}":${good}}`,
        node,
      ),
    ).toBe(good);
    expect(extractAlipayResponseNode(`{"a\\"${node}":${forged},"${node}":${good}}`, node)).toBe(good);
    // Two candidates: no answer, whichever comes first, however the second key is spelled.
    expect(extractAlipayResponseNode(`{"${node}":${good},"${node}":${forged}}`, node)).toBeUndefined();
    expect(
      extractAlipayResponseNode(`{"${node}":${good},"${node.replace('_', '\\u005f')}":${forged}}`, node),
    ).toBeUndefined();
    expect(extractAlipayResponseNode(`{"${node}":${good},"sign":"a","sign":"b"}`, node)).toBeUndefined();
    // Not an object, or not one well-formed JSON object.
    expect(extractAlipayResponseNode(`{"${node}":"${good}"}`, node)).toBeUndefined();
    expect(extractAlipayResponseNode(`{"${node}":${good}} {}`, node)).toBeUndefined();
    expect(extractAlipayResponseNode(`{"${node}":${good}`, node)).toBeUndefined();
    expect(extractAlipayResponseNode(`[{"${node}":${good}}]`, node)).toBeUndefined();
  });

  it('verifies the raw bytes of a node with inner whitespace, and not a re-serialization of it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const node = 'alipay_user_info_share_response';
    const raw = '{ "code" : "10000",\n\t"open_id":"074a\\u00e9", "n": [1, -2.5e3, true, null, {"x": "}"}] }';
    const sign = signAlipayRsa2(raw, privateKey);
    const text = `\r\n{ "${node}" :\t${raw} ,\n"sign" : "${sign}" }\n`;
    const extracted = extractAlipayResponseNode(text, node);
    expect(extracted).toBe(raw);
    expect(verifyAlipayRsa2(extracted ?? '', sign, publicKey)).toBe(true);
    expect(verifyAlipayRsa2(JSON.stringify(JSON.parse(raw)), sign, publicKey)).toBe(false);
  });

  it('the tokenizer agrees with JSON.parse on every value it slices, and refuses what JSON.parse refuses', () => {
    // A small deterministic generator of awkward JSON: escapes, surrogates, nesting, numbers.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const strings = [
      '',
      'a',
      '\u0000',
      '"',
      '\\',
      '}',
      '{"k":1}',
      '\u2028',
      '\ud83d\ude00',
      '\ud800',
      '支付宝',
    ];
    const value = (depth: number): unknown => {
      const pick = next(depth > 3 ? 5 : 7);
      if (pick === 0) return strings[next(strings.length)];
      if (pick === 1) return [0, -0.5, 1e21, 123456789012, -3e-7][next(5)];
      if (pick === 2) return [true, false, null][next(3)];
      if (pick === 3) return `${strings[next(strings.length)]}${strings[next(strings.length)]}`;
      if (pick === 4) return next(2) === 0 ? [] : {};
      if (pick === 5) return Array.from({ length: next(4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: next(4) }, (_, i) => [`${strings[next(strings.length)]}${i}`, value(depth + 1)]),
      );
    };
    for (let round = 0; round < 300; round += 1) {
      const object = Object.fromEntries(Array.from({ length: 1 + next(5) }, (_, i) => [`k${i}`, value(0)]));
      const text = JSON.stringify(object, null, next(3));
      const read = readTopLevelMembers(text);
      if (!read.ok) throw new Error(`refused valid JSON: ${read.reason}: ${text}`);
      expect(Object.fromEntries([...read.members].map(([key, raw]) => [key, JSON.parse(raw)]))).toEqual(
        object,
      );
    }
    for (const bad of [
      '',
      '{',
      '{"a":}',
      '{"a":1,}',
      '{"a" 1}',
      "{'a':1}",
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":"\\x"}',
      '{"a":"\\u12"}',
      '{"a":"\t"}',
      '{"a":tru}',
      '{"a":[1,]}',
      '\ufeff{}',
      '{}x',
      '{"a":1}}',
      '{"a":+1}',
      '{"a":NaN}',
      '{"a":1}\u00a0',
    ]) {
      expect(() => JSON.parse(bad), bad).toThrow();
      expect(readTopLevelMembers(bad).ok, bad).toBe(false);
    }
    const deep = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(readTopLevelMembers(deep)).toMatchObject({ ok: false, reason: expect.stringMatching(/deep/) });
  });

  it('formats the timestamp in Beijing time', () => {
    expect(alipayTimestamp(Date.UTC(2024, 0, 31, 17, 5, 9))).toBe('2024-02-01 01:05:09');
  });
});
