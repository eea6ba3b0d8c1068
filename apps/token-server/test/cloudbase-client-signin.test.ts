// The done-when test of issue 9: the official CloudBase client, @cloudbase/oauth, unmodified and
// pointed at the server with `apiOrigin` only, runs the user side end to end — SMS code → verify →
// sign-up and sign-in, user info, seamless refresh (rotated), password sign-in, anonymous sign-in
// and upgrade, the device flow, and sign-out after which the old refresh token is dead. SMS goes
// through @lingpai/sandbox over HTTP; nothing reaches the internet.

import { CloudbaseOAuth } from '@cloudbase/oauth';
import { systemClock } from '@lingpai/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/listening-server.js';
import { MANY_SENDS } from './support/signin-support.js';
import { ENV_ID } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: async (key: string) => items.get(key) ?? null,
    removeItem: async (key: string) => void items.delete(key),
    setItem: async (key: string, value: string) => void items.set(key, value),
    getItemSync: (key: string) => items.get(key) ?? null,
    removeItemSync: (key: string) => void items.delete(key),
    setItemSync: (key: string, value: string) => void items.set(key, value),
  };
}

interface Stored {
  access_token: string;
  refresh_token: string;
  scope?: string;
  sub?: string;
}

describe('the official @cloudbase/oauth client, user side', () => {
  let fixture: VerificationFixture;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    fixture = await startServerWithSandbox(
      { kind: 'pglite' },
      { issuer: origin, clock: systemClock, smtp: false, verification: MANY_SENDS },
    );
    await fixture.server.app.listen({ port, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => fixture?.close());

  const newClient = () =>
    new CloudbaseOAuth({ apiOrigin: origin, env: ENV_ID, clientId: ENV_ID, storage: memoryStorage() });
  type Client = ReturnType<typeof newClient>;

  /** getVerification → the code from the sandbox's inbox → verify: what an app's code screen does. */
  async function codeToken(oauth: Client, phone: string, usage: string): Promise<string> {
    const sent = await oauth.authApi.getVerification({ phone_number: phone, target: 'ANY', usage });
    expect(sent.verification_id).toBeTruthy();
    const code = await fixture.lastSmsCode(phone);
    const verified = await oauth.authApi.verify({
      verification_id: sent.verification_id as string,
      verification_code: code ?? '',
    });
    return verified.verification_token as string;
  }
  const stored = async (oauth: Client) => (await oauth.authApi.getCredentials()) as unknown as Stored;
  const refreshIsDead = async (refreshToken: string) => {
    const answer = await fixture.inject(`/auth/v1/token?client_id=${ENV_ID}`, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    return answer.json.error === 'invalid_grant';
  };

  it('SMS code → verify → sign-up, user info, then code sign-in, refresh (rotated), password sign-in, sign-out', async () => {
    const app = newClient();
    const signUpToken = await codeToken(app, '13600136001', 'REGISTER');
    const signedUp = await app.authApi.signUp({
      phone_number: '13600136001',
      verification_token: signUpToken,
      username: 'cloudbase_user',
      password: 'Official-123',
      name: '官方',
    } as never);
    expect(signedUp).toMatchObject({ token_type: 'Bearer', scope: 'user' });
    const me = await app.authApi.getUserInfo();
    expect(me).toMatchObject({
      sub: signedUp.sub,
      username: 'cloudbase_user',
      phone_number: '+86 13600136001',
    });

    // Code sign-in on a fresh install.
    const phone = newClient();
    const signInToken = await codeToken(phone, '13600136001', 'SIGN_IN');
    const signedIn = await phone.authApi.signIn({ verification_token: signInToken });
    expect(signedIn.sub).toBe(signedUp.sub);
    expect((await phone.authApi.getUserInfo()).sub).toBe(signedUp.sub);

    // Seamless refresh: rotated, the old refresh token dead at once.
    const before = await stored(phone);
    const refreshed = (await phone.authApi.refreshTokenForce({})) as unknown as Stored;
    expect(refreshed.refresh_token).not.toBe(before.refresh_token);
    expect(await phone.oauth2client.getAccessToken()).toBe(refreshed.access_token);
    expect((await phone.authApi.getUserInfo()).sub).toBe(signedUp.sub);
    // …and by itself: an access token within 30 s of its end is refreshed before the next call.
    const { expires_at: _storedExpiry, ...response } = refreshed as Stored & { expires_at?: unknown };
    await phone.oauth2client.setCredentials({ ...response, expires_in: 31 } as never);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await phone.authApi.getUserInfo()).sub).toBe(signedUp.sub);
    const lazily = await stored(phone);
    expect(lazily.refresh_token).not.toBe(refreshed.refresh_token);

    // Password sign-in (username, then the phone number as username).
    const laptop = newClient();
    const byPassword = await laptop.authApi.signIn({ username: 'cloudbase_user', password: 'Official-123' });
    expect(byPassword.sub).toBe(signedUp.sub);
    await expect(
      laptop.authApi.signIn({ username: 'cloudbase_user', password: 'wrong-one' }),
    ).rejects.toMatchObject({
      error: 'invalid_username_or_password',
    });

    // Sign-out: the session ends, its refresh token is dead.
    const last = await stored(phone);
    expect(last.refresh_token).toBe(lazily.refresh_token);
    await phone.authApi.signOut();
    expect(await refreshIsDead(last.refresh_token)).toBe(true);
    // The one rotated out before is dead too (checked last: presenting it again is reuse, which
    // would end the session by itself).
    expect(await refreshIsDead(before.refresh_token)).toBe(true);
    expect(await refreshIsDead(refreshed.refresh_token)).toBe(true);
    expect(fixture.server.app.lingpai.verifier.verify(last.access_token)).toBeUndefined();
  });

  it('anonymous sign-in, then the upgrade by sign-up keeps the sub', async () => {
    const app = newClient();
    const anonymous = await app.authApi.signInAnonymously();
    expect(anonymous).toMatchObject({ scope: 'anonymous' });
    const anonymousToken = await app.oauth2client.getAccessToken();
    const token = await codeToken(app, '13600136002', 'REGISTER');
    const upgraded = await app.authApi.signUp({
      phone_number: '13600136002',
      verification_token: token,
      anonymous_token: anonymousToken,
    } as never);
    expect(upgraded.sub).toBe(anonymous.sub);
    expect(upgraded.scope).toBe('user');
    const me = (await app.authApi.getUserInfo()) as unknown as Record<string, unknown>;
    expect(me.sub).toBe(anonymous.sub);
    expect(me.phone_number).toBe('+86 13600136002');
  });

  it('the device flow: the device asks for codes, the signed-in app approves, the device gets tokens', async () => {
    await fixture.server.addUser('device_owner', 'Device-owner-1');
    const app = newClient();
    await app.authApi.signIn({ username: 'device_owner', password: 'Device-owner-1' });
    const device = newClient();
    // The official client sends deviceAuthorize with credentials and throws without any (its known
    // getAccessToken bug), so the device app holds an anonymous session first, as a TV app would.
    await device.authApi.signInAnonymously();
    const codes = (await device.authApi.deviceAuthorize({ scope: 'user' })) as unknown as {
      device_code: string;
      user_code: string;
    };
    expect(codes.user_code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await app.authApi.authorizeDevice({ user_code: codes.user_code } as never);
    const tokens = (await device.authApi.grantToken({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: codes.device_code,
    } as never)) as unknown as Stored;
    expect(tokens.sub).toBe((await app.authApi.getUserInfo()).sub);
  });
});
