// Sign-up with a provider_token (contract S): the platform identity is linked in the same
// transaction as the user row; an identity already someone's is user_already_exists, and a
// refusal consumes neither the provider_token nor the verification_token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderIdentity } from '../src/social/provider-identity.js';
import { issueProviderToken, peekProviderToken } from '../src/social/provider-tokens.js';
import { MANY_SENDS, postAs } from './support/signin-support.js';
import { backends, ENV_ID, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

function githubIdentity(id: string): ProviderIdentity {
  return {
    providerId: 'github',
    platform: 'github',
    subject: id,
    providerUserId: id,
    appId: 'sandbox-github-app',
    openId: undefined,
    unionId: undefined,
    name: 'Octo',
    picture: undefined,
    email: undefined,
    emailVerified: false,
  };
}

describe.each(backends())('sign-up with a provider_token (%s)', (_name, backend) => {
  let fixture: VerificationFixture;
  let server: TestServer;

  beforeAll(async () => {
    fixture = await startServerWithSandbox(backend, { verification: MANY_SENDS, smtp: false });
    server = fixture.server;
  }, 120_000);
  afterAll(async () => fixture?.close());

  const providerToken = async (id: string, deviceId: string) =>
    (await issueProviderToken(server.app.lingpai, githubIdentity(id), { clientId: ENV_ID, deviceId }))
      .provider_token;
  const linkedTo = async (id: string) =>
    (
      await server.db.query<{ user_sub: string }>(
        "SELECT user_sub FROM user_identities WHERE platform = 'github' AND subject = $1",
        [id],
      )
    )[0]?.user_sub;

  it('a provider_token alone signs up (no contact invented) and links the identity', async () => {
    const token = await providerToken('1001', 'prov-device-1');
    const answer = await postAs(
      fixture,
      '/auth/v1/signup',
      { provider_token: token },
      { device: 'prov-device-1' },
    );
    expect(answer.statusCode).toBe(200);
    expect(await linkedTo('1001')).toBe(answer.json.sub);
    const user = await server.db.query<{ email: string | null; phone_number: string | null }>(
      'SELECT email, phone_number FROM users WHERE sub = $1',
      [answer.json.sub],
    );
    expect(user[0]).toEqual({ email: null, phone_number: null });
  });

  it('an identity already linked: user_already_exists, and the provider_token is still good', async () => {
    const token = await providerToken('1001', 'prov-device-2');
    const answer = await postAs(
      fixture,
      '/auth/v1/signup',
      { provider_token: token },
      { device: 'prov-device-2' },
    );
    expect(answer.json.error).toBe('user_already_exists');
    const identity = await peekProviderToken(server.app.lingpai, token, {
      clientId: ENV_ID,
      deviceId: 'prov-device-2',
    });
    expect(identity.subject).toBe('1001');
  });

  it('phone + provider_token: both in one account; a bad provider_token spends no verification_token', async () => {
    const verification = await fixture.verificationToken({ phone_number: '13500135001', usage: 'REGISTER' });
    const otherDevice = await providerToken('1002', 'somewhere-else');
    const refused = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '13500135001', verification_token: verification, provider_token: otherDevice },
      { device: 'prov-device-3' },
    );
    expect(refused.json.error).toBe('invalid_provider_token');
    const token = await providerToken('1002', 'prov-device-3');
    const answer = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '13500135001', verification_token: verification, provider_token: token },
      { device: 'prov-device-3' },
    );
    expect(answer.statusCode).toBe(200);
    expect(await linkedTo('1002')).toBe(answer.json.sub);
    const family = await server.db.query<{ amr: string[] }>(
      'SELECT amr FROM refresh_families WHERE user_sub = $1',
      [answer.json.sub],
    );
    expect(family[0]?.amr).toEqual(['sms', 'fed']);
  });

  it('an anonymous upgrade whose identity is taken leaves the anonymous_sub for the owner', async () => {
    const anon = await postAs(fixture, '/auth/v1/signin/anonymously', {}, { device: 'prov-device-4' });
    const token = await providerToken('1001', 'prov-device-4');
    const refused = await postAs(
      fixture,
      '/auth/v1/signup',
      { provider_token: token },
      { device: 'prov-device-4', bearer: anon.json.access_token as string },
    );
    expect(refused.json.error).toBe('user_already_exists');
    const handoff = await server.db.query<{ target_sub: string }>(
      'SELECT target_sub FROM anonymous_handoffs WHERE anonymous_sub = $1',
      [anon.json.sub],
    );
    expect(handoff[0]?.target_sub).toBe(await linkedTo('1001'));
  });
});
