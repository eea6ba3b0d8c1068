// Every endpoint group of /auth/v1 through @lingpai/auth-client, against the real server listening
// on a socket: codes by SMS (the sandbox) and email (a real SMTP server), sign-up and sign-in with
// them, the anonymous upgrade, forgot password, social login through the sandbox's platform pages,
// the signed-in user's API, sessions, the admin API and the audit log.
import { AuthClient, type AuthClientError } from '@lingpai/auth-client';
import { systemClock } from '@lingpai/auth-core';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../../src/clients/client.js';
import { freePort } from '../support/listening-server.js';
import { MANY_SENDS } from '../support/signin-support.js';
import { APP_REDIRECT_URI, consentAtPlatform, sandboxServerOptions } from '../support/social-sandbox.js';
import { ENV_ID } from '../support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from '../support/verification-fixture.js';
import { recordingFetch, sharedStorage } from './auth-client-support.js';

const PASSWORD = 'Client-Pass-1';
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AuthClientError,
  );

describe('@lingpai/auth-client, every endpoint group', () => {
  let f: VerificationFixture;
  let social: Sandbox;
  let issuer: string;
  let adminSecret: string;
  const clients: AuthClient[] = [];

  beforeAll(async () => {
    social = await createSandbox();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    f = await startServerWithSandbox(
      { kind: 'pglite' },
      {
        issuer,
        clock: systemClock,
        verification: MANY_SENDS,
        ...sandboxServerOptions(await social.listen()),
      },
    );
    await f.server.app.listen({ port, host: '127.0.0.1' });
    await f.server.addClient({
      id: 'app',
      name: 'App',
      kind: 'public',
      firstParty: true,
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user', 'openid', 'profile'],
      defaultScopes: ['user'],
      redirectUris: [APP_REDIRECT_URI],
    });
    adminSecret = (await f.server.addClient({
      id: 'back-office',
      kind: 'confidential',
      grantTypes: [GRANT_TYPES.clientCredentials],
      scopes: ['admin'],
    })) as string;
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.dispose();
    await f?.close();
    await social?.close();
  });

  function client(options: { clientId?: string; clientSecret?: string } = {}) {
    const wire = recordingFetch();
    const made = new AuthClient({
      issuer,
      clientId: options.clientId ?? 'app',
      ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
      storage: sharedStorage(),
      fetch: wire.fetch,
      crossTab: false,
    });
    clients.push(made);
    return Object.assign(made, { wire });
  }

  /** Send → read the code from the inbox → verify: a verification_token. */
  async function codeToken(
    app: AuthClient,
    to: { phone_number: string } | { email: string },
    usage:
      | 'SIGN_IN'
      | 'REGISTER'
      | 'PASSWORD_RESET'
      | 'EMAIL_ADDRESS_CHANGE'
      | 'PHONE_NUMBER_CHANGE'
      | 'SUDO',
    target?: 'CUR_USER',
  ) {
    const sent = await app.sendVerification({ ...to, usage, ...(target ? { target } : {}) });
    expect(sent).toMatchObject({ verification_id: expect.any(String), expires_in: 600 });
    const code =
      'phone_number' in to ? await f.lastSmsCode(to.phone_number) : await f.lastEmailCode(to.email);
    const { verification_token } = await app.verify({
      verification_id: sent.verification_id,
      verification_code: code!,
    });
    return verification_token;
  }

  it('codes: sign in by SMS, else sign up with the same code; password sign-in; forgot password', async () => {
    const app = client();
    const phone = '+86 13800138001';
    const token = await codeToken(app, { phone_number: phone }, 'SIGN_IN');
    const missing = await failure(app.signIn({ verification_token: token }));
    expect([missing?.error, missing?.errorCode, missing?.status]).toEqual(['user_not_found', 4004, 404]);
    const signedUp = await app.signUp({
      phone_number: phone,
      verification_token: token,
      username: 'lisi',
      password: PASSWORD,
    });
    expect(signedUp.scope).toBe('user');
    expect(await app.getUserInfo()).toMatchObject({
      username: 'lisi',
      phone_number: phone,
      phone_number_verified: true,
    });

    const other = client();
    await other.signIn({ username: 'lisi', password: PASSWORD });
    const reset = await codeToken(other, { phone_number: phone }, 'PASSWORD_RESET');
    expect(
      await other.resetPassword({
        phone_number: phone,
        new_password: 'Client-Pass-2',
        verification_token: reset,
      }),
    ).toEqual({});
    // A reset ends every session: both clients find out on their next call.
    expect((await failure(app.getUserInfo()))?.error).toBe('unauthenticated');
    await other.signIn({ username: 'lisi', password: 'Client-Pass-2' });
    expect((await other.getUserInfo()).username).toBe('lisi');
  });

  it('anonymous: a user of its own, upgraded in place by sign-up (same sub)', async () => {
    const app = client();
    const anonymous = await app.signInAnonymously();
    expect(anonymous.scope).toBe('anonymous');
    expect((await app.getUserInfo()).is_anonymous).toBe(true);
    const email = 'anon-upgrade@example.com';
    const token = await codeToken(app, { email }, 'REGISTER');
    const upgraded = await app.signUp({ email, verification_token: token, password: PASSWORD });
    expect(upgraded.sub).toBe(anonymous.sub);
    expect(app.wire.to('/auth/v1/signup')[0]?.body).toMatchObject({
      anonymous_token: anonymous.access_token,
    });
    expect(await app.getUserInfo()).toMatchObject({ sub: anonymous.sub, email, is_anonymous: false });
  });

  it('the signed-in user: profile, basic edit, sudo, password, contact, sessions, devices, deletion', async () => {
    const laptop = client();
    const phone = '+86 13800138002';
    await laptop.signUp({
      phone_number: phone,
      verification_token: await codeToken(laptop, { phone_number: phone }, 'REGISTER'),
      username: 'wangwu',
      password: PASSWORD,
    });
    expect(await laptop.setUserProfile({ name: '王五', gender: 'MALE' })).toMatchObject({
      name: '王五',
      gender: 'MALE',
    });
    expect(await laptop.updateUserBasicInfo({ nickname: 'Wu' })).toEqual({});
    expect((await laptop.getUserInfo()).name).toBe('Wu');

    const { sudo_token } = await laptop.sudo({ password: PASSWORD });
    expect(await laptop.setPassword({ new_password: 'Client-Pass-3', sudo_token })).toEqual({});
    const email = 'wangwu@example.com';
    const change = await codeToken(laptop, { email }, 'EMAIL_ADDRESS_CHANGE');
    const sudo = await laptop.sudo({
      verification_token: await codeToken(laptop, { phone_number: phone }, 'SUDO', 'CUR_USER'),
    });
    expect(
      await laptop.editContact({ email, verification_token: change, sudo_token: sudo.sudo_token }),
    ).toEqual({});
    expect((await laptop.getUserInfo()).email).toBe(email);

    // Three more devices; end one by session, one by device id, then all but this one.
    const devices = [client(), client(), client()];
    for (const device of devices) await device.signIn({ username: 'wangwu', password: 'Client-Pass-3' });
    const sessions = await laptop.getSessions();
    expect(sessions.total).toBe(4);
    expect(sessions.data.filter((session) => session.current)).toHaveLength(1);
    const byDevice = async (device: AuthClient) => {
      const id = await device.getDeviceId();
      return sessions.data.find((session) => session.device_id === id)!;
    };
    expect(await laptop.endSession((await byDevice(devices[0]!)).id)).toEqual({});
    expect(await laptop.revokeDevice(await devices[1]!.getDeviceId())).toEqual({});
    expect(await laptop.endSession('others')).toEqual({ ended: 1 });
    for (const device of devices)
      expect((await failure(device.getUserInfo()))?.error).toBe('unauthenticated');
    expect((await laptop.getSessions()).total).toBe(1);

    const phoneApp = client();
    await phoneApp.signIn({ username: 'wangwu', password: 'Client-Pass-3' });
    await phoneApp.revokeAllDevices();
    expect(await phoneApp.getCredentials()).toBeNull();
    expect((await failure(laptop.getUserInfo()))?.error).toBe('unauthenticated');

    const last = client();
    await last.signIn({ username: 'wangwu', password: 'Client-Pass-3' });
    await last.deleteMe({ sudo_token: (await last.sudo({ password: 'Client-Pass-3' })).sudo_token });
    expect(await last.getCredentials()).toBeNull();
    expect((await failure(client().signIn({ username: 'wangwu', password: 'Client-Pass-3' })))?.error).toBe(
      'invalid_username_or_password',
    );
  });

  it('social login: provider uri → the platform → provider token → sign-up; bind and unbind', async () => {
    const app = client();
    let logins = 0;
    const platformLogin = async (providerId: string, user: string, on: AuthClient = app) => {
      const state = `s-${providerId}-${++logins}`;
      const { uri } = await on.genProviderRedirectUri({
        provider_id: providerId,
        redirect_uri: APP_REDIRECT_URI,
        state,
      });
      const callback = await consentAtPlatform(uri, user);
      expect(callback.searchParams.get('state')).toBe(state);
      const answer = await on.grantProviderToken({
        provider_id: providerId,
        provider_code: callback.searchParams.get('code') ?? callback.searchParams.get('auth_code') ?? '',
        provider_redirect_uri: APP_REDIRECT_URI,
        state,
      });
      return answer.provider_token;
    };
    const token = await platformLogin('qq', 'alice');
    expect((await failure(app.signInWithProvider({ provider_token: token })))?.error).toBe('user_not_found');
    const signedUp = await app.signUp({ provider_token: token });
    expect(signedUp.scope).toBe('user');
    const bound = (await app.getProviders()).data
      .filter((provider) => provider.bind)
      .map((provider) => provider.id);
    expect(bound).toEqual(['qq']);
    expect(await app.bindWithProvider({ provider_token: await platformLogin('weibo', 'alice') })).toEqual({});
    expect(await app.unbindProvider('qq')).toEqual({});
    expect(
      (await app.getProviders()).data.filter((provider) => provider.bind).map((provider) => provider.id),
    ).toEqual(['weibo']);
    // The last way in cannot go.
    expect((await failure(app.unbindProvider('weibo')))?.error).toBe('failed_precondition');
    const again = client();
    // A provider_token is bound to the device that made it.
    await again.signInWithProvider({ provider_token: await platformLogin('weibo', 'alice', again) });
    expect((await again.getUserInfo()).sub).toBe(signedUp.sub);
  });

  it('tokens: the password grant, userinfo, introspection, revocation, user/signout', async () => {
    const app = client();
    await f.server.addUser('zhaoliu', PASSWORD);
    await app.grantToken({
      grant_type: 'password',
      username: 'zhaoliu',
      password: PASSWORD,
      scope: 'user openid profile',
    });
    expect(await app.userinfo()).toMatchObject({ sub: expect.any(String), preferred_username: 'zhaoliu' });
    expect(await app.introspect()).toMatchObject({ client_id: 'app', scope: 'user openid profile' });
    const { access_token } = (await app.getCredentials())!;
    expect(await app.revoke(access_token)).toEqual({});
    // CloudBase's introspection: {} for a dead token. The next call finds the session gone, typed.
    expect(await app.introspect()).toEqual({});
    expect((await failure(app.getUserInfo()))?.error).toBe('unauthenticated');
    expect(await app.getCredentials()).toBeNull();

    // CloudBase's other sign-out: POST /auth/v1/user/signout with the Bearer token.
    const signedIn = await app.signIn({ username: 'zhaoliu', password: PASSWORD });
    expect(await app.signOutRedirect({ state: 's' })).toEqual({});
    expect(app.wire.to('/auth/v1/user/signout')[0]?.headers.get('authorization')).toBe(
      `Bearer ${signedIn.access_token}`,
    );
    expect(await app.getCredentials()).toBeNull();
    const replay = await failure(
      app.token({ grant_type: 'refresh_token', refresh_token: signedIn.refresh_token }),
    );
    expect(replay?.error).toBe('invalid_grant');
  });

  it('the admin API with a client_credentials token: users, block, sessions, audit; user/query', async () => {
    const admin = client({ clientId: 'back-office', clientSecret: adminSecret });
    const credentials = await admin.grantToken({ grant_type: 'client_credentials', scope: 'admin' });
    expect(credentials.refresh_token).toBeUndefined();
    const created = await admin.admin.createUser({ username: 'sunqi', password: PASSWORD, name: '孙七' });
    expect(created).toMatchObject({ username: 'sunqi', status: 'ACTIVE' });
    expect((await admin.admin.getUser(created.sub)).name).toBe('孙七');
    expect((await admin.admin.listUsers({ username: 'SUNQI' })).data.map((user) => user.sub)).toEqual([
      created.sub,
    ]);
    const user = client();
    await user.signIn({ username: 'sunqi', password: PASSWORD });
    expect(await admin.admin.blockUser(created.sub)).toMatchObject({ status: 'BLOCKED', ended_sessions: 1 });
    expect((await failure(user.getUserInfo()))?.error).toBe('unauthenticated');
    expect(await admin.admin.unblockUser(created.sub)).toMatchObject({ status: 'ACTIVE' });
    await user.signIn({ username: 'sunqi', password: PASSWORD });
    expect(await admin.admin.endUserSessions(created.sub)).toMatchObject({ ended_sessions: 1 });
    const audit = await admin.admin.audit({ sub: created.sub, kind: 'user_blocked' });
    expect(audit.data.map((entry) => entry.kind)).toEqual(['user_blocked']);
    expect((await admin.queryUserProfile({ username: 'sunqi' })).data.map((found) => found.sub)).toEqual([
      created.sub,
    ]);
    // A user token is refused the admin API, typed.
    const error = await failure(client().admin.listUsers());
    expect(error?.error).toBe('unauthenticated');
    expect(ENV_ID).toBeTruthy();
  });
});
