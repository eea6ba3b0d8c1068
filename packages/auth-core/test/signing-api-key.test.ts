import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApiKeySignatureError,
  type ApiKeySignatureErrorCode,
  createApiKeyVerifier,
  createManualClock,
  legacyPresets,
  MemoryStore,
  SignatureError,
  signApiKeyRequest,
} from '../src/index.js';

const credentials = { keyId: 'key_1', secret: 'shh-its-a-secret' };
const start = Date.parse('2025-01-02T03:04:05Z');

function setup(windowSeconds = 300) {
  const clock = createManualClock(start);
  const store = new MemoryStore({ clock });
  const writes: string[] = [];
  const nonceStore = {
    setIfAbsent: (key: string, value: string, ttlMs: number) => {
      writes.push(key);
      return store.setIfAbsent(key, value, ttlMs);
    },
  };
  const verifier = createApiKeyVerifier({
    lookupSecret: async (keyId) => (keyId === credentials.keyId ? credentials.secret : undefined),
    nonceStore,
    windowSeconds,
    clock,
  });
  return { clock, verifier, writes };
}

async function codeOf(promise: Promise<unknown>): Promise<ApiKeySignatureErrorCode | 'OK'> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeySignatureError);
    expect(error).toBeInstanceOf(SignatureError);
    return (error as ApiKeySignatureError).code;
  }
}

describe('API-key signature: signing', () => {
  it('signs the documented canonical string with HMAC-SHA256 (straight-line check)', () => {
    const signed = signApiKeyRequest(
      {
        method: 'post',
        url: 'https://api.example.com/v1/sms/send?b=2&a=1&a=0',
        body: '{"to":"+8613800000000"}',
      },
      credentials,
      { clock: createManualClock(start), nonce: () => 'n0nce' },
    );
    const bodyHash = createHash('sha256').update('{"to":"+8613800000000"}').digest('hex');
    const canonical = `POST\n/v1/sms/send\na=0&a=1&b=2\n${bodyHash}\n1735787045\nn0nce`;
    expect(signed.canonicalString).toBe(canonical);
    expect(signed.signature).toBe(createHmac('sha256', credentials.secret).update(canonical).digest('hex'));
    expect(signed.headers).toEqual({
      'x-api-key-id': 'key_1',
      'x-api-timestamp': '1735787045',
      'x-api-nonce': 'n0nce',
      'x-api-signature': signed.signature,
    });
  });

  it('treats path + query like the same url, and `+` like %20 in the query', () => {
    const options = { clock: createManualClock(start), nonce: () => 'n' };
    const a = signApiKeyRequest({ method: 'GET', url: '/v1/x?q=a+b&z=1' }, credentials, options);
    const b = signApiKeyRequest(
      { method: 'GET', path: '/v1/x', query: { z: '1', q: 'a b' } },
      credentials,
      options,
    );
    const c = signApiKeyRequest(
      { method: 'GET', url: '/v1/x?q=a%20b', query: { z: '1' } },
      credentials,
      options,
    );
    expect(a.signature).toBe(b.signature);
    expect(c.signature).toBe(a.signature);
  });

  it('merges the url query and the query record into one sorted list (pins the shared canonical helper)', () => {
    const options = { clock: createManualClock(start), nonce: () => 'n' };
    const signed = signApiKeyRequest(
      { method: 'GET', url: '/v1/x?b=2&a=z&c=x%3Dy%26w&e', query: { a: ['y', ''], d: 'q r', c: 'x' } },
      credentials,
      options,
    );
    // By name, then by value; `=` and `&` inside a value stay encoded; an empty value keeps its `=`.
    expect(signed.canonicalString.split('\n')[2]).toBe('a=&a=y&a=z&b=2&c=x&c=x%3Dy%26w&d=q%20r&e=');
  });

  it('honours algorithm and header names', () => {
    const signed = signApiKeyRequest({ method: 'GET', url: '/' }, credentials, {
      algorithm: 'sha512',
      headerNames: { signature: 'X-Sig' },
      clock: createManualClock(start),
      nonce: () => 'n',
    });
    expect(signed.headers['X-Sig']).toHaveLength(128);
    expect(signed.headers['x-api-signature']).toBeUndefined();
  });

  it('throws SignatureError for missing credentials or url', () => {
    expect(() => signApiKeyRequest({ method: 'GET', url: '/' }, { keyId: 'k', secret: '' })).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_MISSING_CREDENTIALS' }),
    );
    expect(() => signApiKeyRequest({ method: 'GET' }, credentials)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_INVALID_INPUT' }),
    );
  });
});

describe('API-key signature: verification', () => {
  const request = { method: 'POST', url: '/v1/sms/send?lang=zh', body: '{"to":"+8613800000000"}' };

  it('accepts a signed request once; the replay is SIGNATURE_REUSED_NONCE', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest(request, credentials, { clock });
    await expect(verifier.verify({ ...request, headers: signed.headers })).resolves.toEqual({
      keyId: 'key_1',
    });
    expect(await codeOf(verifier.verify({ ...request, headers: signed.headers }))).toBe(
      'SIGNATURE_REUSED_NONCE',
    );
  });

  it('reads headers case-insensitively and from Node-style arrays', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest(request, credentials, { clock });
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(signed.headers)) headers[name.toUpperCase()] = [value];
    await expect(verifier.verify({ ...request, headers })).resolves.toEqual({ keyId: 'key_1' });
  });

  it('SIGNATURE_MISSING_HEADER for each missing or repeated header', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest(request, credentials, { clock });
    for (const name of Object.keys(signed.headers)) {
      const headers: Record<string, string | string[]> = { ...signed.headers };
      delete headers[name];
      expect(await codeOf(verifier.verify({ ...request, headers }))).toBe('SIGNATURE_MISSING_HEADER');
      headers[name] = [signed.headers[name] as string, 'other'];
      expect(await codeOf(verifier.verify({ ...request, headers }))).toBe('SIGNATURE_MISSING_HEADER');
    }
  });

  it('SIGNATURE_STALE_TIMESTAMP just outside the window either way, OK on its edge', async () => {
    const { clock, verifier } = setup(60);
    const signed = signApiKeyRequest(request, credentials, { clock });
    clock.advance(60_001);
    expect(await codeOf(verifier.verify({ ...request, headers: signed.headers }))).toBe(
      'SIGNATURE_STALE_TIMESTAMP',
    );
    clock.set(start - 60_001);
    expect(await codeOf(verifier.verify({ ...request, headers: signed.headers }))).toBe(
      'SIGNATURE_STALE_TIMESTAMP',
    );
    clock.set(start + 60_000);
    expect(await codeOf(verifier.verify({ ...request, headers: signed.headers }))).toBe('OK');
    const garbage = { ...signed.headers, 'x-api-timestamp': '12abc' };
    expect(await codeOf(verifier.verify({ ...request, headers: garbage }))).toBe('SIGNATURE_STALE_TIMESTAMP');
  });

  it('SIGNATURE_UNKNOWN_KEY for a key id the lookup does not know', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest(request, { keyId: 'key_2', secret: 'x' }, { clock });
    expect(await codeOf(verifier.verify({ ...request, headers: signed.headers }))).toBe(
      'SIGNATURE_UNKNOWN_KEY',
    );
  });

  it('SIGNATURE_INVALID for a wrong secret, and the nonce is NOT burned by it', async () => {
    const { clock, verifier, writes } = setup();
    const forged = signApiKeyRequest(
      request,
      { keyId: 'key_1', secret: 'wrong' },
      { clock, nonce: () => 'n1' },
    );
    expect(await codeOf(verifier.verify({ ...request, headers: forged.headers }))).toBe('SIGNATURE_INVALID');
    expect(writes).toEqual([]);
    const genuine = signApiKeyRequest(request, credentials, { clock, nonce: () => 'n1' });
    expect(await codeOf(verifier.verify({ ...request, headers: genuine.headers }))).toBe('OK');
    expect(writes).toEqual(['lingpai:api-key-nonce:key_1:n1']);
  });

  it('checks in order: headers, window, key, signature, nonce', async () => {
    const { clock, verifier } = setup();
    // Stale AND unknown key AND bad signature: the window check answers first.
    const signed = signApiKeyRequest(request, { keyId: 'nobody', secret: 'x' }, { clock });
    clock.advance(3_600_000);
    expect(await codeOf(verifier.verify({ ...request, headers: signed.headers }))).toBe(
      'SIGNATURE_STALE_TIMESTAMP',
    );
  });

  it('sign-then-verify always passes; any single change fails (property)', async () => {
    const part = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[A-Za-z0-9._~-]+$/.test(s));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
          path: fc.array(part, { minLength: 1, maxLength: 3 }).map((segments) => `/${segments.join('/')}`),
          query: fc.dictionary(part, fc.string({ maxLength: 10 }), { maxKeys: 3 }),
          body: fc.string({ maxLength: 40 }),
        }),
        fc.constantFrom('method', 'path', 'query', 'body', 'timestamp', 'nonce', 'none'),
        async (req, change) => {
          const { clock, verifier } = setup();
          const signed = signApiKeyRequest(req, credentials, { clock });
          const url = `${req.path}?${new URLSearchParams(req.query).toString()}`;
          const incoming = { method: req.method, url, body: req.body, headers: { ...signed.headers } };
          switch (change) {
            case 'method':
              incoming.method = req.method === 'GET' ? 'POST' : 'GET';
              break;
            case 'path':
              incoming.url = `${req.path}x?${new URLSearchParams(req.query).toString()}`;
              break;
            case 'query':
              incoming.url = `${url}&extra=1`;
              break;
            case 'body':
              incoming.body = `${req.body} `;
              break;
            case 'timestamp':
              incoming.headers['x-api-timestamp'] = String(Number(signed.timestamp) - 1);
              break;
            case 'nonce':
              incoming.headers['x-api-nonce'] = `${signed.nonce}0`;
              break;
            default:
              break;
          }
          expect(await codeOf(verifier.verify(incoming))).toBe(
            change === 'none' ? 'OK' : 'SIGNATURE_INVALID',
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('legacy presets', () => {
  const input = { apiKey: 'abc123xyz', apiSecret: 'abc987secret', timestamp: '1697880000', nonce: 'n' };

  it('compute the documented formulas', () => {
    expect(legacyPresets.sha256KeyTimestampSecret.sign(input)).toBe(
      createHash('sha256').update('abc123xyz1697880000abc987secret').digest('hex'),
    );
    expect(legacyPresets.md5KeyTimestampSecret.sign(input)).toBe(
      createHash('md5').update('abc123xyz1697880000abc987secret').digest('hex'),
    );
    expect(legacyPresets.hmacSha256TimestampNonce.sign(input)).toBe(
      createHmac('sha256', 'abc987secret').update('1697880000\nn').digest('hex'),
    );
  });

  it('verify what they sign (any hex case) and reject anything else', () => {
    for (const preset of Object.values(legacyPresets)) {
      const signature = preset.sign(input);
      expect(preset.verify({ ...input, signature })).toBe(true);
      expect(preset.verify({ ...input, signature: signature.toUpperCase() })).toBe(true);
      expect(preset.verify({ ...input, timestamp: '1697880001', signature })).toBe(false);
      expect(preset.verify({ ...input, signature: signature.slice(1) })).toBe(false);
    }
  });

  it('the nonce preset refuses to sign without a nonce', () => {
    expect(() => legacyPresets.hmacSha256TimestampNonce.sign({ ...input, nonce: undefined })).toThrow(
      SignatureError,
    );
  });
});
