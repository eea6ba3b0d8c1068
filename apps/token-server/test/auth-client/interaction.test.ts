// The login page's side of @lingpai/auth-client against the real server: the interaction API as a
// tab of the issuer's origin calls it (cookies, Origin, x-csrf-token) — password, SMS code, sign-up,
// social start, consent, denial, abort — then the code exchange with PKCE; and the device flow from
// the CLI's poller to the approval on the page.
import { AuthClient, createPkce } from '@lingpai/auth-client';
import { systemClock } from '@lingpai/auth-core';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../../src/clients/client.js';
import { PASSWORD, TV_CLIENT, USERNAME } from '../support/device-support.js';
import { freePort } from '../support/listening-server.js';
import { MANY_SENDS } from '../support/signin-support.js';
import { sandboxServerOptions } from '../support/social-sandbox.js';
import { startServerWithSandbox, type VerificationFixture } from '../support/verification-fixture.js';
import { browserFetch, sharedStorage } from './auth-client-support.js';

const WEB = 'web';
const THIRD = 'partner';
const CALLBACK = 'http://127.0.0.1:7999/callback';

describe('@lingpai/auth-client, the interaction API', () => {
  let f: VerificationFixture;
  let social: Sandbox;
  let socialUrl: string;
  let issuer: string;
  const clients: AuthClient[] = [];

  beforeAll(async () => {
    social = await createSandbox();
    socialUrl = await social.listen();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    f = await startServerWithSandbox(
      { kind: 'pglite' },
      {
        issuer,
        clock: systemClock,
        verification: MANY_SENDS,
        lifetimes: { deviceInterval: 1 },
        ...sandboxServerOptions(socialUrl),
      },
    );
    await f.server.app.listen({ port, host: '127.0.0.1' });
    await f.server.addUser(USERNAME, PASSWORD);
    await f.server.addClient(TV_CLIENT);
    for (const [id, firstParty] of [
      [WEB, true],
      [THIRD, false],
    ] as const) {
      await f.server.addClient({
        id,
        name: id === WEB ? 'Web app' : 'Partner app',
        kind: 'public',
        firstParty,
        grantTypes: [GRANT_TYPES.authorizationCode, GRANT_TYPES.refreshToken],
        scopes: ['user', 'openid', 'profile'],
        defaultScopes: ['user'],
        redirectUris: [CALLBACK],
      });
    }
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.dispose();
    await f?.close();
    await social?.close();
  });

  /** A browser tab at the issuer: its fetch (cookies) and an AuthClient on it, as the login page has. */
  function tab(clientId = WEB) {
    const fetch = browserFetch(issuer);
    const client = new AuthClient({ issuer, clientId, fetch, storage: sharedStorage(), crossTab: false });
    clients.push(client);
    return { fetch, client };
  }

  /** The app sends the browser to the authorization endpoint; the server sends it to the login page. */
  async function authorize(page: ReturnType<typeof tab>, scope = 'user') {
    const pkce = await createPkce();
    const state = `st-${Math.random().toString(36).slice(2)}`;
    const url = page.client.authorizeUrl({
      redirectUri: CALLBACK,
      scope,
      state,
      codeChallenge: pkce.challenge,
    });
    const response = await page.fetch(url);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!, issuer);
    expect(location.pathname).toBe('/login');
    const id = location.searchParams.get('interaction')!;
    const view = await page.client.interaction.describe(id);
    return { id, view, pkce, state };
  }

  async function exchange(
    page: ReturnType<typeof tab>,
    redirectTo: string,
    pkce: { verifier: string },
    state: string,
  ) {
    const back = new URL(redirectTo);
    expect(back.searchParams.get('state')).toBe(state);
    return page.client.exchangeCode({
      code: back.searchParams.get('code')!,
      redirectUri: CALLBACK,
      codeVerifier: pkce.verifier,
    });
  }

  it('password login → approved → the code exchanged with PKCE; the session works', async () => {
    const page = tab();
    const { id, view, pkce, state } = await authorize(page);
    expect(view).toMatchObject({
      kind: 'authorize',
      client: { id: WEB, name: 'Web app', first_party: true },
      needs_login: true,
      needs_consent: false,
      csrf_token: expect.any(String),
    });
    expect(view.login_methods.map((method) => method.type)).toEqual(
      expect.arrayContaining(['password', 'sms', 'email', 'provider']),
    );
    const result = await page.client.interaction.login(id, view.csrf_token, {
      username: USERNAME,
      password: PASSWORD,
    });
    expect(result.status).toBe('approved');
    const credentials = await exchange(page, result.redirect_to!, pkce, state);
    expect(credentials).toMatchObject({
      token_type: 'Bearer',
      scope: 'user',
      refresh_token: expect.any(String),
    });
    expect((await page.client.getUserInfo()).username).toBe(USERNAME);
    // Without the CSRF token the API refuses, typed.
    const other = tab();
    const again = await authorize(other);
    const refused = await other.client.interaction
      .login(again.id, 'wrong', { username: USERNAME, password: PASSWORD })
      .catch((error) => error);
    expect(refused).toMatchObject({ name: 'AuthClientError', error: 'permission_denied', status: 403 });
  });

  it('a third-party app: consent approves (some scopes), deny and abort go back with access_denied', async () => {
    const page = tab(THIRD);
    const first = await authorize(page, 'user profile');
    const logged = await page.client.interaction.login(first.id, first.view.csrf_token, {
      username: USERNAME,
      password: PASSWORD,
    });
    expect(logged).toMatchObject({ status: 'logged_in', needs_consent: true, user: { username: USERNAME } });
    const approved = await page.client.interaction.consent(first.id, first.view.csrf_token, ['user']);
    expect((await exchange(page, approved.redirect_to!, first.pkce, first.state)).scope).toBe('user');

    for (const step of ['deny', 'abort'] as const) {
      const next = await authorize(page, 'user profile');
      expect(next.view.needs_login).toBe(false); // the login session of this browser
      const answer = await page.client.interaction[step](next.id, next.view.csrf_token);
      expect(answer.status).toBe(step === 'deny' ? 'denied' : 'aborted');
      expect(new URL(answer.redirect_to!).searchParams.get('error')).toBe('access_denied');
    }
  });

  it('SMS code login, and the sign-up an unknown number leads to', async () => {
    const page = tab();
    const known = '+86 13800138111';
    await f.server.app.lingpai.users.create({
      username: 'coder',
      password: PASSWORD,
      phoneNumber: known,
    } as never);
    const first = await authorize(page);
    const sent = await page.client.interaction.sendCode(first.id, first.view.csrf_token, {
      phone_number: known,
    });
    expect(sent).toMatchObject({ verification_id: expect.any(String), expires_in: 600 });
    const approved = await page.client.interaction.loginWithCode(first.id, first.view.csrf_token, {
      verification_id: sent.verification_id,
      verification_code: (await f.lastSmsCode(known))!,
    });
    expect(approved.status).toBe('approved');

    const newcomer = tab();
    const fresh = '+86 13800138112';
    const second = await authorize(newcomer);
    const code = await newcomer.client.interaction.sendCode(second.id, second.view.csrf_token, {
      phone_number: fresh,
    });
    const unknown = await newcomer.client.interaction
      .loginWithCode(second.id, second.view.csrf_token, {
        verification_id: code.verification_id,
        verification_code: (await f.lastSmsCode(fresh))!,
      })
      .catch((error) => error);
    expect(unknown).toMatchObject({ error: 'user_not_found', errorCode: 4004 });
    const signedUp = await newcomer.client.interaction.signUp(second.id, second.view.csrf_token, {
      phone_number: fresh,
      username: 'newcomer',
      password: PASSWORD,
    });
    expect(signedUp.status).toBe('approved');
    await exchange(newcomer, signedUp.redirect_to!, second.pkce, second.state);
    expect((await newcomer.client.getUserInfo()).username).toBe('newcomer');
  });

  it('a social start answers the platform URL', async () => {
    const page = tab();
    const { id, view } = await authorize(page);
    const { redirect_to } = await page.client.interaction.startProvider(id, view.csrf_token, 'qq');
    expect(redirect_to.startsWith(`${socialUrl}/qq`)).toBe(true);
  });

  it('the device flow: the CLI polls while the page takes the code, logs in and approves', async () => {
    const cli = new AuthClient({ issuer, clientId: TV_CLIENT.id, storage: sharedStorage(), crossTab: false });
    clients.push(cli);
    const login = await cli.startDeviceLogin();
    const waiting = login.wait();
    const page = tab();
    const { csrf_token } = await page.client.interaction.prepareDevice();
    const view = await page.client.interaction.startDevice(
      csrf_token,
      login.user_code.toLowerCase().replace('-', ' '),
    );
    expect(view).toMatchObject({
      kind: 'device',
      client: { id: TV_CLIENT.id, name: TV_CLIENT.name },
      user_code: login.user_code,
      needs_login: true,
      needs_consent: true,
    });
    await page.client.interaction.login(view.interaction, view.csrf_token, {
      username: USERNAME,
      password: PASSWORD,
    });
    expect(await page.client.interaction.consent(view.interaction, view.csrf_token)).toEqual({
      status: 'approved',
    });
    const credentials = await waiting;
    expect((await cli.introspect()).sub).toBe(credentials.sub);
  });
});
