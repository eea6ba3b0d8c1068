import { generateKeyPairSync, sign } from 'node:crypto';
import { createManualClock, MemoryStore } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { ClientRegistry } from '../src/clients/client-registry.js';
import { ConfigError } from '../src/errors.js';
import { hasDuplicateKey } from '../src/http/json-duplicate-keys.js';
import type { Database } from '../src/storage/database.js';
import { backends, basic, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';

/**
 * An adversary's review of the token server: one test per attack, named after it. Those marked
 * "fixed" failed on the code before the fix; the rest pin what held.
 */

const PASSWORD = 'DemoPass123!@#';
const PHONE = '+86 13800138000';

type Headers = Record<string, string>;

describe.each(backends())('attack review on %s', (_name, backend) => {
  let server: TestServer;
  let confSecret: string;
  let otherSecret: string;

  const post = (url: string, payload: unknown, headers: Headers = {}, remoteAddress?: string) =>
    server.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  const password = (username: string, pass: string, headers: Headers = {}, remoteAddress?: string) =>
    post(
      `/auth/v1/token?client_id=${ENV_ID}`,
      { grant_type: 'password', username, password: pass },
      headers,
      remoteAddress,
    );
  const confSignIn = async (deviceId: string) => {
    const response = await post(
      '/auth/v1/token',
      { grant_type: 'password', username: 'zhangsan', password: PASSWORD, scope: 'user' },
      { authorization: basic('conf', confSecret), 'x-device-id': deviceId },
    );
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { access_token: string; refresh_token: string };
  };
  const confRefresh = (refreshToken: string, deviceId: string) =>
    post(
      '/auth/v1/token',
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { authorization: basic('conf', confSecret), 'x-device-id': deviceId },
    );
  const introspectOwn = async (accessToken: string) =>
    (
      await server.app.inject({
        method: 'GET',
        url: '/auth/v1/token/introspect',
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json() as Record<string, unknown>;

  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addUser('zhangsan', PASSWORD);
    await server.app.lingpai.users.create({ phoneNumber: PHONE, password: PASSWORD });
    confSecret = (await server.addClient({
      id: 'conf',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken, GRANT_TYPES.clientCredentials],
      scopes: ['user', 'api'],
      refreshGraceSeconds: 10,
      corsOrigins: ['https://app.example.com'],
    })) as string;
    otherSecret = (await server.addClient({
      id: 'other',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user'],
    })) as string;
    await server.addClient({
      id: 'pub',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user'],
    });
  });
  afterAll(async () => server?.close());

  // ── fixed ────────────────────────────────────────────────────────────────────────────────────

  it('NUL byte injection: a \\u0000 in a username or a client_id (body, query, Basic) is a 400, not a 500', async () => {
    const answers = [
      await password('zhang\u0000san', 'x'),
      await post('/auth/v1/token', {
        grant_type: 'password',
        client_id: 'a\u0000',
        username: 'a',
        password: 'x',
      }),
      await post('/auth/v1/token?client_id=%00', { grant_type: 'password', username: 'a', password: 'x' }),
      await post(
        '/auth/v1/token',
        { grant_type: 'client_credentials' },
        { authorization: basic('conf\u0000', confSecret) },
      ),
    ];
    for (const answer of answers) {
      expect(answer.statusCode, answer.body).toBeLessThan(500);
      expect(answer.json()).toHaveProperty('error');
    }
    expect(answers[0]!.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('lockout bypass by respelling a phone number (+86, +86␠, +86\\t, +86\\u3000…): one identity, no fresh guesses', async () => {
    const ip = '198.51.100.7';
    for (let i = 0; i < 5; i++) {
      expect((await password('+8613800138000', `wrong-${i}`, {}, ip)).statusCode).toBe(400);
    }
    // Each of these reaches the same account; before, each one opened a fresh (username, IP) budget.
    for (const spelling of [
      '+86 13800138000',
      '+86  13800138000',
      '+86\t13800138000',
      '+86\ufeff13800138000',
    ]) {
      const answer = await password(spelling, PASSWORD, {}, ip);
      expect(answer.statusCode, spelling).toBe(429);
      expect(answer.json()).toMatchObject({ error: 'rate_limit_exceeded' });
    }
  });

  it('CORS on interaction routes through a percent-encoded path (/auth/v1/%69nteraction): no CORS headers', async () => {
    for (const method of ['OPTIONS', 'GET'] as const) {
      const answer = await server.app.inject({
        method,
        url: '/auth/v1/%69nteraction/abc',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
      });
      expect(answer.headers['access-control-allow-origin'], method).toBeUndefined();
    }
    // The token endpoint still answers the registered origin.
    const token = await server.app.inject({
      method: 'OPTIONS',
      url: '/auth/v1/token',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(token.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('duplicate JSON keys ({"grant_type":"password","grant_type":"client_credentials"}) are refused like duplicate form parameters', async () => {
    for (const body of [
      '{"grant_type":"password","grant_type":"client_credentials"}',
      '{"grant_type":"password","grant_typ\\u0065":"client_credentials"}',
    ]) {
      const answer = await post('/auth/v1/token', body, { authorization: basic('conf', confSecret) });
      expect(answer.statusCode, body).toBe(400);
      expect(answer.json()).toMatchObject({ error: 'invalid_request' });
    }
    const form = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('conf', confSecret),
      },
      payload: 'grant_type=password&grant_type=client_credentials',
    });
    expect(form.statusCode).toBe(400);
  });

  it('grant_type naming an Object.prototype member (toString, constructor, __proto__, hasOwnProperty) (fixed): unsupported_grant_type, not a 200 or a 500', async () => {
    for (const grantType of [
      'toString',
      'constructor',
      '__proto__',
      'hasOwnProperty',
      'valueOf',
      '__defineGetter__',
    ]) {
      const callers: Headers[] = [{}, { authorization: basic('conf', confSecret) }];
      for (const headers of callers) {
        const answer = await post('/auth/v1/token', { grant_type: grantType }, headers);
        expect(answer.statusCode, grantType).toBe(400);
        expect(answer.json()).toMatchObject({ error: 'unsupported_grant_type' });
      }
    }
  });

  it('charset confusion: a body declared as UTF-16 or latin1 is refused (415), UTF-8 in any spelling is read', async () => {
    const body = JSON.stringify({ grant_type: 'client_credentials' });
    for (const type of [
      'application/json; charset=utf-16',
      'text/plain;charset=latin1',
      'application/x-www-form-urlencoded; charset=utf-16',
    ]) {
      const answer = await post('/auth/v1/token', body, {
        'content-type': type,
        authorization: basic('conf', confSecret),
      });
      expect(answer.statusCode, type).toBe(415);
    }
    for (const type of ['application/json; charset="UTF-8"', 'text/plain;charset=utf8', 'APPLICATION/JSON']) {
      const answer = await post('/auth/v1/token', body, {
        'content-type': type,
        authorization: basic('conf', confSecret),
      });
      expect(answer.statusCode, type).toBe(200);
    }
  });

  it('charset confusion in forms (fixed): an ISO-8859-1 form is read as latin-1, so an accented password matches', async () => {
    await server.addUser('latin', 'Démo-Pass-123!');
    const answer = await server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${ENV_ID}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' },
      payload: 'grant_type=password&username=latin&password=D%E9mo-Pass-123%21',
    });
    expect(answer.statusCode, answer.body).toBe(200);
  });

  it('scope widening to admin through a user grant: a client that signs users in cannot hold the admin scope', async () => {
    await expect(
      server.app.lingpai.clients.add({
        id: 'mixed-admin',
        kind: 'confidential',
        grantTypes: [GRANT_TYPES.password, GRANT_TYPES.clientCredentials],
        scopes: ['admin', 'user'],
      }),
    ).rejects.toThrow(ConfigError);
  });

  // ── held (regressions) ──────────────────────────────────────────────────────────────────────

  it('client impersonation: public client with a secret, Basic id vs body client_id, case and look-alike ids', async () => {
    const attempts: Array<[string, Headers, Record<string, string>, string?]> = [
      ['public client presenting a secret', {}, { client_id: 'pub', client_secret: 'x'.repeat(24) }],
      [
        'Basic confidential id, body client_id of the env client',
        { authorization: basic('conf', confSecret) },
        { client_id: ENV_ID },
      ],
      [
        'Basic confidential id, query client_id of the env client',
        { authorization: basic('conf', confSecret) },
        {},
        `/auth/v1/token?client_id=${ENV_ID}`,
      ],
      [
        'Basic env id (no secret), confidential secret in the body',
        { authorization: basic(ENV_ID, '') },
        { client_secret: confSecret },
      ],
      ['upper-case id', { authorization: basic('CONF', confSecret) }, {}],
      ['zero-width look-alike id', { authorization: basic('conf\u200b', confSecret) }, {}],
      ['10 KB id', { authorization: basic('c'.repeat(10_000), confSecret) }, {}],
      ['another client’s secret', { authorization: basic('conf', otherSecret) }, {}],
    ];
    for (const [name, headers, extra, url] of attempts) {
      const answer = await post(
        url ?? '/auth/v1/token',
        { grant_type: 'client_credentials', ...extra },
        headers,
      );
      expect([400, 401], name).toContain(answer.statusCode);
    }
  });

  it('X-Forwarded-For rotation with TRUST_PROXY off, and IPv6 rotation inside one /64, share one lockout', async () => {
    for (let i = 0; i < 5; i++) {
      await password('zhangsan', `wrong-${i}`, { 'x-forwarded-for': `203.0.113.${i}` }, '192.0.2.1');
    }
    expect(
      (await password('zhangsan', PASSWORD, { 'x-forwarded-for': '203.0.113.99' }, '192.0.2.1')).statusCode,
    ).toBe(429);
    for (let i = 1; i <= 5; i++) await password('zhangsan', `wrong-${i}`, {}, `2001:db8:1:2::${i}`);
    expect((await password('zhangsan', PASSWORD, {}, '2001:db8:1:2:ffff::9')).statusCode).toBe(429);
  });

  it('a client IP allow-list entry that is not an address (fixed) is refused at registration, not a 500 on every request', async () => {
    await expect(
      server.app.lingpai.clients.add({
        id: 'bad-allow',
        kind: 'confidential',
        grantTypes: [GRANT_TYPES.clientCredentials],
        scopes: ['api'],
        ipAllow: ['10.0.0.0/8', 'intranet'],
      }),
    ).rejects.toThrow(ConfigError);
  });

  it('lockout key variants: case and NFKC spellings of a username share one (username, IP) lockout', async () => {
    const ip = '198.51.100.77';
    for (let i = 0; i < 5; i++) await password('zhangsan', `wrong-${i}`, {}, ip);
    for (const spelling of [
      'ZHANGSAN',
      'Zhangsan',
      '\uff3ahangsan',
      '\uff3a\uff28\uff21\uff2e\uff27\uff33\uff21\uff2e',
    ]) {
      expect((await password(spelling, PASSWORD, {}, ip)).statusCode, spelling).toBe(429);
    }
  });

  it('prototype pollution through JSON and form bodies (__proto__, constructor.prototype) changes nothing', async () => {
    const bodies: Array<[string, string]> = [
      ['application/json', '{"grant_type":"client_credentials","__proto__":{"polluted":1}}'],
      ['application/json', '{"grant_type":"client_credentials","constructor":{"prototype":{"polluted":1}}}'],
      ['application/json', '{"grant_type":"client_credentials","x":{"__proto__":{"polluted":1}}}'],
      [
        'application/x-www-form-urlencoded',
        'grant_type=client_credentials&__proto__=polluted&constructor=polluted&__proto__%5Bpolluted%5D=1',
      ],
    ];
    for (const [type, body] of bodies) {
      const answer = await post('/auth/v1/token', body, {
        'content-type': type,
        authorization: basic('conf', confSecret),
      });
      expect(answer.statusCode, body).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('CORS for the null origin and for the origin of a removed client: none', async () => {
    await server.addClient({
      id: 'spa-gone',
      kind: 'public',
      grantTypes: [GRANT_TYPES.refreshToken],
      corsOrigins: ['https://gone.example.com'],
    });
    const preflight = (origin: string) =>
      server.app.inject({
        method: 'OPTIONS',
        url: '/auth/v1/token',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect((await preflight('https://gone.example.com')).headers['access-control-allow-origin']).toBe(
      'https://gone.example.com',
    );
    await server.app.lingpai.clients.remove('spa-gone');
    expect(
      (await preflight('https://gone.example.com')).headers['access-control-allow-origin'],
    ).toBeUndefined();
    expect((await preflight('null')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('error messages echoing credentials: no refusal repeats a password, secret, token or code it was given', async () => {
    const marker = 'Zq7MARKERzq7';
    const bodies: Array<[Record<string, unknown>, Headers?]> = [
      [{ grant_type: 'password', username: 'zhangsan', password: marker }],
      [{ grant_type: 'password', username: 'zhangsan', password: `${marker}${'x'.repeat(1_100)}` }],
      [{ grant_type: 'password', username: 'zhangsan', password: { value: marker } }],
      [{ grant_type: 'client_credentials', client_id: 'conf', client_secret: marker }],
      [{ grant_type: 'client_credentials', client_id: 'conf', client_secret: `${marker}${'x'.repeat(600)}` }],
      [{ grant_type: 'refresh_token', refresh_token: `lpr.${marker}` }],
      [
        {
          grant_type: 'authorization_code',
          code: marker,
          redirect_uri: 'https://x.example/cb',
          code_verifier: marker,
        },
      ],
      [{ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: marker }],
      [{ grant_type: 'client_credentials' }, { authorization: basic('conf', marker) }],
      [{ grant_type: 'client_credentials' }, { authorization: `Basic ${marker}` }],
    ];
    for (const [body, headers] of bodies) {
      const answer = await post('/auth/v1/token', body, headers);
      expect(answer.statusCode).toBeGreaterThanOrEqual(400);
      expect(answer.body).not.toContain(marker);
    }
    const query = await server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?password=${marker}`,
      payload: {},
    });
    expect(query.statusCode).toBe(400);
    expect(query.body).not.toContain(marker);
  });

  it('refresh token theft across clients: another client (confidential or public) cannot use, introspect or revoke it', async () => {
    const tokens = await confSignIn('theft-device');
    const byOther = await post(
      '/auth/v1/token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      { authorization: basic('other', otherSecret) },
    );
    const byPublic = await post('/auth/v1/token?client_id=pub', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(byOther.json()).toMatchObject({ error: 'invalid_grant' });
    expect(byPublic.json()).toMatchObject({ error: 'invalid_grant' });
    for (const token of [tokens.access_token, tokens.refresh_token]) {
      const seen = await post(
        '/auth/v1/token/introspect',
        { token },
        { authorization: basic('other', otherSecret) },
      );
      expect(seen.json()).toEqual({ active: false });
      expect(
        (await post('/auth/v1/revoke', { token }, { authorization: basic('other', otherSecret) })).json(),
      ).toEqual({});
      // CloudBase's unauthenticated {token} revoke, under another public client's id or the env default.
      expect((await post('/auth/v1/revoke?client_id=pub', { token })).json()).toEqual({});
      expect((await post('/auth/v1/revoke', { token })).json()).toEqual({});
    }
    // Not treated as reuse either: the owner still holds a live session.
    expect(await introspectOwn(tokens.access_token)).toMatchObject({ client_id: 'conf' });
    expect((await confRefresh(tokens.refresh_token, 'theft-device')).statusCode).toBe(200);
  });

  it('ending someone else’s session with CloudBase’s unauthenticated {token} revoke: only the access or refresh token itself ends it, an ID token (handed to third parties) does not', async () => {
    const signedIn = await post(
      `/auth/v1/token?client_id=${ENV_ID}`,
      {
        grant_type: 'password',
        username: 'zhangsan',
        password: PASSWORD,
        scope: 'user openid',
        nonce: 'n-1',
      },
      { 'x-device-id': 'id-token-device' },
    );
    const tokens = signedIn.json() as { access_token: string; id_token: string };
    expect(tokens.id_token).toBeDefined();
    expect((await post(`/auth/v1/revoke?client_id=${ENV_ID}`, { token: tokens.id_token })).json()).toEqual(
      {},
    );
    const signout = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/user/signout',
      headers: { authorization: `Bearer ${tokens.id_token}` },
    });
    expect(signout.statusCode).toBe(401);
    expect(await introspectOwn(tokens.id_token)).toEqual({});
    expect(await introspectOwn(tokens.access_token)).toMatchObject({ client_id: ENV_ID });
    // The access token is the proof: with it, the session ends.
    expect(
      (await post(`/auth/v1/revoke?client_id=${ENV_ID}`, { token: tokens.access_token })).json(),
    ).toEqual({});
    expect(await introspectOwn(tokens.access_token)).toEqual({});
  });

  it('a removed client’s client_credentials token (no session to end) is inactive at once (fixed: it stayed active until exp)', async () => {
    const adminSecret = (await server.addClient({
      id: 'review-admin',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['admin'],
    })) as string;
    const leakedSecret = (await server.addClient({
      id: 'svc-leaked',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['api'],
    })) as string;
    const issued = await post(
      '/auth/v1/token',
      { grant_type: 'client_credentials' },
      { authorization: basic('svc-leaked', leakedSecret) },
    );
    const token = issued.json().access_token as string;
    const introspect = async () =>
      (
        await post(
          '/auth/v1/token/introspect',
          { token },
          { authorization: basic('review-admin', adminSecret) },
        )
      ).json();
    expect(await introspect()).toMatchObject({ active: true, client_id: 'svc-leaked' });
    expect(await introspectOwn(token)).toMatchObject({ client_id: 'svc-leaked' });
    await server.app.lingpai.clients.remove('svc-leaked');
    expect(await introspect()).toEqual({ active: false });
    expect(await introspectOwn(token)).toEqual({});
  });

  it('grace-window abuse: another x-device-id, the grandparent, or after the window each end the family', async () => {
    // Another device presenting the immediate parent inside the window.
    const a = await confSignIn('grace-a');
    const a1 = (await confRefresh(a.refresh_token, 'grace-a')).json();
    expect((await confRefresh(a.refresh_token, 'grace-thief')).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await confRefresh(a1.refresh_token, 'grace-a')).json()).toMatchObject({ error: 'invalid_grant' });

    // The parent of the parent, inside the window.
    const b = await confSignIn('grace-b');
    const b1 = (await confRefresh(b.refresh_token, 'grace-b')).json();
    const b2 = (await confRefresh(b1.refresh_token, 'grace-b')).json();
    expect((await confRefresh(b.refresh_token, 'grace-b')).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await introspectOwn(b2.access_token)).toEqual({});

    // The parent after the window.
    const c = await confSignIn('grace-c');
    const c1 = (await confRefresh(c.refresh_token, 'grace-c')).json();
    server.clock.advance(10_001);
    expect((await confRefresh(c.refresh_token, 'grace-c')).json()).toMatchObject({ error: 'invalid_grant' });
    expect(await introspectOwn(c1.access_token)).toEqual({});
  });

  it('grace replay after the user was blocked (fixed): refused and the family ends, no pair handed back', async () => {
    const sub = await server.addUser('blocked-later', PASSWORD);
    const signedIn = await post(
      '/auth/v1/token',
      { grant_type: 'password', username: 'blocked-later', password: PASSWORD, scope: 'user' },
      { authorization: basic('conf', confSecret), 'x-device-id': 'grace-blocked' },
    );
    const first = signedIn.json() as { refresh_token: string };
    const child = (await confRefresh(first.refresh_token, 'grace-blocked')).json();
    await server.db.query("UPDATE users SET status = 'BLOCKED' WHERE sub = $1", [sub]);
    expect((await confRefresh(first.refresh_token, 'grace-blocked')).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect(await introspectOwn(child.access_token)).toEqual({});
  });

  it('a grace replay racing a further rotation never leaves two live refresh tokens in the family', async () => {
    const d = await confSignIn('grace-race');
    const d1 = (await confRefresh(d.refresh_token, 'grace-race')).json();
    const answers = await Promise.all([
      confRefresh(d.refresh_token, 'grace-race'),
      confRefresh(d1.refresh_token, 'grace-race'),
      confRefresh(d.refresh_token, 'grace-race'),
    ]);
    const handedOut = new Set(
      answers.filter((a) => a.statusCode === 200).map((a) => a.json().refresh_token as string),
    );
    const live = await server.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
       WHERE t.family_id = (SELECT family_id FROM refresh_tokens WHERE hash = $1)
         AND t.consumed_at IS NULL AND f.revoked_at IS NULL`,
      [(await import('../src/crypto/opaque-token.js')).hashToken(d.refresh_token)],
    );
    expect(Number(live[0]!.n)).toBeLessThanOrEqual(1);
    // Every success hands out d1 (a grace answer) or the one live head, never a branch of its own.
    expect(handedOut.size).toBeLessThanOrEqual(2);
  });

  it('JWT confusion: another key with our kid, alg none, typ missing, a revoked kid — refused on every check', async () => {
    const tokens = await confSignIn('jwt-device');
    const [h, p] = tokens.access_token.split('.') as [string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, string>;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const foreignInput = `${h}.${p}`;
    const forged = {
      'another issuer’s key, our kid': `${foreignInput}.${sign('sha256', Buffer.from(foreignInput), privateKey).toString('base64url')}`,
      'alg none': `${b64({ ...header, alg: 'none' })}.${p}.`,
      'typ missing': `${b64({ alg: header.alg, kid: header.kid })}.${p}.${tokens.access_token.split('.')[2]}`,
      huge: `${h}.${'A'.repeat(9_000)}.AAAA`,
    };
    for (const [name, token] of Object.entries(forged)) {
      expect(await introspectOwn(token), name).toEqual({});
      const rfc = await post(
        '/auth/v1/token/introspect',
        { token: token.slice(0, 8_192) },
        { authorization: basic('conf', confSecret) },
      );
      expect(rfc.json(), name).toEqual({ active: false });
    }
    expect(await introspectOwn(tokens.access_token)).toMatchObject({ client_id: 'conf' });
    await server.app.lingpai.keys.revoke(header.kid!);
    expect(await introspectOwn(tokens.access_token)).toEqual({});
  });
});

/**
 * One embedded server (limits in memory, as `serve` without DATABASE_URL runs them) with a small
 * store and a low per-address budget, so rotation and flooding are cheap to drive.
 */
describe('password limits under address rotation and floods (embedded, in-memory limits)', () => {
  let server: TestServer;
  const attempt = (username: string, remoteAddress: string) =>
    server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${ENV_ID}`,
      payload: { grant_type: 'password', username, password: 'guess' },
      remoteAddress,
    });
  beforeAll(async () => {
    const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));
    server = await startTestServer(
      { kind: 'pglite' },
      {
        limits: { passwordFailuresPerIp: 2, passwordFailuresPerUser: 3 },
        limitStore: new MemoryStore({ clock, maxEntries: 200 }),
        captchaVerifier: async (token) => {
          if (token === 'provider-down') throw new Error('captcha provider unreachable');
          return token === 'solved';
        },
      },
    );
  });
  afterAll(async () => server?.close());

  it('IPv6 /64 rotation across one /48 (fixed): the /48 gets 16 per-address budgets together, then is refused', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 33; i++) {
      statuses.push((await attempt(`nobody-${i}`, `2001:db8:7:${i.toString(16)}::1`)).statusCode);
    }
    expect(statuses.slice(0, 32).every((status) => status === 400)).toBe(true);
    expect(statuses[32]).toBe(429);
    // Another /48 is untouched.
    expect((await attempt('nobody', '2001:db8:8::1')).statusCode).toBe(400);
  });

  it('a captcha provider that throws (fixed): the captcha stays unsolved and the answer is 503, not 500', async () => {
    const tryWith = (ip: string, captcha?: string) =>
      server.app.inject({
        method: 'POST',
        url: `/auth/v1/token?client_id=${ENV_ID}`,
        headers: captcha === undefined ? {} : { 'x-captcha-token': captcha },
        payload: { grant_type: 'password', username: 'captcha-user', password: 'guess' },
        remoteAddress: ip,
      });
    for (let i = 0; i < 3; i++) expect((await tryWith(`203.0.113.${i}`)).statusCode).toBe(400);
    expect((await tryWith('203.0.113.10')).json()).toMatchObject({ error: 'captcha_required' });
    const down = await tryWith('203.0.113.11', 'provider-down');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(down.headers['retry-after']).toBeDefined();
    expect((await tryWith('203.0.113.12', 'solved')).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a flood of new usernames that fills the limit store (fixed): 503 with Retry-After, never a 500', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 0; i < 60 && last?.statusCode !== 503; i++) {
      last = await attempt(`flood-${i}`, `192.0.2.${i}`);
      statuses.push(last.statusCode);
    }
    expect(statuses).not.toContain(500);
    expect(last!.statusCode).toBe(503);
    expect(last!.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(last!.headers['retry-after']).toBeDefined();
  });
});

// ── storage-free units ──────────────────────────────────────────────────────────────────────────

/** Answers the registry's one lookup from a fixed set of ids, counting the queries it sees. */
function countingClientsDatabase(known: string[]): { db: Database; queries: () => number } {
  let queries = 0;
  const row = (id: string) => ({
    id,
    name: id,
    kind: 'public',
    secret_hash: null,
    auth_methods: ['none'],
    grant_types: ['password'],
    scopes: ['user'],
    default_scopes: [],
    redirect_uris: [],
    logout_uris: [],
    cors_origins: [],
    refresh_grace_seconds: 0,
    first_party: false,
    ip_allow: [],
    rate_limit_per_minute: null,
    service_account_sub: null,
  });
  const db = {
    kind: 'pglite',
    async query(_sql: string, params?: readonly unknown[]) {
      queries++;
      const id = String(params?.[0]);
      return (known.includes(id) ? [row(id)] : []) as never[];
    },
  } as unknown as Database;
  return { db, queries: () => queries };
}

describe('client registry under id probing', () => {
  const clock = createManualClock(0);
  const random = (n: number) => Buffer.alloc(n, 7);

  it('ids no registration can have (10 KB, NUL, look-alikes) cost no query and are not kept', async () => {
    const { db, queries } = countingClientsDatabase(['web']);
    const registry = new ClientRegistry(db, clock, random);
    for (const id of ['w'.repeat(10_000), 'web\u0000', 'web\u200b', 'wéb', '']) {
      expect(await registry.get(id)).toBeUndefined();
    }
    expect(queries()).toBe(0);
  });

  it('a flood of 10,001 unknown ids does not push a registered client out of the cache', async () => {
    const { db, queries } = countingClientsDatabase(['web']);
    const registry = new ClientRegistry(db, clock, random);
    expect(await registry.get('web')).toBeDefined();
    for (let i = 0; i <= 10_000; i++) await registry.get(`probe-${i}`);
    const before = queries();
    expect(await registry.get('web')).toBeDefined();
    expect(queries()).toBe(before);
  });
});

describe('duplicate JSON member names', () => {
  it('are found at any depth and after unescaping; the same name in sibling objects is fine', () => {
    expect(hasDuplicateKey('{"a":1,"a":2}')).toBe(true);
    expect(hasDuplicateKey('{"a":1,"\\u0061":2}')).toBe(true);
    expect(hasDuplicateKey('{"x":{"b":1,"b":2}}')).toBe(true);
    expect(hasDuplicateKey('{"x":[{"a":1},{"a":2}],"a":"a"}')).toBe(false);
    expect(hasDuplicateKey('{"a":"\\"a\\":","b":"a"}')).toBe(false);
    expect(hasDuplicateKey('{}')).toBe(false);
  });
});
