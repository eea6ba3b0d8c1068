import { createManualClock } from '@lingpai/auth-core';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type TokenServerApp } from '../src/app.js';
import { hashToken } from '../src/crypto/opaque-token.js';
import { denyDevice } from '../src/grants/device-approval.js';
import type { Database } from '../src/storage/database.js';
import { createPgliteDatabase } from '../src/storage/pglite-database.js';
import { createPostgresDatabase } from '../src/storage/postgres-database.js';
import { createArgon2Hasher } from '../src/users/password-hasher.js';
import {
  authorizeDevice,
  PASSWORD,
  poll,
  signIn,
  startDevice,
  TV_CLIENT,
  USERNAME,
} from './support/device-support.js';
import {
  backends,
  createTestSchema,
  ENV_ID,
  startTestServer,
  TEST_ARGON2,
  TEST_ISSUER,
  TEST_SECRET,
  type TestServer,
} from './support/test-app.js';

describe.each(backends())('device authorization grant (RFC 8628) on %s', (_name, backend) => {
  let server: TestServer;
  let userSub: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addClient(TV_CLIENT);
    await server.addClient({ id: 'other-tv', kind: 'public', grantTypes: [TV_CLIENT.grantTypes[0]!] });
    userSub = await server.addUser(USERNAME, PASSWORD);
  });
  afterAll(async () => server?.close());

  it('whole flow over HTTP: device/code → pending → approve → tokens → second poll invalid_grant and revoked', async () => {
    const { app, clock } = server;
    const started = await startDevice(app, { scope: 'user profile' });
    expect(started).toMatchObject({
      verification_uri: `${TEST_ISSUER}/device`,
      verification_url: `${TEST_ISSUER}/device`,
      verification_uri_complete: `${TEST_ISSUER}/device?user_code=${started.user_code}`,
      expires_in: 600,
      interval: 5,
    });

    expect(await poll(app, started.device_code)).toMatchObject({
      status: 400,
      body: { error: 'authorization_pending', error_code: 4007 },
    });

    const approverToken = await signIn(app);
    const approval = await authorizeDevice(app, approverToken, { user_code: started.user_code });
    expect(approval).toMatchObject({ status: 200, body: {} });

    clock.advance(5_000);
    const tokens = await poll(app, started.device_code, { headers: { 'x-device-id': 'tv-1' } });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', sub: userSub, scope: 'user profile' });
    expect(typeof tokens.body.refresh_token).toBe('string');
    const claims = app.lingpai.verifier.verify(tokens.body.access_token as string);
    expect(claims).toMatchObject({ client_id: TV_CLIENT.id, sub: userSub });
    const families = await server.db.query<{ device_id: string; client_id: string }>(
      'SELECT device_id, client_id FROM refresh_families WHERE id = $1',
      [claims?.sid],
    );
    expect(families).toEqual([{ device_id: 'tv-1', client_id: TV_CLIENT.id }]);

    clock.advance(5_000);
    expect(await poll(app, started.device_code)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    // The replay ended what the code issued: the access token's session is dead, the refresh token too.
    expect(app.lingpai.verifier.verify(tokens.body.access_token as string)).toBeUndefined();
    const refresh = await app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      payload: {
        client_id: TV_CLIENT.id,
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token,
      },
    });
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('family per device: without x-device-id on the poll, the one given at /device/code is used', async () => {
    const { app, clock } = server;
    const started = await startDevice(app, {}, { 'x-device-id': 'tv-from-start' });
    const approval = await authorizeDevice(app, await signIn(app), { user_code: started.user_code });
    expect(approval.status).toBe(200);
    clock.advance(5_000);
    const tokens = await poll(app, started.device_code);
    expect(tokens.status).toBe(200);
    const sid = app.lingpai.verifier.verify(tokens.body.access_token as string)?.sid;
    const rows = await server.db.query<{ device_id: string }>(
      'SELECT device_id FROM refresh_families WHERE id = $1',
      [sid],
    );
    expect(rows).toEqual([{ device_id: 'tv-from-start' }]);
  });

  it('another client presenting the device_code gets invalid_grant and does not consume it', async () => {
    const { app, clock } = server;
    const started = await startDevice(app);
    expect(await authorizeDevice(app, await signIn(app), { user_code: started.user_code })).toMatchObject({
      status: 200,
    });
    clock.advance(5_000);
    expect(await poll(app, started.device_code, { clientId: 'other-tv' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await poll(app, started.device_code)).status).toBe(200);
  });

  it('slow_down when polled faster than the interval; the interval grows by 5 s and is stored', async () => {
    const { app, clock } = server;
    const started = await startDevice(app);
    expect((await poll(app, started.device_code)).body.error).toBe('authorization_pending');

    clock.advance(4_999);
    expect((await poll(app, started.device_code)).body).toMatchObject({
      error: 'slow_down',
      error_code: 4008,
    });
    const rows = await server.db.query<{ interval_seconds: number }>(
      'SELECT interval_seconds FROM device_codes WHERE hash = $1',
      [hashToken(started.device_code)],
    );
    expect(rows[0]?.interval_seconds).toBe(10);

    // The old interval is no longer enough: 5 s later is still too fast (and grows it to 15).
    clock.advance(5_000);
    expect((await poll(app, started.device_code)).body.error).toBe('slow_down');
    clock.advance(15_000);
    expect((await poll(app, started.device_code)).body.error).toBe('authorization_pending');
    clock.advance(15_000);
    expect((await poll(app, started.device_code)).body.error).toBe('authorization_pending');
  });

  it('expired_token once the device code has expired, even if approved just before', async () => {
    const { app, clock } = server;
    const pending = await startDevice(app);
    const approvedLate = await startDevice(app);
    clock.advance(599_000);
    expect(
      await authorizeDevice(app, await signIn(app), { user_code: approvedLate.user_code }),
    ).toMatchObject({
      status: 200,
    });
    clock.advance(1_000);
    expect(await poll(app, pending.device_code)).toMatchObject({
      status: 400,
      body: { error: 'expired_token', error_code: 4011 },
    });
    expect((await poll(app, approvedLate.device_code)).body.error).toBe('expired_token');
    // An expired code can no longer be approved either.
    const fresh = await authorizeDevice(app, await signIn(app), { user_code: pending.user_code });
    expect(fresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('access_denied after denyDevice, and a denied code cannot be approved afterwards', async () => {
    const { app, clock } = server;
    const started = await startDevice(app);
    expect(await denyDevice(app.lingpai, started.user_code.toLowerCase())).toBe(true);
    expect(await denyDevice(app.lingpai, started.user_code)).toBe(false);
    clock.advance(5_000);
    expect(await poll(app, started.device_code)).toMatchObject({
      status: 400,
      body: { error: 'access_denied', error_code: 4009 },
    });
    const late = await authorizeDevice(app, await signIn(app), { user_code: started.user_code });
    expect(late).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a client without the device grant is refused at /device/code and at the token endpoint', async () => {
    const { app } = server;
    await server.addClient({
      id: 'no-device',
      kind: 'public',
      grantTypes: ['password'],
      scopes: ['user'],
    });
    const refused = await app.inject({
      method: 'POST',
      url: '/auth/v1/device/code',
      payload: { client_id: 'no-device' },
    });
    expect(refused.json()).toMatchObject({ error: 'unauthorized_client' });
    const started = await startDevice(app);
    expect((await poll(app, started.device_code, { clientId: 'no-device' })).body.error).toBe(
      'unauthorized_client',
    );
  });

  it('/device/code takes a form body, refuses scopes the client may not have, and defaults to the env id', async () => {
    const { app } = server;
    const form = await app.inject({
      method: 'POST',
      url: '/auth/v1/device/code',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ client_id: TV_CLIENT.id, scope: 'user openid' }).toString(),
    });
    expect(form.statusCode, form.body).toBe(200);
    const widened = await app.inject({
      method: 'POST',
      url: '/auth/v1/device/code',
      payload: { client_id: TV_CLIENT.id, scope: 'user admin' },
    });
    expect(widened.json()).toMatchObject({ error: 'invalid_scope' });
    // CloudBase's official client posts JSON as text/plain, with client_id only in the query.
    const env = await app.inject({
      method: 'POST',
      url: `/auth/v1/device/code?client_id=${ENV_ID}`,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ scope: 'user' }),
    });
    expect(env.statusCode, env.body).toBe(200);
    expect(env.headers['cache-control']).toBe('no-store');
    // The official client sends its Bearer token along when signed in: that is not client authentication.
    const withBearer = await app.inject({
      method: 'POST',
      url: `/auth/v1/device/code?client_id=${ENV_ID}`,
      headers: { authorization: `Bearer ${await signIn(app)}` },
      payload: {},
    });
    expect(withBearer.statusCode, withBearer.body).toBe(200);
  });

  it('both device endpoints are in the OpenAPI document with their response schemas', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const code = doc.paths['/auth/v1/device/code'].post.responses['200'];
    expect(JSON.stringify(code)).toContain('verification_uri_complete');
    expect(doc.paths['/auth/v1/user/device/authorize'].post.responses['200']).toBeDefined();
  });

  it('a real client (oauth4webapi) runs the device flow against the listening server', async () => {
    const { app, clock } = server;
    // Listens until the suite's afterAll closes the app.
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const as: oauth.AuthorizationServer = {
      issuer: TEST_ISSUER,
      device_authorization_endpoint: `${address}/auth/v1/device/code`,
      token_endpoint: `${address}/auth/v1/token`,
    };
    const client: oauth.Client = { client_id: TV_CLIENT.id };
    const insecure = { [oauth.allowInsecureRequests]: true };
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope: 'user profile' }, insecure),
    );
    expect(started.interval).toBe(5);
    const pending = oauth.processDeviceCodeResponse(
      as,
      client,
      await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, insecure),
    );
    await expect(pending).rejects.toMatchObject({ error: 'authorization_pending' });
    expect(await authorizeDevice(app, await signIn(app), { user_code: started.user_code })).toMatchObject({
      status: 200,
    });
    clock.advance(5_000);
    const tokens = await oauth.processDeviceCodeResponse(
      as,
      client,
      await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, insecure),
    );
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'user profile' });
  });
});

describe.each(backends())('slow_down across instances on %s', (_name, backend) => {
  const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));
  const apps: TokenServerApp[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    // Two instances, each with its own connection(s), over one schema: what several processes see.
    const databases: Database[] = [];
    if (backend.kind === 'pglite') {
      const db = await createPgliteDatabase();
      databases.push(db, db);
      cleanups.push(() => db.close());
    } else {
      const { schema, drop } = await createTestSchema(backend.url);
      for (let i = 0; i < 2; i++)
        databases.push(createPostgresDatabase({ url: backend.url, schema, poolSize: 4 }));
      cleanups.push(async () => {
        for (const db of databases) await db.close();
        await drop();
      });
    }
    for (const database of databases) {
      apps.push(
        await buildApp({
          secret: TEST_SECRET,
          issuer: TEST_ISSUER,
          envId: ENV_ID,
          database,
          clock,
          logger: false,
          passwordHasher: createArgon2Hasher(TEST_ARGON2),
        }),
      );
    }
    await apps[0]!.lingpai.clients.add(TV_CLIENT);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const cleanup of cleanups) await cleanup();
  });

  it('a poll on instance B right after one on instance A gets slow_down', async () => {
    const [a, b] = apps as [TokenServerApp, TokenServerApp];
    const started = await startDevice(a);
    expect((await poll(a, started.device_code)).body.error).toBe('authorization_pending');
    clock.advance(2_000);
    expect((await poll(b, started.device_code)).body.error).toBe('slow_down');
    clock.advance(10_000);
    expect((await poll(a, started.device_code)).body.error).toBe('authorization_pending');
    clock.advance(5_000);
    expect((await poll(b, started.device_code)).body.error).toBe('slow_down');
  });

  it('parallel polls split over both instances: at most one is not slow_down', async () => {
    const [a, b] = apps as [TokenServerApp, TokenServerApp];
    const started = await startDevice(b);
    clock.advance(1_000);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => poll(i % 2 === 0 ? a : b, started.device_code)),
    );
    const errors = answers.map((answer) => answer.body.error);
    expect(errors.filter((error) => error === 'authorization_pending')).toHaveLength(1);
    expect(errors.filter((error) => error === 'slow_down')).toHaveLength(19);
  });
});
