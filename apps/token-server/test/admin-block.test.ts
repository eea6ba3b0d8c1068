import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../src/clients/client.js';
import { type AdminClients, addAdminClients, adminCall } from './support/admin-support.js';
import {
  ALICE,
  type CodeFlowServer,
  codeOf,
  describeInteraction,
  exchange,
  loginAndConsent,
  startCodeFlowServer,
  startFlow,
} from './support/authorization-code-fixtures.js';
import { authorizeDevice, poll, startDevice, TV_CLIENT } from './support/device-support.js';
import { TestBrowser } from './support/interaction-browser.js';
import { refreshStatus, type SignedIn, signIn, userinfoStatus } from './support/session-helpers.js';
import { backends, ENV_ID } from './support/test-app.js';

describe.each(backends())('blocking a user on %s', (_name, backend) => {
  let server: CodeFlowServer;
  let tokens: AdminClients;

  const admin = (method: 'GET' | 'POST', url: string) => adminCall(server, tokens.adminToken, method, url);
  const block = (sub: string) => admin('POST', `/auth/v1/admin/users/${sub}/block`);
  const unblock = (sub: string) => admin('POST', `/auth/v1/admin/users/${sub}/unblock`);
  const aliceSignIn = (deviceId?: string) =>
    signIn(server, { username: ALICE.username, password: ALICE.password, ...(deviceId ? { deviceId } : {}) });
  // One password attempt at a time per (username, IP): parallel ones come from addresses of their own.
  const passwordGrant = (remoteAddress = '127.0.0.1') =>
    server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${ENV_ID}`,
      remoteAddress,
      payload: { grant_type: 'password', username: ALICE.username, password: ALICE.password },
    });
  /** CloudBase's introspection answers `{}` for a token whose session is dead (the in-memory sid set). */
  const introspect = async (accessToken: string) =>
    (
      await server.app.inject({
        method: 'GET',
        url: '/auth/v1/token/introspect',
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json() as Record<string, unknown>;
  const refresh = (refreshToken: string) =>
    server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${ENV_ID}`,
      payload: { grant_type: 'refresh_token', refresh_token: refreshToken },
    });

  beforeAll(async () => {
    server = await startCodeFlowServer(backend);
    await server.addClient(TV_CLIENT);
    tokens = await addAdminClients(server);
  }, 60_000);
  afterAll(async () => server?.close());

  it('ends every session at once: refresh invalid_grant, access token refused, password grant refused', async () => {
    const phone = await aliceSignIn('phone');
    const laptop = await aliceSignIn('laptop');
    expect(await userinfoStatus(server, phone.access_token)).toBe(200);
    const blocked = await block(server.aliceSub);
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(200);
    expect(blocked.body).toEqual({ sub: server.aliceSub, status: 'BLOCKED', ended_sessions: 2 });
    for (const session of [phone, laptop]) {
      const refused = await refresh(session.refresh_token);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toBe('invalid_grant');
      expect(await userinfoStatus(server, session.access_token)).toBe(401);
      expect(await introspect(session.access_token)).toEqual({});
    }
    const password = await passwordGrant();
    expect(password.statusCode).toBe(400);
    expect(password.json().error).toBe('invalid_grant');
    const user = await admin('GET', `/auth/v1/admin/users/${server.aliceSub}`);
    expect(user.body.status).toBe('BLOCKED');

    const again = await unblock(server.aliceSub);
    expect(again.body).toEqual({ sub: server.aliceSub, status: 'ACTIVE' });
    // Nothing the block ended comes back; a new sign-in works.
    expect(await refreshStatus(server, phone.refresh_token)).toBe(400);
    const fresh = await aliceSignIn();
    expect(await userinfoStatus(server, fresh.access_token)).toBe(200);
    expect(await refreshStatus(server, fresh.refresh_token)).toBe(200);
  });

  it('an authorization code issued before the block is refused at the exchange, also after an unblock', async () => {
    const flow = await startFlow(server);
    const code = codeOf(await loginAndConsent(flow, ALICE));
    expect((await block(server.aliceSub)).status).toBe(200);
    const refused = await exchange(server, { code, verifier: flow.verifier });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toBe('invalid_grant');
    await unblock(server.aliceSub);
    const later = await exchange(server, { code, verifier: flow.verifier });
    expect(later.statusCode).toBe(400);
  });

  it('the login page refuses the blocked user, and the browser’s login session is dead', async () => {
    const browser = new TestBrowser(server.app);
    const first = await startFlow(server, { browser });
    codeOf(await loginAndConsent(first, ALICE)); // signed in on this browser
    expect((await block(server.aliceSub)).status).toBe(200);
    const second = await startFlow(server, { browser });
    const view = await describeInteraction(browser, second.interaction);
    expect(view.needs_login).toBe(true);
    expect(view).not.toHaveProperty('user');
    const login = await browser.fetchPost(`/auth/v1/interaction/${second.interaction}/login`, ALICE, {
      'x-csrf-token': view.csrf_token,
    });
    expect(login.statusCode).toBe(400);
    expect(login.json().error).toBe('invalid_grant');
    const consent = await browser.fetchPost(
      `/auth/v1/interaction/${second.interaction}/consent`,
      {},
      {
        'x-csrf-token': view.csrf_token,
      },
    );
    expect(consent.statusCode).toBe(403);
    await unblock(server.aliceSub);
    // The old login session stays ended: the user logs in again.
    const third = await startFlow(server, { browser });
    expect((await describeInteraction(browser, third.interaction)).needs_login).toBe(true);
    const code = codeOf(await loginAndConsent(third, ALICE));
    expect((await exchange(server, { code, verifier: third.verifier })).statusCode).toBe(200);
  });

  it('a device code approved before the block is refused at the poll', async () => {
    const device = await startDevice(server.app);
    const session = await aliceSignIn();
    const approved = await authorizeDevice(server.app, session.access_token, { user_code: device.user_code });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect((await block(server.aliceSub)).status).toBe(200);
    const polled = await poll(server.app, device.device_code);
    expect(polled.status).toBe(400);
    expect(['access_denied', 'invalid_grant']).toContain(polled.body.error);
    expect(polled.body).not.toHaveProperty('access_token');
    await unblock(server.aliceSub);
    server.clock.advance((device.interval + 1) * 1_000);
    const after = await poll(server.app, device.device_code);
    expect(after.status).toBe(400);
    expect(after.body).not.toHaveProperty('access_token');
  });

  it('a blocked user cannot approve a device either', async () => {
    const device = await startDevice(server.app);
    const session = await aliceSignIn();
    await block(server.aliceSub);
    const approved = await authorizeDevice(server.app, session.access_token, { user_code: device.user_code });
    expect(approved.status).toBe(401);
    await unblock(server.aliceSub);
  });

  it('a token without a session (its client has no refresh grant) is refused after the block too', async () => {
    await server.addClient({
      id: 'no-refresh',
      kind: 'public',
      grantTypes: [GRANT_TYPES.password],
      scopes: ['user', 'openid'],
    });
    const session = await signIn(server, {
      clientId: 'no-refresh',
      username: ALICE.username,
      password: ALICE.password,
    });
    expect(session.refresh_token).toBeUndefined();
    expect(await introspect(session.access_token)).toMatchObject({ sub: server.aliceSub });
    await block(server.aliceSub);
    expect(await introspect(session.access_token)).toEqual({});
    expect(await userinfoStatus(server, session.access_token)).toBe(401);
    await unblock(server.aliceSub);
  });

  it('a block racing with refreshes and sign-ins leaves no live token', async () => {
    const sessions: SignedIn[] = [];
    for (const device of ['a', 'b', 'c', 'd']) sessions.push(await aliceSignIn(`race-${device}`));
    const racing = [
      ...sessions.flatMap((session) => [refresh(session.refresh_token), refresh(session.refresh_token)]),
      passwordGrant('10.0.0.1'),
      passwordGrant('10.0.0.2'),
      passwordGrant('10.0.0.3'),
    ];
    const [blocked, ...answers] = await Promise.all([block(server.aliceSub), ...racing]);
    expect(blocked!.status).toBe(200);
    const issued = answers
      .filter((answer) => answer.statusCode === 200)
      .map((answer) => answer.json() as SignedIn);
    for (const live of [...sessions, ...issued]) {
      expect(await refreshStatus(server, live.refresh_token)).toBe(400);
      expect(await userinfoStatus(server, live.access_token)).toBe(401);
      expect(await introspect(live.access_token)).toEqual({});
    }
    const families = await server.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM refresh_families WHERE user_sub = $1 AND revoked_at IS NULL',
      [server.aliceSub],
    );
    expect(families[0]?.n).toBe(0);
    await unblock(server.aliceSub);
  });

  it('blocking and unblocking are audited with the admin client; unknown users are 404', async () => {
    await block(server.bobSub);
    await unblock(server.bobSub);
    await server.app.lingpai.audit.flush();
    const rows = await server.db.query<{ kind: string; client_id: string; detail: Record<string, unknown> }>(
      `SELECT kind, client_id, detail FROM audit_events WHERE sub = $1 AND kind IN ('user_blocked', 'user_unblocked') ORDER BY id`,
      [server.bobSub],
    );
    expect(rows.map((row) => row.kind)).toEqual(['user_blocked', 'user_unblocked']);
    expect(rows[0]).toMatchObject({
      client_id: 'env-admin',
      detail: { by: 'service:env-admin', ended_sessions: 0 },
    });
    expect((await block('1234567890123456789')).status).toBe(404);
    expect((await unblock('1234567890123456789')).body.error).toBe('user_not_found');
  });
});
