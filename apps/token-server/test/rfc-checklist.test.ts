// The RFC 9700 / 6749 / 6819 checklist (shared/reference/token-server.md §3) for the grants of the
// core: each test is named after its checklist item. PKCE and codes (§3.1, §3.2) and the device flow
// (§3.12) live beside their grants; revocation and introspection (§3.14) beside their routes.
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import {
  backends,
  basic,
  ENV_ID,
  startTestServer,
  TEST_ISSUER,
  type TestServer,
} from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';

describe.each(backends())('RFC checklist on %s', (_name, backend) => {
  let server: TestServer;
  let serviceSecret: string;
  let otherSecret: string;
  let userSub: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    userSub = await server.addUser('zhangsan', PASSWORD, { groups: ['staff'] });
    serviceSecret = (await server.addClient({
      id: 'svc',
      kind: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['admin', 'read'],
    }))!;
    otherSecret = (await server.addClient({
      id: 'other',
      kind: 'confidential',
      grantTypes: ['password', 'refresh_token', 'client_credentials'],
      scopes: ['user', 'read'],
    }))!;
    await server.addClient({
      id: 'no-password',
      kind: 'public',
      grantTypes: ['refresh_token', 'authorization_code'],
      scopes: ['user'],
      redirectUris: ['https://app.example.com/cb'],
    });
  });
  afterAll(async () => server?.close());

  const signIn = (extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    postToken(
      server.app,
      { grant_type: 'password', username: 'zhangsan', password: PASSWORD, ...extra },
      { headers },
    );

  describe('3.3 refresh rotation with reuse detection', () => {
    it('the new refresh token invalidates the old one at once', async () => {
      const first = await signIn();
      const second = await postToken(server.app, {
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token as string,
      });
      expect(second.status).toBe(200);
      const again = await postToken(server.app, {
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token as string,
      });
      expect(again.body.error).toBe('invalid_grant');
    });

    it('R1 → R2, replay R1 → 400, then R2 → 400 (the family is revoked)', async () => {
      const r1 = (await signIn({}, { 'x-device-id': 'device-reuse-1' })).body.refresh_token as string;
      const r2 = (
        await postToken(
          server.app,
          { grant_type: 'refresh_token', refresh_token: r1 },
          { headers: { 'x-device-id': 'device-reuse-1' } },
        )
      ).body;
      expect(typeof r2.refresh_token).toBe('string');
      expect((await postToken(server.app, { grant_type: 'refresh_token', refresh_token: r1 })).status).toBe(
        400,
      );
      expect(
        (
          await postToken(server.app, {
            grant_type: 'refresh_token',
            refresh_token: r2.refresh_token as string,
          })
        ).body.error,
      ).toBe('invalid_grant');
      // The family's access token dies too: its sid is dead.
      expect(server.app.lingpai.verifier.verify(r2.access_token as string)).toBeUndefined();
    });

    it('keeps family id and parent to detect replay (relationship data stored)', async () => {
      const r1 = (await signIn({}, { 'x-device-id': 'device-rel' })).body.refresh_token as string;
      await postToken(
        server.app,
        { grant_type: 'refresh_token', refresh_token: r1 },
        { headers: { 'x-device-id': 'device-rel' } },
      );
      const hash = createHash('sha256').update(r1).digest('base64url');
      const rows = await server.db.query<{ parent_hash: string | null; family_id: string }>(
        'SELECT parent_hash, family_id FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE hash = $1) ORDER BY issued_at',
        [hash],
      );
      expect(rows).toHaveLength(2);
      expect(rows[1]!.parent_hash).toBe(hash);
    });
  });

  describe('3.4 refresh-token binding and lifetime', () => {
    it('is bound to its client: another client_id → invalid_grant', async () => {
      const refresh = (await signIn()).body.refresh_token as string;
      const stolen = await postToken(
        server.app,
        { grant_type: 'refresh_token', refresh_token: refresh },
        { headers: { authorization: basic('other', otherSecret) } },
      );
      expect(stolen.body.error).toBe('invalid_grant');
      // …and the rightful client can still use it (a wrong client is not a reuse).
      expect(
        (await postToken(server.app, { grant_type: 'refresh_token', refresh_token: refresh })).status,
      ).toBe(200);
    });

    it('never widens the scope on refresh (invalid_scope)', async () => {
      const refresh = (await signIn({ scope: 'user' })).body.refresh_token as string;
      const wider = await postToken(server.app, {
        grant_type: 'refresh_token',
        refresh_token: refresh,
        scope: 'user openid',
      });
      expect(wider.body.error).toBe('invalid_scope');
    });

    it('a refresh token lives 31 days', async () => {
      const refresh = (await signIn({}, { 'x-device-id': 'device-31d' })).body.refresh_token as string;
      server.clock.advance(31 * 86_400_000 + 1_000);
      try {
        expect(
          (await postToken(server.app, { grant_type: 'refresh_token', refresh_token: refresh })).body.error,
        ).toBe('invalid_grant');
      } finally {
        server.clock.advance(-(31 * 86_400_000 + 1_000));
      }
    });

    it('one family per (user, client, x-device-id): a new sign-in there ends the previous one', async () => {
      const old = (await signIn({}, { 'x-device-id': 'device-one' })).body;
      const fresh = (await signIn({}, { 'x-device-id': 'device-one' })).body;
      expect(server.app.lingpai.verifier.verify(old.access_token as string)).toBeUndefined();
      expect(
        (
          await postToken(server.app, {
            grant_type: 'refresh_token',
            refresh_token: old.refresh_token as string,
          })
        ).body.error,
      ).toBe('invalid_grant');
      expect(
        (
          await postToken(server.app, {
            grant_type: 'refresh_token',
            refresh_token: fresh.refresh_token as string,
          })
        ).status,
      ).toBe(200);
      // Another device keeps its own session.
      const elsewhere = (await signIn({}, { 'x-device-id': 'device-two' })).body;
      expect(server.app.lingpai.verifier.verify(elsewhere.access_token as string)).toBeDefined();
    });
  });

  describe('3.6 password grant', () => {
    it('answers a uniform invalid_grant for an unknown user and a wrong password', async () => {
      const unknown = await postToken(server.app, {
        grant_type: 'password',
        username: 'nobody-here',
        password: PASSWORD,
      });
      const wrong = await postToken(server.app, {
        grant_type: 'password',
        username: 'zhangsan',
        password: 'wrong',
      });
      expect(unknown.status).toBe(400);
      expect(wrong.status).toBe(400);
      expect(unknown.body).toEqual(wrong.body);
    });

    it('verifies one hash for an unknown user exactly like for a known one (timing does not reveal existence)', async () => {
      const hasher = server.app.lingpai.hasher;
      const seen: string[] = [];
      const original = hasher.verify;
      hasher.verify = async (hash, password) => {
        seen.push(hash);
        return original(hash, password);
      };
      try {
        await postToken(server.app, { grant_type: 'password', username: 'nobody-at-all', password: 'x' });
        await postToken(server.app, { grant_type: 'password', username: 'zhangsan', password: 'x' });
      } finally {
        hasher.verify = original;
      }
      expect(seen).toHaveLength(2);
      expect(seen[0]).toBe(server.app.lingpai.dummyPasswordHash);
      expect(seen[0]!.startsWith('$argon2id$')).toBe(true);
      expect(seen[1]!.startsWith('$argon2id$')).toBe(true);
    });

    it('is open only to clients registered for it (unauthorized_client)', async () => {
      const response = await postToken(server.app, {
        grant_type: 'password',
        username: 'zhangsan',
        password: PASSWORD,
        client_id: 'no-password',
      });
      expect(response.body.error).toBe('unauthorized_client');
    });

    it('locks out per (username, IP) with growing delays, counting unknown users and wrong passwords alike', async () => {
      const ip = '203.0.113.7';
      const attempt = (username: string, password: string) =>
        server.app.inject({
          method: 'POST',
          url: '/auth/v1/token',
          remoteAddress: ip,
          payload: { grant_type: 'password', username, password },
        });
      await server.addUser('lockme', PASSWORD);
      for (let i = 0; i < 5; i++) expect((await attempt('lockme', `wrong-${i}`)).statusCode).toBe(400);
      const locked = await attempt('lockme', PASSWORD);
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toMatchObject({ error: 'rate_limit_exceeded', error_code: 4029 });
      expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // The real user on another network is not locked out.
      const elsewhere = await server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        remoteAddress: '198.51.100.9',
        payload: { grant_type: 'password', username: 'lockme', password: PASSWORD },
      });
      expect(elsewhere.statusCode).toBe(200);
      // Delays grow: after the lockout passes, one more failure locks for longer.
      server.clock.advance(3_000);
      expect((await attempt('lockme', 'wrong-again')).statusCode).toBe(400);
      const longer = await attempt('lockme', PASSWORD);
      expect(longer.statusCode).toBe(429);
      expect(Number(longer.headers['retry-after'])).toBeGreaterThan(2);
      server.clock.advance(900_000);
      // An unknown username counts the same way.
      for (let i = 0; i < 5; i++) await attempt('ghost-user', 'x');
      expect((await attempt('ghost-user', 'x')).statusCode).toBe(429);
    });

    it('per username alone only throttles with a captcha (4028), never a lockout; never keyed on x-device-id', async () => {
      await server.addUser('popular', PASSWORD);
      for (let i = 0; i < 20; i++) {
        await server.app.inject({
          method: 'POST',
          url: '/auth/v1/token',
          remoteAddress: `192.0.2.${i + 1}`,
          headers: { 'x-device-id': 'same-device-id' },
          payload: { grant_type: 'password', username: 'popular', password: 'bad' },
        });
      }
      const fromNewIp = await server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        remoteAddress: '192.0.2.200',
        payload: { grant_type: 'password', username: 'popular', password: PASSWORD },
      });
      expect(fromNewIp.statusCode).toBe(429);
      expect(fromNewIp.json()).toMatchObject({ error: 'captcha_required', error_code: 4028 });
    });
  });

  describe('3.7 client authentication', () => {
    it('decodes form-url-encoding inside Basic (RFC 6749 §2.3.1)', async () => {
      const id = 'svc:enc';
      const secret = (await server.addClient({
        id,
        kind: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['read'],
      }))!;
      const header = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
      const response = await postToken(
        server.app,
        { grant_type: 'client_credentials' },
        { headers: { authorization: header } },
      );
      expect(response.status).toBe(200);
    });

    it('fails with 401 invalid_client and WWW-Authenticate: Basic', async () => {
      const response = await postToken(
        server.app,
        { grant_type: 'client_credentials' },
        { headers: { authorization: basic('svc', 'not-the-secret') } },
      );
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_client', error_code: 4010 });
      expect(String(response.headers['www-authenticate'])).toMatch(/^Basic /);
      const unknown = await postToken(
        server.app,
        { grant_type: 'client_credentials' },
        { headers: { authorization: basic('nope', 'x') } },
      );
      expect(unknown.status).toBe(401);
    });

    it('refuses two authentication methods at once (invalid_request)', async () => {
      const response = await postToken(
        server.app,
        { grant_type: 'client_credentials', client_secret: serviceSecret },
        { headers: { authorization: basic('svc', serviceSecret) } },
      );
      expect(response.body.error).toBe('invalid_request');
    });

    it('stores secrets hashed (SHA-256), never in the clear', async () => {
      const rows = await server.db.query<{ secret_hash: string }>(
        "SELECT secret_hash FROM clients WHERE id = 'svc'",
      );
      expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(serviceSecret).digest('base64url'));
      const dump = JSON.stringify(await server.db.query('SELECT * FROM clients'));
      expect(dump).not.toContain(serviceSecret);
    });

    it('treats CloudBase\'s client_secret: "" and Basic base64(id:) as no authentication for the public env client', async () => {
      const refresh = (await signIn()).body.refresh_token as string;
      const viaPost = await postToken(
        server.app,
        { grant_type: 'refresh_token', refresh_token: refresh, client_id: ENV_ID, client_secret: '' },
        { query: `?client_id=${ENV_ID}` },
      );
      expect(viaPost.status).toBe(200);
      const viaBasic = await postToken(
        server.app,
        { grant_type: 'refresh_token', refresh_token: viaPost.body.refresh_token as string },
        { headers: { authorization: basic(ENV_ID, '') } },
      );
      expect(viaBasic.status).toBe(200);
    });

    it('a client_id given twice must agree', async () => {
      const response = await postToken(
        server.app,
        { grant_type: 'password', username: 'zhangsan', password: PASSWORD, client_id: ENV_ID },
        { query: '?client_id=other' },
      );
      expect(response.body.error).toBe('invalid_request');
    });
  });

  describe('3.8 token response', () => {
    it('is JSON with Cache-Control: no-store, Pragma: no-cache, token_type Bearer and an integer expires_in', async () => {
      const response = await signIn();
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.pragma).toBe('no-cache');
      expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
      expect(response.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 7200,
        sub: userSub,
        scope: 'user',
        groups: ['staff'],
      });
      expect(Number.isInteger(response.body.expires_in)).toBe(true);
    });

    it('client_credentials returns no refresh token', async () => {
      const response = await postToken(
        server.app,
        { grant_type: 'client_credentials' },
        { headers: { authorization: basic('svc', serviceSecret) } },
      );
      expect(response.status).toBe(200);
      expect(response.body.refresh_token).toBeUndefined();
      expect(response.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 7200,
        sub: 'service:svc',
        scope: 'admin read',
      });
    });
  });

  describe('3.9 errors', () => {
    it('answers 400 for invalid_request, invalid_grant, unsupported_grant_type, invalid_scope, unauthorized_client', async () => {
      expect((await postToken(server.app, {})).body.error).toBe('invalid_request');
      expect(
        (await postToken(server.app, { grant_type: 'refresh_token', refresh_token: 'nope' })).body.error,
      ).toBe('invalid_grant');
      const unsupported = await postToken(server.app, { grant_type: 'implicit' });
      expect(unsupported.status).toBe(400);
      expect(unsupported.body.error).toBe('unsupported_grant_type');
      expect((await signIn({ scope: 'admin' })).body.error).toBe('invalid_scope');
      expect((await postToken(server.app, { grant_type: 'client_credentials' })).body.error).toBe(
        'unauthorized_client',
      );
    });

    it('duplicate parameters → invalid_request', async () => {
      const response = await server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=password&username=zhangsan&password=a&password=b',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    });

    it('refuses tokens in the query string', async () => {
      const response = await postToken(
        server.app,
        { grant_type: 'refresh_token' },
        { query: '?refresh_token=abc' },
      );
      expect(response.body.error).toBe('invalid_request');
    });
  });

  describe('3.10 token entropy and storage', () => {
    it('refresh tokens carry ≥ 128 bits of CSPRNG output and are stored only as SHA-256', async () => {
      const refresh = (await signIn({}, { 'x-device-id': 'entropy' })).body.refresh_token as string;
      const random = refresh.replace(/^lpr\./, '');
      expect(Buffer.from(random, 'base64url').length).toBeGreaterThanOrEqual(32);
      expect(refresh.length).toBeLessThan(128); // CloudBase: "长度128位以内"
      const rows = await server.db.query('SELECT * FROM refresh_tokens');
      expect(JSON.stringify(rows)).not.toContain(random);
      const hash = createHash('sha256').update(refresh).digest('base64url');
      expect(JSON.stringify(rows)).toContain(hash);
    });

    it('signing keys are stored sealed, not as PEM', async () => {
      const rows = await server.db.query<{ private_sealed: string }>(
        'SELECT private_sealed FROM signing_keys',
      );
      for (const row of rows) expect(row.private_sealed).not.toContain('PRIVATE KEY');
    });
  });

  describe('3.11 access tokens', () => {
    it('are RS256 JWTs with kid, audience-restricted, verifiable with the published JWKS', async () => {
      const { access_token } = (await signIn()).body as { access_token: string };
      const header = decodeProtectedHeader(access_token);
      expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      const jwks = (await server.app.inject({ url: '/.well-known/jwks.json' })).json() as {
        keys: Array<{ kid: string }>;
      };
      const jwk = jwks.keys.find((key) => key.kid === header.kid)!;
      const { payload } = await jwtVerify(access_token, await importJWK(jwk, 'RS256'), {
        issuer: TEST_ISSUER,
        audience: ENV_ID,
        currentDate: new Date(server.clock.now()),
        typ: 'at+jwt',
      });
      expect(payload).toMatchObject({ sub: userSub, client_id: ENV_ID, scope: 'user', groups: ['staff'] });
      expect(typeof payload.sid).toBe('string');
      expect(typeof payload.jti).toBe('string');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(7200);
      expect(access_token.length).toBeLessThan(4096); // CloudBase: "长度4096位以内"
    });

    it('rejects alg=none and HS256-with-the-public-key confusion', async () => {
      const { access_token } = (await signIn()).body as { access_token: string };
      const [header, payload] = access_token.split('.') as [string, string];
      const none = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'none' })).toString('base64url')}.${payload}.`;
      expect(server.app.lingpai.verifier.verify(none)).toBeUndefined();
      const { createHmac } = await import('node:crypto');
      const hsHeader = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'HS256' }),
      ).toString('base64url');
      const publicPem = server.app.lingpai.keys.current().publicKey.export({ format: 'pem', type: 'spki' });
      const mac = createHmac('sha256', publicPem).update(`${hsHeader}.${payload}`).digest('base64url');
      expect(server.app.lingpai.verifier.verify(`${hsHeader}.${payload}.${mac}`)).toBeUndefined();
      // A flipped payload byte fails the signature.
      const tampered = `${header}.${payload.slice(0, -2)}${payload.endsWith('A') ? 'B' : 'A'}${payload.slice(-1)}.${access_token.split('.')[2]}`;
      expect(server.app.lingpai.verifier.verify(tampered)).toBeUndefined();
    });
  });

  describe('3.13 metadata', () => {
    it('publishes RFC 8414 metadata whose issuer equals the URL exactly', async () => {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const metadata = (await server.app.inject({ url: path })).json();
        expect(metadata.issuer).toBe(TEST_ISSUER);
        expect(metadata).toMatchObject({
          token_endpoint: `${TEST_ISSUER}/auth/v1/token`,
          jwks_uri: `${TEST_ISSUER}/.well-known/jwks.json`,
          revocation_endpoint: `${TEST_ISSUER}/auth/v1/revoke`,
          introspection_endpoint: `${TEST_ISSUER}/auth/v1/token/introspect`,
          device_authorization_endpoint: `${TEST_ISSUER}/auth/v1/device/code`,
          code_challenge_methods_supported: ['S256'],
        });
        expect(metadata.grant_types_supported).toEqual(
          expect.arrayContaining([
            'password',
            'refresh_token',
            'client_credentials',
            'authorization_code',
            'urn:ietf:params:oauth:grant-type:device_code',
          ]),
        );
        expect(metadata.token_endpoint_auth_methods_supported).toEqual(
          expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']),
        );
      }
    });
  });

  describe('3.15 client_credentials', () => {
    it('a client cannot act as a user: sub is its service account, which no user sub can equal', async () => {
      const response = await postToken(
        server.app,
        { grant_type: 'client_credentials' },
        { headers: { authorization: basic('svc', serviceSecret) } },
      );
      expect(response.body.sub).toBe('service:svc');
      await expect(
        server.db.query(
          "INSERT INTO users (sub, created_at, updated_at) VALUES ('service:svc', now(), now())",
        ),
      ).rejects.toThrow();
    });

    it('gets the scopes the client was given and nothing else', async () => {
      const asked = await postToken(
        server.app,
        { grant_type: 'client_credentials', scope: 'read' },
        { headers: { authorization: basic('svc', serviceSecret) } },
      );
      expect(asked.body.scope).toBe('read');
      const wider = await postToken(
        server.app,
        { grant_type: 'client_credentials', scope: 'read write' },
        { headers: { authorization: basic('svc', serviceSecret) } },
      );
      expect(wider.body.error).toBe('invalid_scope');
    });

    it('writes an audit record per issuance', async () => {
      const before = await server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE client_id = 'svc'",
      );
      await Promise.all(
        Array.from({ length: 5 }, () =>
          postToken(
            server.app,
            { grant_type: 'client_credentials' },
            { headers: { authorization: basic('svc', serviceSecret) } },
          ),
        ),
      );
      const after = await server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_events WHERE client_id = 'svc'",
      );
      expect(after[0]!.n - before[0]!.n).toBe(5);
    });

    it('honours the client IP allow-list (CIDR) and per-client rate limit', async () => {
      const secret = (await server.addClient({
        id: 'fenced',
        kind: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['read'],
        ipAllow: ['10.1.0.0/16'],
        rateLimitPerMinute: 2,
      }))!;
      const call = (remoteAddress: string) =>
        server.app.inject({
          method: 'POST',
          url: '/auth/v1/token',
          remoteAddress,
          headers: { authorization: basic('fenced', secret) },
          payload: { grant_type: 'client_credentials' },
        });
      expect((await call('10.2.0.1')).json().error).toBe('unauthorized_client');
      expect((await call('10.1.2.3')).statusCode).toBe(200);
      expect((await call('10.1.2.3')).statusCode).toBe(200);
      const limited = await call('10.1.2.3');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
    });
  });
});

describe.each(backends())('removing a client on %s', (_name, backend) => {
  it('ends its sessions and their access tokens die at once (the sids are broadcast)', async () => {
    const server = await startTestServer(backend);
    try {
      await server.addUser('leaver', PASSWORD);
      await server.addClient({
        id: 'doomed',
        kind: 'public',
        grantTypes: ['password', 'refresh_token'],
        scopes: ['user'],
      });
      const tokens = await postToken(server.app, {
        grant_type: 'password',
        username: 'leaver',
        password: PASSWORD,
        client_id: 'doomed',
      });
      expect(server.app.lingpai.verifier.verify(tokens.body.access_token as string)).toBeDefined();
      await server.app.lingpai.clients.remove('doomed');
      for (let i = 0; i < 50 && server.app.lingpai.verifier.verify(tokens.body.access_token as string); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(server.app.lingpai.verifier.verify(tokens.body.access_token as string)).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe.each(backends())('parallel sign-ins on one device on %s', (_name, backend) => {
  it('all succeed and exactly one session stays live there', async () => {
    const server = await startTestServer(backend);
    try {
      await server.addUser('racer', PASSWORD);
      // From different addresses, so the per-(username, IP) attempt slot lets them all run at once.
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          server.app.inject({
            method: 'POST',
            url: '/auth/v1/token',
            remoteAddress: `198.51.100.${index + 10}`,
            headers: { 'x-device-id': 'one-device' },
            payload: { grant_type: 'password', username: 'racer', password: PASSWORD },
          }),
        ),
      );
      for (const answer of answers) expect(answer.statusCode, answer.body).toBe(200);
      const live = await server.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM refresh_families WHERE device_id = 'one-device' AND revoked_at IS NULL",
      );
      expect(live[0]!.n).toBe(1);
    } finally {
      await server.close();
    }
  });
});
