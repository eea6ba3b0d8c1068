import { createManualClock } from '@lingpai/auth-core';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUserIdentities } from '../src/social/identity-repository.js';
import {
  APP_REDIRECT_URI,
  cloudbaseCall,
  platformCallback,
  providerToken,
  SANDBOX_PROVIDER_IDS,
  SOCIAL_CLIENT,
  sandboxServerOptions,
  sandboxSocialConfig,
} from './support/social-sandbox.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

/**
 * The first-time path: `POST /auth/v1/signup` with the `provider_token` alone (the sign-up route
 * consumes it and links the identity through contract S) — a user with no password, phone or email.
 */
async function signUpWith(
  server: TestServer,
  token: string,
  deviceId: string,
  name: string,
): Promise<string> {
  const answer = await cloudbaseCall(server.app, 'POST', '/auth/v1/signup', {
    deviceId,
    body: { provider_token: token, name },
  });
  if (answer.status !== 200)
    throw new Error(`signup answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return String(answer.body.sub);
}

/** Low enough to reach in a test, above what the rest of this file starts from 127.0.0.1. */
const SOCIAL_LOGINS_PER_IP = 80;

describe.each(backends())('social login (%s)', (_name, backend) => {
  let sandbox: Sandbox;
  let server: TestServer;
  const clock = createManualClock(Date.parse('2026-12-01T00:00:00Z'));

  beforeAll(async () => {
    sandbox = await createSandbox({ clock });
    const url = await sandbox.listen();
    server = await startTestServer(backend, {
      clock,
      ...sandboxServerOptions(url),
      limits: { socialLoginsPerIp: SOCIAL_LOGINS_PER_IP },
    });
    for (const id of [SOCIAL_CLIENT, 'other-app']) {
      await server.addClient({
        id,
        kind: 'public',
        grantTypes: ['refresh_token'],
        scopes: ['user', 'openid'],
        defaultScopes: ['user'],
        redirectUris: [APP_REDIRECT_URI],
        firstParty: true,
      });
    }
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
  });

  it.each(SANDBOX_PROVIDER_IDS.map((id) => [id]))(
    '%s: a first login is user_not_found, sign-up binds it, the next login signs in',
    async (providerId) => {
      const deviceId = `device-first-${providerId}`;
      // carol's WeChat website login already made her a user by the time the official account is
      // tried (one unionid), so bob is new there.
      const person = providerId === 'wechat_mp' ? 'bob' : 'carol';
      const first = await providerToken(server.app, { providerId, user: person, deviceId });
      const signIn = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
        deviceId,
        body: { provider_token: first },
      });
      expect(signIn).toMatchObject({ status: 404, body: { error: 'user_not_found' } });

      // The refusal left the token usable for the sign-up.
      const sub = await signUpWith(server, first, deviceId, `${person} via ${providerId}`);
      const replay = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
        deviceId,
        body: { provider_token: first },
      });
      expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_provider_token' } });

      const again = await providerToken(server.app, { providerId, user: person, deviceId });
      const returning = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
        deviceId,
        body: { provider_token: again },
      });
      expect(returning.status).toBe(200);
      expect(returning.body).toMatchObject({ token_type: 'Bearer', sub, scope: 'user' });
      expect(typeof returning.body.refresh_token).toBe('string');

      const identities = await listUserIdentities(server.db, sub);
      expect(identities).toHaveLength(1);
      expect(identities[0]?.id).toBe(providerId);
      // The platform's verified email is never copied onto the user, nor is one invented.
      const user = await server.app.lingpai.users.findBySub(sub);
      expect(user?.email).toBeNull();

      // Used once: the sign-in spent it.
      const spent = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
        deviceId,
        body: { provider_token: again },
      });
      expect(spent).toMatchObject({ status: 400, body: { error: 'invalid_provider_token' } });
    },
  );

  it('WeChat website and official account logins of one person are one user (the unionid)', async () => {
    const deviceId = 'device-unionid';
    const web = await providerToken(server.app, { providerId: 'wechat', user: 'alice', deviceId });
    const sub = await signUpWith(server, web, deviceId, 'alice');
    const mp = await providerToken(server.app, { providerId: 'wechat_mp', user: 'alice', deviceId });
    const signIn = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: mp },
    });
    expect(signIn).toMatchObject({ status: 200, body: { sub } });
    // Both apps' openids are kept beside the one unionid-keyed identity.
    const rows = await server.db.query<{ subject: string; open_ids: Record<string, string> }>(
      'SELECT subject, open_ids FROM user_identities WHERE user_sub = $1',
      [sub],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.subject.startsWith('union:')).toBe(true);
    expect(Object.keys(rows[0]?.open_ids ?? {}).sort()).toEqual(
      [sandboxSocialConfig('x').wechat?.appId, sandboxSocialConfig('x').wechat_mp?.appId].sort(),
    );
  });

  it('a WeChat mini program: the wx.login code alone (no authorize page), the same unionid-keyed user', async () => {
    const deviceId = 'device-mini';
    const web = await providerToken(server.app, { providerId: 'wechat', user: 'alice', deviceId });
    const viaWeb = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: web },
    });
    const sub =
      viaWeb.status === 200 ? String(viaWeb.body.sub) : await signUpWith(server, web, deviceId, 'alice');

    const code = sandbox.oauth.wechatJsCode(sandboxSocialConfig('x').wechat_mini?.appId ?? '', 'alice');
    const token = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'wechat_mini', provider_code: code },
    });
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    const signIn = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: String(token.body.provider_token) },
    });
    expect(signIn).toMatchObject({ status: 200, body: { sub } });

    const uri = await cloudbaseCall(
      server.app,
      'GET',
      `/auth/v1/provider/uri?provider_id=wechat_mini&redirect_uri=${encodeURIComponent(APP_REDIRECT_URI)}`,
      { deviceId },
    );
    expect(uri).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a platform-only account proves itself for sudo with a fresh platform login, and can delete itself', async () => {
    const deviceId = 'device-sudo';
    await signUpWith(
      server,
      await providerToken(server.app, { providerId: 'dingtalk', user: 'alice', deviceId }),
      deviceId,
      'dave',
    );
    const signIn = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: {
        provider_token: await providerToken(server.app, { providerId: 'dingtalk', user: 'alice', deviceId }),
      },
    });
    const bearer = String(signIn.body.access_token);
    // Another person's platform login is no proof, and is not spent by the refusal.
    const someoneElse = await providerToken(server.app, { providerId: 'dingtalk', user: 'bob', deviceId });
    const refused = await cloudbaseCall(server.app, 'POST', '/auth/v1/user/sudo', {
      deviceId,
      bearer,
      body: { provider_token: someoneElse },
    });
    expect(refused.body.error).toBe('invalid_provider_token');
    const erin = await cloudbaseCall(server.app, 'POST', '/auth/v1/signup', {
      deviceId,
      body: { provider_token: someoneElse, name: 'erin' },
    });
    expect(erin.status).toBe(200);

    const proof = await providerToken(server.app, { providerId: 'dingtalk', user: 'alice', deviceId });
    const sudo = await cloudbaseCall(server.app, 'POST', '/auth/v1/user/sudo', {
      deviceId,
      bearer,
      body: { provider_token: proof },
    });
    expect(sudo.status).toBe(200);
    // Single use, like every provider_token.
    const again = await cloudbaseCall(server.app, 'POST', '/auth/v1/user/sudo', {
      deviceId,
      bearer,
      body: { provider_token: proof },
    });
    expect(again.body.error).toBe('invalid_provider_token');
    const deleted = await cloudbaseCall(
      server.app,
      'DELETE',
      `/auth/v1/user/me?sudo_token=${String(sudo.body.sudo_token)}`,
      { bearer },
    );
    expect(deleted).toEqual({ status: 200, body: {} });
  });

  it('binds a second platform, lists both, unbinds one and refuses to unbind the last', async () => {
    const deviceId = 'device-bind';
    const sub = await signUpWith(
      server,
      await providerToken(server.app, { providerId: 'github', user: 'alice', deviceId }),
      deviceId,
      'alice',
    );
    const signIn = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: {
        provider_token: await providerToken(server.app, { providerId: 'github', user: 'alice', deviceId }),
      },
    });
    expect(signIn.status).toBe(200);
    const bearer = String(signIn.body.access_token);

    const google = await providerToken(server.app, { providerId: 'google', user: 'alice', deviceId });
    const bind = await cloudbaseCall(server.app, 'POST', '/auth/v1/user/provider/bind', {
      deviceId,
      bearer,
      body: { provider_token: google },
    });
    expect(bind).toEqual({ status: 200, body: {} });

    const list = await cloudbaseCall(server.app, 'GET', '/auth/v1/user/provider', { bearer });
    expect(list.status).toBe(200);
    const data = list.body.data as Array<{ id: string; bind: boolean; provider_user_id?: string }>;
    expect(list.body.total).toBe(Object.keys(sandboxSocialConfig('x')).length);
    expect(data.filter((item) => item.bind).map((item) => item.id)).toEqual(['github', 'google']);
    expect(data.find((item) => item.id === 'github')?.provider_user_id).toMatch(/^\d+$/);

    // Google now signs alice in too.
    const viaGoogle = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: {
        provider_token: await providerToken(server.app, { providerId: 'google', user: 'alice', deviceId }),
      },
    });
    expect(viaGoogle).toMatchObject({ status: 200, body: { sub } });
    // That sign-in on the same device replaced the session: carry on with its token.
    const current = String(viaGoogle.body.access_token);

    const unbind = await cloudbaseCall(server.app, 'DELETE', '/auth/v1/user/provider/google', {
      bearer: current,
    });
    expect(unbind).toEqual({ status: 200, body: {} });
    const last = await cloudbaseCall(server.app, 'DELETE', '/auth/v1/user/provider/github', {
      bearer: current,
    });
    expect(last).toMatchObject({ status: 400, body: { error: 'failed_precondition' } });
    const none = await cloudbaseCall(server.app, 'DELETE', '/auth/v1/user/provider/google', {
      bearer: current,
    });
    expect(none).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await listUserIdentities(server.db, sub)).map((item) => item.id)).toEqual(['github']);

    // With a password the last platform may go.
    await server.db.query("UPDATE users SET password_hash = 'x' WHERE sub = $1", [sub]);
    const withPassword = await cloudbaseCall(server.app, 'DELETE', '/auth/v1/user/provider/github', {
      bearer: current,
    });
    expect(withPassword.status).toBe(200);

    await server.app.lingpai.audit.flush();
    const audited = await server.db.query<{ kind: string; detail: Record<string, unknown> }>(
      "SELECT kind, detail FROM audit_events WHERE sub = $1 AND kind LIKE 'provider_%' ORDER BY id",
      [sub],
    );
    expect(audited).toEqual([
      { kind: 'provider_bound', detail: { provider: 'google' } },
      { kind: 'provider_unbound', detail: { provider: 'google' } },
      { kind: 'provider_unbound', detail: { provider: 'github' } },
    ]);
  });

  it("refuses to bind another user's identity, and that token stays usable", async () => {
    const deviceId = 'device-taken';
    await signUpWith(
      server,
      await providerToken(server.app, { providerId: 'weibo', user: 'bob', deviceId }),
      deviceId,
      'bob on weibo',
    );
    const other = await signUpWith(
      server,
      await providerToken(server.app, { providerId: 'douyin', user: 'bob', deviceId }),
      deviceId,
      'bob on douyin',
    );
    const signIn = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: {
        provider_token: await providerToken(server.app, { providerId: 'douyin', user: 'bob', deviceId }),
      },
    });
    expect(signIn).toMatchObject({ status: 200, body: { sub: other } });
    const weibo = await providerToken(server.app, { providerId: 'weibo', user: 'bob', deviceId });
    const bind = await cloudbaseCall(server.app, 'POST', '/auth/v1/user/provider/bind', {
      deviceId,
      bearer: String(signIn.body.access_token),
      body: { provider_token: weibo },
    });
    expect(bind).toMatchObject({ status: 409, body: { error: 'provider_already_bound' } });
    const stillGood = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: weibo },
    });
    expect(stillGood.status).toBe(200);
    expect(stillGood.body.sub).not.toBe(other);
  });

  it('refuses a provider_token presented by another client or another device', async () => {
    const deviceId = 'device-bound';
    const token = await providerToken(server.app, { providerId: 'qq', user: 'alice', deviceId });
    const otherDevice = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId: 'device-thief',
      body: { provider_token: token },
    });
    expect(otherDevice).toMatchObject({ status: 400, body: { error: 'invalid_provider_token' } });
    const otherClient = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      clientId: 'other-app',
      body: { provider_token: token },
    });
    expect(otherClient).toMatchObject({ status: 400, body: { error: 'invalid_provider_token' } });
    // Neither attempt spent it.
    const owner = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: token },
    });
    expect(owner).toMatchObject({ status: 404, body: { error: 'user_not_found' } });
  });

  it('one provider_token, twenty parallel sign-ins: exactly one session', async () => {
    const deviceId = 'device-race';
    const sub = await signUpWith(
      server,
      await providerToken(server.app, { providerId: 'lark', user: 'alice', deviceId }),
      deviceId,
      'alice on lark',
    );
    const familiesOf = async () =>
      (await server.db.query('SELECT 1 FROM refresh_families WHERE user_sub = $1', [sub])).length;
    const before = await familiesOf();
    const token = await providerToken(server.app, { providerId: 'lark', user: 'alice', deviceId });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
          deviceId,
          body: { provider_token: token },
        }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.error === 'invalid_provider_token')).toHaveLength(19);
    // The sign-up's session plus exactly one more.
    expect(await familiesOf()).toBe(before + 1);
  });

  it('refuses a WeChat snapshot-page user', async () => {
    const deviceId = 'device-snapshot';
    const { code } = await platformCallback(server.app, {
      providerId: 'wechat_mp',
      user: 'snapshot',
      deviceId,
    });
    const answer = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'wechat_mp', provider_code: code, provider_redirect_uri: APP_REDIRECT_URI },
    });
    expect(answer).toMatchObject({ status: 403, body: { error: 'permission_denied' } });
    expect(
      await server.db.query('SELECT 1 FROM provider_tokens WHERE device_id = $1', [deviceId]),
    ).toHaveLength(0);
  });

  it('refuses a redirect_uri the client did not register, exactly', async () => {
    for (const redirect of [
      'http://127.0.0.1:7999/callback/',
      'http://127.0.0.1:7999/callback?x=1',
      'http://127.0.0.1:7998/callback',
    ]) {
      const answer = await cloudbaseCall(
        server.app,
        'GET',
        `/auth/v1/provider/uri?provider_id=github&redirect_uri=${encodeURIComponent(redirect)}`,
        { deviceId: 'device-redirect' },
      );
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    }
    // And the code exchange names the redirect the login started with, or none.
    const { code } = await platformCallback(server.app, {
      providerId: 'github',
      user: 'alice',
      deviceId: 'device-r2',
    });
    const mismatch = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId: 'device-r2',
      body: {
        provider_id: 'github',
        provider_code: code,
        provider_redirect_uri: 'http://127.0.0.1:7999/other',
      },
    });
    expect(mismatch).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a state is single use: a second exchange with it and a second login with it are refused', async () => {
    const deviceId = 'device-state';
    const state = 'app-state-0123456789';
    const { code, state: echoed } = await platformCallback(server.app, {
      providerId: 'dingtalk',
      user: 'alice',
      deviceId,
      state,
    });
    // The platform echoes the app's own state (the official client looks it up in sessionStorage).
    expect(echoed).toBe(state);
    const exchange = (provider_code: string) =>
      cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
        deviceId,
        body: { provider_id: 'dingtalk', provider_code, provider_redirect_uri: APP_REDIRECT_URI, state },
      });
    const answers = await Promise.all([exchange(code), exchange(code)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    const again = await cloudbaseCall(
      server.app,
      'GET',
      `/auth/v1/provider/uri?provider_id=dingtalk&redirect_uri=${encodeURIComponent(APP_REDIRECT_URI)}&state=${state}`,
      { deviceId },
    );
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a pending login lasts ten minutes', async () => {
    const deviceId = 'device-expiry';
    const { code } = await platformCallback(server.app, { providerId: 'google', user: 'bob', deviceId });
    clock.advance(601_000);
    const late = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'google', provider_code: code, provider_redirect_uri: APP_REDIRECT_URI },
    });
    expect(late).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a provider_token lasts ten minutes', async () => {
    const deviceId = 'device-token-expiry';
    const token = await providerToken(server.app, { providerId: 'alipay', user: 'bob', deviceId });
    clock.advance(601_000);
    const late = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
      deviceId,
      body: { provider_token: token },
    });
    expect(late).toMatchObject({ status: 400, body: { error: 'invalid_provider_token' } });
  });

  it('refuses a blocked user without spending the provider_token', async () => {
    const deviceId = 'device-blocked';
    const sub = await signUpWith(
      server,
      await providerToken(server.app, { providerId: 'github', user: 'bob', deviceId }),
      deviceId,
      'bob on github',
    );
    await server.db.query("UPDATE users SET status = 'BLOCKED' WHERE sub = $1", [sub]);
    const token = await providerToken(server.app, { providerId: 'github', user: 'bob', deviceId });
    for (let i = 0; i < 2; i++) {
      const refused = await cloudbaseCall(server.app, 'POST', '/auth/v1/signin/with/provider', {
        deviceId,
        body: { provider_token: token },
      });
      expect(refused).toMatchObject({ status: 403, body: { error: 'user_blocked' } });
    }
  });

  it('caps the social logins one network starts', async () => {
    const start = () =>
      cloudbaseCall(
        server.app,
        'GET',
        `/auth/v1/provider/uri?provider_id=github&redirect_uri=${encodeURIComponent(APP_REDIRECT_URI)}`,
        { deviceId: 'device-flood', ip: '203.0.113.7' },
      );
    for (let i = 0; i < SOCIAL_LOGINS_PER_IP; i++) expect((await start()).status).toBe(200);
    const over = await start();
    expect(over).toMatchObject({ status: 429, body: { error: 'rate_limit_exceeded' } });
    // Another network is not affected.
    const other = await cloudbaseCall(
      server.app,
      'GET',
      `/auth/v1/provider/uri?provider_id=github&redirect_uri=${encodeURIComponent(APP_REDIRECT_URI)}`,
      { deviceId: 'device-flood', ip: '198.51.100.7' },
    );
    expect(other.status).toBe(200);
  });

  it('refuses an unknown provider_id, a code the platform does not know, and a platform token instead of a code', async () => {
    const unknown = await cloudbaseCall(
      server.app,
      'GET',
      `/auth/v1/provider/uri?provider_id=myspace&redirect_uri=${encodeURIComponent(APP_REDIRECT_URI)}`,
      { deviceId: 'd' },
    );
    expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const deviceId = 'device-bad-code';
    await platformCallback(server.app, { providerId: 'github', user: 'alice', deviceId });
    const bad = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'github', provider_code: 'not-a-code', provider_redirect_uri: APP_REDIRECT_URI },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const accessToken = await cloudbaseCall(server.app, 'POST', '/auth/v1/provider/token', {
      deviceId,
      body: { provider_id: 'github', provider_access_token: 'gho_x' },
    });
    expect(accessToken).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});
