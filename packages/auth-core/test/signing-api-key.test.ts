import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_CANONICAL_VERSION,
  type ApiKeyIncomingRequest,
  type ApiKeyNonceStore,
  ApiKeySignatureError,
  type ApiKeySignatureErrorCode,
  type ApiKeyVerifierOptions,
  createApiKeyVerifier,
  createManualClock,
  isLingpaiError,
  legacyPresets,
  type ManualClock,
  MemoryStore,
  SignatureError,
  signApiKeyRequest,
} from '../src/index.js';

const credentials = { keyId: 'key_1', secret: 'shh-its-a-secret' };
const start = Date.parse('2025-01-02T03:04:05Z');
const HOST = 'api.example.com';

function setup(windowSeconds = 300, extra: Partial<ApiKeyVerifierOptions> = {}) {
  const clock = createManualClock(start);
  const store = new MemoryStore({ clock });
  const writes: string[] = [];
  const counts: string[] = [];
  const nonceStore: ApiKeyNonceStore = {
    setIfAbsent: (key, value, ttlMs) => {
      writes.push(key);
      return store.setIfAbsent(key, value, ttlMs);
    },
    increment: (key, ttlMs, by) => {
      counts.push(`${key} ${by ?? 1}`);
      return store.increment(key, ttlMs, by);
    },
  };
  const verifier = createApiKeyVerifier({
    hosts: [HOST, 'api2.example.com'],
    lookupSecret: async (keyId) => (keyId === credentials.keyId ? credentials.secret : undefined),
    nonceStore,
    windowSeconds,
    clock,
    ...extra,
  });
  return { clock, verifier, writes, counts, store };
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
        url: 'https://API.example.com/v1/sms/send?b=2&a=1&a=0&debug',
        body: '{"to":"+8613800000000"}',
      },
      credentials,
      { clock: createManualClock(start), nonce: () => 'n0nce' },
    );
    const bodyHash = createHash('sha256').update('{"to":"+8613800000000"}').digest('hex');
    const canonical = `LINGPAI-API-KEY-V2\nPOST\napi.example.com\n/v1/sms/send\na=1&a=0&b=2&debug\n${bodyHash}\n1735787045\nn0nce`;
    expect(signed.canonicalString).toBe(canonical);
    expect(signed.canonicalString.split('\n')[0]).toBe(API_KEY_CANONICAL_VERSION);
    expect(signed.signature).toBe(createHmac('sha256', credentials.secret).update(canonical).digest('hex'));
    expect(signed.headers).toEqual({
      'x-api-key-id': 'key_1',
      'x-api-timestamp': '1735787045',
      'x-api-nonce': 'n0nce',
      'x-api-signature': signed.signature,
    });
  });

  it('treats path + query + host like the same absolute url, and `+` like %20 in the query', () => {
    const options = { clock: createManualClock(start), nonce: () => 'n' };
    const a = signApiKeyRequest(
      { method: 'GET', url: 'https://api.example.com/v1/x?q=a+b&z=1' },
      credentials,
      options,
    );
    const b = signApiKeyRequest(
      { method: 'GET', host: HOST, path: '/v1/x', query: { q: 'a b', z: '1' } },
      credentials,
      options,
    );
    const c = signApiKeyRequest(
      { method: 'GET', host: 'API.EXAMPLE.COM', url: '/v1/x?q=a%20b', query: { z: '1' } },
      credentials,
      options,
    );
    const d = signApiKeyRequest(
      { method: 'GET', url: 'https://api.example.com:443/v1/x?q=a%20b&z=1' },
      credentials,
      options,
    );
    expect(b.signature).toBe(a.signature);
    expect(c.signature).toBe(a.signature);
    expect(d.signature).toBe(a.signature);
  });

  it('sorts the query by name only: repeated names keep their order, url pairs before the record', () => {
    const options = { clock: createManualClock(start), nonce: () => 'n' };
    const signed = signApiKeyRequest(
      {
        method: 'GET',
        host: HOST,
        url: '/v1/x?b=2&a=z&c=x%3Dy%26w&e&f=',
        query: { a: ['y', ''], d: 'q r', c: 'x' },
      },
      credentials,
      options,
    );
    // `=` and `&` inside a value stay encoded; a bare name stays bare, an empty value keeps its `=`.
    expect(signed.canonicalString.split('\n')[4]).toBe('a=z&a=y&a=&b=2&c=x%3Dy%26w&c=x&d=q%20r&e&f=');
  });

  it('signs the raw wire path: escapes upper-cased, what cannot travel raw encoded, nothing decoded', () => {
    const options = { clock: createManualClock(start), nonce: () => 'n' };
    const path = (url: string) =>
      signApiKeyRequest({ method: 'GET', host: HOST, url }, credentials, options).canonicalString.split(
        '\n',
      )[3];
    expect(path('/v1/%e6%96%87/a%2fb')).toBe('/v1/%E6%96%87/a%2Fb');
    expect(path('/v1/文 |')).toBe('/v1/%E6%96%87%20%7C');
    expect(path('/v1//x/')).toBe('/v1//x/');
    expect(path('/adm%69n')).not.toBe(path('/admin'));
    expect(path('https://api.example.com')).toBe('/');
  });

  it('honours algorithm and header names', () => {
    const signed = signApiKeyRequest({ method: 'GET', host: HOST, url: '/' }, credentials, {
      algorithm: 'sha512',
      headerNames: { signature: 'X-Sig' },
      clock: createManualClock(start),
      nonce: () => 'n',
    });
    expect(signed.headers['X-Sig']).toHaveLength(128);
    expect(signed.headers['x-api-signature']).toBeUndefined();
  });

  it('throws SignatureError for missing credentials, url or host, or a host the url contradicts', () => {
    const invalid = expect.objectContaining({ code: 'SIGNATURE_INVALID_INPUT' });
    expect(() =>
      signApiKeyRequest({ method: 'GET', host: HOST, url: '/' }, { keyId: 'k', secret: '' }),
    ).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISSING_CREDENTIALS' }));
    expect(() => signApiKeyRequest({ method: 'GET', host: HOST }, credentials)).toThrow(invalid);
    expect(() => signApiKeyRequest({ method: 'GET', url: '/v1/x' }, credentials)).toThrow(invalid);
    expect(() =>
      signApiKeyRequest(
        { method: 'GET', host: 'staging.example.com', url: 'https://api.example.com/' },
        credentials,
      ),
    ).toThrow(invalid);
    expect(() => signApiKeyRequest({ method: 'GET', host: 'a b', url: '/' }, credentials)).toThrow(invalid);
    expect(() => signApiKeyRequest({ method: 'GET\n/admin', host: HOST, url: '/' }, credentials)).toThrow(
      invalid,
    );
  });
});

const request = { method: 'POST', url: '/v1/sms/send?lang=zh', body: '{"to":"+8613800000000"}' };
const incoming = (headers: Record<string, string>, overrides: Partial<ApiKeyIncomingRequest> = {}) => ({
  ...request,
  headers: { host: HOST, ...headers },
  ...overrides,
});
const sign = (clock: ManualClock, options: { nonce?: () => string; keyId?: string; secret?: string } = {}) =>
  signApiKeyRequest(
    { ...request, host: HOST },
    { keyId: options.keyId ?? credentials.keyId, secret: options.secret ?? credentials.secret },
    { clock, ...(options.nonce === undefined ? {} : { nonce: options.nonce }) },
  );

describe('API-key signature: verification', () => {
  it('accepts a signed request once; the replay is SIGNATURE_REUSED_NONCE', async () => {
    const { clock, verifier } = setup();
    const signed = sign(clock);
    await expect(verifier.verify(incoming(signed.headers))).resolves.toEqual({ keyId: 'key_1' });
    expect(await codeOf(verifier.verify(incoming(signed.headers)))).toBe('SIGNATURE_REUSED_NONCE');
  });

  it('takes the host from an absolute url, the framework, `Host` or `:authority`, in that order', async () => {
    const { clock, verifier } = setup();
    const { host: _, ...noHost } = incoming(sign(clock).headers).headers;
    expect(await codeOf(verifier.verify({ ...request, headers: noHost }))).toBe('SIGNATURE_WRONG_HOST');
    for (const variant of [
      { url: `https://${HOST}${request.url}`, headers: { ...noHost, host: 'evil.example' } },
      { host: 'API.example.com', headers: { ...noHost, host: 'evil.example' } },
      { headers: { ...noHost, ':authority': HOST } },
      { headers: { ...noHost, host: HOST, ':authority': HOST } },
    ]) {
      const signed = sign(clock);
      const headers = { ...variant.headers, ...signed.headers };
      expect(await codeOf(verifier.verify({ ...request, ...variant, headers }))).toBe('OK');
    }
    const signed = sign(clock);
    const ambiguous = { ...signed.headers, host: HOST, ':authority': 'api2.example.com' };
    expect(await codeOf(verifier.verify({ ...request, headers: ambiguous }))).toBe('SIGNATURE_WRONG_HOST');
  });

  it('reads headers case-insensitively and from Node-style arrays', async () => {
    const { clock, verifier } = setup();
    const signed = sign(clock);
    const headers: Record<string, string | string[]> = { Host: [HOST] };
    for (const [name, value] of Object.entries(signed.headers)) headers[name.toUpperCase()] = [value];
    await expect(verifier.verify({ ...request, headers })).resolves.toEqual({ keyId: 'key_1' });
  });

  it('SIGNATURE_MISSING_HEADER for each missing or repeated header', async () => {
    const { clock, verifier } = setup();
    const signed = sign(clock);
    for (const name of Object.keys(signed.headers)) {
      const headers: Record<string, string | string[]> = { host: HOST, ...signed.headers };
      delete headers[name];
      expect(await codeOf(verifier.verify({ ...request, headers }))).toBe('SIGNATURE_MISSING_HEADER');
      headers[name] = [signed.headers[name] as string, 'other'];
      expect(await codeOf(verifier.verify({ ...request, headers }))).toBe('SIGNATURE_MISSING_HEADER');
    }
  });

  it('SIGNATURE_STALE_TIMESTAMP just outside the window either way, OK on its edge', async () => {
    const { clock, verifier } = setup(60);
    const signed = sign(clock);
    clock.advance(60_001);
    expect(await codeOf(verifier.verify(incoming(signed.headers)))).toBe('SIGNATURE_STALE_TIMESTAMP');
    clock.set(start - 60_001);
    expect(await codeOf(verifier.verify(incoming(signed.headers)))).toBe('SIGNATURE_STALE_TIMESTAMP');
    clock.set(start + 60_000);
    expect(await codeOf(verifier.verify(incoming(signed.headers)))).toBe('OK');
    const garbage = { ...signed.headers, 'x-api-timestamp': '12abc' };
    expect(await codeOf(verifier.verify(incoming(garbage)))).toBe('SIGNATURE_STALE_TIMESTAMP');
  });

  it('SIGNATURE_UNKNOWN_KEY for a key id the lookup does not know', async () => {
    const { clock, verifier } = setup();
    const signed = sign(clock, { keyId: 'key_2', secret: 'x' });
    expect(await codeOf(verifier.verify(incoming(signed.headers)))).toBe('SIGNATURE_UNKNOWN_KEY');
  });

  it('SIGNATURE_INVALID for a wrong secret, and neither the nonce nor the allowance is burned by it', async () => {
    const { clock, verifier, writes, counts } = setup();
    const forged = sign(clock, { secret: 'wrong', nonce: () => 'n1' });
    expect(await codeOf(verifier.verify(incoming(forged.headers)))).toBe('SIGNATURE_INVALID');
    expect(writes).toEqual([]);
    expect(counts).toEqual([]);
    const genuine = sign(clock, { nonce: () => 'n1' });
    expect(await codeOf(verifier.verify(incoming(genuine.headers)))).toBe('OK');
    expect(writes).toEqual(['lingpai:api-key-nonce:key_1:n1']);
    expect(counts).toEqual(['lingpai:api-key-nonce:key_1#count 1']);
  });

  it('checks in order: headers, window, target, host, key, signature, nonce', async () => {
    const { clock, verifier } = setup();
    // Stale AND wrong host AND unknown key AND bad signature: the window check answers first.
    const signed = sign(clock, { keyId: 'nobody', secret: 'x' });
    clock.advance(3_600_000);
    const stale = incoming(signed.headers, {
      url: '/x/../admin',
      headers: { ...signed.headers, host: 'evil' },
    });
    expect(await codeOf(verifier.verify(stale))).toBe('SIGNATURE_STALE_TIMESTAMP');
    clock.set(start);
    expect(await codeOf(verifier.verify(stale))).toBe('SIGNATURE_INVALID');
    const wrongHost = incoming(signed.headers, { headers: { ...signed.headers, host: 'evil' } });
    expect(await codeOf(verifier.verify(wrongHost))).toBe('SIGNATURE_WRONG_HOST');
    expect(await codeOf(verifier.verify(incoming(signed.headers)))).toBe('SIGNATURE_UNKNOWN_KEY');
  });

  it('refuses options that cannot be safe at construction, naming the fix', () => {
    const base = { lookupSecret: async () => 's', nonceStore: new MemoryStore(), hosts: [HOST] };
    expect(() => createApiKeyVerifier({ ...base, hosts: undefined as unknown as string[] })).toThrow(
      /`hosts` is undefined — it is required/,
    );
    expect(() => createApiKeyVerifier({ ...base, hosts: [] })).toThrow(
      /`hosts` is an empty list — it is required/,
    );
    expect(() => createApiKeyVerifier({ ...base, hosts: ['https://api.example.com'] })).toThrow(
      /host\[:port\]/,
    );
    const setOnly = { setIfAbsent: async () => true } as unknown as ApiKeyNonceStore;
    expect(() => createApiKeyVerifier({ ...base, nonceStore: setOnly })).toThrow(/increment/);
    for (const maxNoncesPerKey of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => createApiKeyVerifier({ ...base, maxNoncesPerKey })).toThrow(/`maxNoncesPerKey` must be/);
    }
    expect(() => createApiKeyVerifier({ ...base, windowSeconds: 0 })).toThrow(/`windowSeconds` must be/);
  });

  it('sign-then-verify always passes; any single change fails (property)', async () => {
    const part = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((s) => /^[A-Za-z0-9._~-]+$/.test(s) && s !== '.' && s !== '..');
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
          path: fc.array(part, { minLength: 1, maxLength: 3 }).map((segments) => `/${segments.join('/')}`),
          query: fc.dictionary(part, fc.string({ maxLength: 10 }), { maxKeys: 3 }),
          body: fc.string({ maxLength: 40 }),
        }),
        fc.constantFrom('method', 'host', 'path', 'query', 'body', 'timestamp', 'nonce', 'none'),
        async (req, change) => {
          const { clock, verifier } = setup();
          const signed = signApiKeyRequest({ ...req, host: HOST }, credentials, { clock });
          const url = `${req.path}?${new URLSearchParams(req.query).toString()}`;
          const headers: Record<string, string> = { host: HOST, ...signed.headers };
          const received = { method: req.method, url, body: req.body, headers };
          switch (change) {
            case 'method':
              received.method = req.method === 'GET' ? 'POST' : 'GET';
              break;
            case 'host':
              headers.host = 'api2.example.com';
              break;
            case 'path':
              received.url = `${req.path}x?${new URLSearchParams(req.query).toString()}`;
              break;
            case 'query':
              received.url = `${url}&extra=1`;
              break;
            case 'body':
              received.body = `${req.body} `;
              break;
            case 'timestamp':
              headers['x-api-timestamp'] = String(Number(signed.timestamp) - 1);
              break;
            case 'nonce':
              headers['x-api-nonce'] = `${signed.nonce}0`;
              break;
            default:
              break;
          }
          expect(await codeOf(verifier.verify(received))).toBe(
            change === 'none' ? 'OK' : 'SIGNATURE_INVALID',
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

// Attacks from the independent review of @lingpai/auth-core; each passed (was accepted) before the fix.
describe('API-key signature: attacks', () => {
  const body = '{"to":"+8613800000000"}';

  it('a signature made for staging does not verify on production (attack: cross-host replay)', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest(
      { method: 'POST', url: 'https://staging.example.com/v1/sms/send', body },
      credentials,
      { clock },
    );
    const replay = (host: string) =>
      verifier.verify({ method: 'POST', url: '/v1/sms/send', body, headers: { host, ...signed.headers } });
    expect(await codeOf(replay(HOST))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(replay('staging.example.com'))).toBe('SIGNATURE_WRONG_HOST');
    const absolute = {
      method: 'POST',
      url: 'https://api.example.com/v1/sms/send',
      body,
      headers: signed.headers,
    };
    expect(await codeOf(verifier.verify(absolute))).toBe('SIGNATURE_INVALID');
  });

  it('a signature for /admin does not verify for a path that only normalises to /admin (attack: path confusion)', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest({ method: 'GET', host: HOST, url: '/admin' }, credentials, { clock });
    const tricks = [
      '//evil/admin',
      '/x/../admin',
      '/x/%2e%2e/admin',
      '/x/%2E%2e/admin',
      '/x/.%2E/admin',
      '/./admin',
      '/x/..;/admin',
      '/x%2f..%2fadmin',
      '\\admin',
      '/x\\..\\admin',
      '/%5cadmin',
      '/%2Fevil/admin',
      'https://api.example.com//evil/admin',
      'https://api.example.com/x/../admin',
    ];
    for (const url of tricks) {
      expect(
        await codeOf(verifier.verify({ method: 'GET', url, headers: { host: HOST, ...signed.headers } })),
        url,
      ).toBe('SIGNATURE_INVALID');
      // The signer refuses them too, so no client can produce a signature the server would read two ways.
      expect(() => signApiKeyRequest({ method: 'GET', host: HOST, url }, credentials), url).toThrow(
        expect.objectContaining({ code: 'SIGNATURE_INVALID_INPUT' }),
      );
    }
    expect(
      await codeOf(
        verifier.verify({ method: 'GET', url: '/admin', headers: { host: HOST, ...signed.headers } }),
      ),
    ).toBe('OK');
  });

  it('repeated query values are signed in their order (attack: to=a&to=b verified as to=b&to=a)', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest({ method: 'GET', host: HOST, url: '/v1/send?to=a&to=b' }, credentials, {
      clock,
    });
    const swapped = { method: 'GET', url: '/v1/send?to=b&to=a', headers: { host: HOST, ...signed.headers } };
    expect(await codeOf(verifier.verify(swapped))).toBe('SIGNATURE_INVALID');
    const same = { method: 'GET', url: '/v1/send?to=a&to=b', headers: { host: HOST, ...signed.headers } };
    expect(await codeOf(verifier.verify(same))).toBe('OK');
  });

  it('?debug and ?debug= are different requests (attack: a bare flag verified as an empty value)', async () => {
    const { clock, verifier } = setup();
    const signed = signApiKeyRequest({ method: 'GET', host: HOST, url: '/v1/x?debug' }, credentials, {
      clock,
    });
    const withEquals = { method: 'GET', url: '/v1/x?debug=', headers: { host: HOST, ...signed.headers } };
    expect(await codeOf(verifier.verify(withEquals))).toBe('SIGNATURE_INVALID');
    const bare = { method: 'GET', url: '/v1/x?debug', headers: { host: HOST, ...signed.headers } };
    expect(await codeOf(verifier.verify(bare))).toBe('OK');
  });

  it("a key id containing ':' cannot burn another key id's nonce (attack: nonce-slot collision)", async () => {
    const clock = createManualClock(start);
    const secrets = new Map([
      ['tenant', 'secret-a'],
      ['tenant:b', 'secret-b'],
    ]);
    const verifier = createApiKeyVerifier({
      hosts: [HOST],
      lookupSecret: async (keyId) => secrets.get(keyId),
      nonceStore: new MemoryStore({ clock }),
      clock,
    });
    const send = (keyId: string, nonce: string) => {
      const signed = signApiKeyRequest(
        { method: 'GET', host: HOST, url: '/v1/x' },
        { keyId, secret: secrets.get(keyId) as string },
        { clock, nonce: () => nonce },
      );
      return verifier.verify({ method: 'GET', url: '/v1/x', headers: { host: HOST, ...signed.headers } });
    };
    // Old slot: prefix + keyId + ':' + nonce, so both of these were `…tenant:b:n1`.
    expect(await codeOf(send('tenant', 'b:n1'))).toBe('OK');
    expect(await codeOf(send('tenant:b', 'n1'))).toBe('OK');
  });

  it("one key id's flood cannot push out another key's nonce (attack: fill the store, then replay)", async () => {
    const clock = createManualClock(start);
    const secrets = new Map([
      ['victim', 'victim-secret'],
      ['flooder', 'flooder-secret'],
    ]);
    const verifier = createApiKeyVerifier({
      hosts: [HOST],
      lookupSecret: async (keyId) => secrets.get(keyId),
      nonceStore: new MemoryStore({ clock, maxEntries: 50 }),
      maxNoncesPerKey: 10,
      clock,
    });
    const signAs = (keyId: string) =>
      signApiKeyRequest(
        { method: 'POST', host: HOST, url: '/v1/pay', body },
        { keyId, secret: secrets.get(keyId) as string },
        { clock },
      );
    const verify = (headers: Record<string, string>) =>
      verifier.verify({ method: 'POST', url: '/v1/pay', body, headers: { host: HOST, ...headers } });
    const captured = signAs('victim').headers;
    expect(await codeOf(verify(captured))).toBe('OK');
    // The flooder holds a real key and signs maxEntries requests of its own.
    const outcomes: string[] = [];
    for (let index = 0; index < 60; index += 1)
      outcomes.push(await codeOf(verify(signAs('flooder').headers)));
    // The victim's captured request is still refused, and the victim itself is not blocked.
    expect(await codeOf(verify(captured))).toBe('SIGNATURE_REUSED_NONCE');
    expect(await codeOf(verify(signAs('victim').headers))).toBe('OK');
    // Only the flooder is: its own allowance ran out.
    expect(outcomes.filter((code) => code === 'OK')).toHaveLength(10);
    expect(outcomes.filter((code) => code === 'SIGNATURE_NONCE_LIMIT')).toHaveLength(50);
  });

  it('a full nonce store refuses with SIGNATURE_NONCE_STORE_FULL and never accepts a replay (attack: many keys fill it)', async () => {
    const clock = createManualClock(start);
    const verifier = createApiKeyVerifier({
      hosts: [HOST],
      lookupSecret: async (keyId) => `secret-of-${keyId}`,
      nonceStore: new MemoryStore({ clock, maxEntries: 20 }),
      maxNoncesPerKey: 3,
      clock,
    });
    const send = (keyId: string, headers?: Record<string, string>) => {
      const signed =
        headers ??
        signApiKeyRequest(
          { method: 'GET', host: HOST, url: '/' },
          { keyId, secret: `secret-of-${keyId}` },
          { clock },
        ).headers;
      return {
        headers: signed,
        result: codeOf(verifier.verify({ method: 'GET', url: '/', headers: { host: HOST, ...signed } })),
      };
    };
    const first = send('k0');
    expect(await first.result).toBe('OK');
    const outcomes: string[] = [];
    for (let index = 0; index < 30; index += 1) outcomes.push(await send(`k${index % 10}`).result);
    expect(await send('k0', first.headers).result).toBe('SIGNATURE_REUSED_NONCE');
    expect(outcomes).toContain('SIGNATURE_NONCE_STORE_FULL');
    expect(outcomes.filter((code) => code === 'OK').length).toBeLessThanOrEqual(19);
    // Once the nonces expire, the store has room again.
    clock.advance(600_001);
    expect(await send('k0').result).toBe('OK');
  });

  it("replaying a captured request does not use up its key id's allowance", async () => {
    const { clock, verifier } = setup(300, { maxNoncesPerKey: 3 });
    const captured = sign(clock);
    const verify = (headers: Record<string, string>) => codeOf(verifier.verify(incoming(headers)));
    expect(await verify(captured.headers)).toBe('OK');
    for (let index = 0; index < 20; index += 1)
      expect(await verify(captured.headers)).toBe('SIGNATURE_REUSED_NONCE');
    expect(await verify(sign(clock).headers)).toBe('OK');
    expect(await verify(sign(clock).headers)).toBe('OK');
    expect(await verify(sign(clock).headers)).toBe('SIGNATURE_NONCE_LIMIT');
    // The counter's window is the nonces' lifetime: after it the key id has its allowance again.
    clock.advance(600_000);
    expect(await verify(sign(clock).headers)).toBe('OK');
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

  it('verify refuses a missing signature with a typed error, not a TypeError (regression: a 500 where a 401 belongs)', () => {
    for (const preset of Object.values(legacyPresets)) {
      for (const signature of [undefined, null, '', 42]) {
        let thrown: unknown;
        try {
          preset.verify({ ...input, signature: signature as unknown as string });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ApiKeySignatureError);
        expect(isLingpaiError(thrown, 'SIGNATURE_MISSING_HEADER')).toBe(true);
      }
      const signature = preset.sign(input);
      expect(() => preset.verify({ ...input, timestamp: '', signature })).toThrow(
        expect.objectContaining({ code: 'SIGNATURE_MISSING_HEADER' }),
      );
    }
    const signature = legacyPresets.hmacSha256TimestampNonce.sign(input);
    expect(() =>
      legacyPresets.hmacSha256TimestampNonce.verify({ ...input, nonce: undefined, signature }),
    ).toThrow(expect.objectContaining({ code: 'SIGNATURE_MISSING_HEADER' }));
  });

  it('an empty secret is refused, never accepted (attack: a missing secret lets anyone sign)', () => {
    for (const preset of Object.values(legacyPresets)) {
      // What an attacker computes when the server's secret lookup came back empty.
      const forged =
        preset === legacyPresets.hmacSha256TimestampNonce
          ? createHmac('sha256', '').update(`${input.timestamp}\n${input.nonce}`).digest('hex')
          : createHash(preset === legacyPresets.md5KeyTimestampSecret ? 'md5' : 'sha256')
              .update(`${input.apiKey}${input.timestamp}`)
              .digest('hex');
      expect(() => preset.verify({ ...input, apiSecret: '', signature: forged })).toThrow(
        expect.objectContaining({ code: 'SIGNATURE_MISSING_CREDENTIALS' }),
      );
      expect(() => preset.sign({ ...input, apiSecret: '' })).toThrow(
        expect.objectContaining({ code: 'SIGNATURE_MISSING_CREDENTIALS' }),
      );
    }
  });
});
