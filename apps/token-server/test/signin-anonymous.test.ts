// Anonymous users: POST /auth/v1/signin/anonymously (x-device-id, per-IP and /48 caps, renewal with
// Basic base64(clientId:)), the upgrade in place by sign-up (same sub, new family, the anonymous one
// ended), the refused upgrade (user_already_exists, then anonymous_sub on the owner's next sign-in
// on that device), and the sweeper pruning idle anonymous users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANY_SENDS, postAs, refresh } from './support/signin-support.js';
import { backends, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('anonymous users (%s)', (_name, backend) => {
  let fixture: VerificationFixture;
  let server: TestServer;

  beforeAll(async () => {
    fixture = await startServerWithSandbox(backend, {
      verification: MANY_SENDS,
      smtp: false,
      limits: { anonymousSignInsPerIp: 3 },
    });
    server = fixture.server;
  }, 120_000);
  afterAll(async () => fixture?.close());

  const anonymous = (device: string, ip = '198.51.100.1') =>
    postAs(fixture, '/auth/v1/signin/anonymously', {}, { device, ip });
  const isAnonymous = async (sub: unknown) =>
    (
      await server.db.query<{ is_anonymous: boolean }>('SELECT is_anonymous FROM users WHERE sub = $1', [sub])
    )[0]?.is_anonymous;

  it('needs x-device-id; answers scope anonymous; renews with Basic base64(clientId:) as a new user', async () => {
    const none = await fixture.inject('/auth/v1/signin/anonymously?client_id=test-env', {});
    expect(none.json.error).toBe('invalid_request');
    const first = await anonymous('anon-device-1', '198.51.100.2');
    expect(first.statusCode).toBe(200);
    expect(first.json).toMatchObject({ token_type: 'Bearer', scope: 'anonymous', expires_in: 7200 });
    expect(await isAnonymous(first.json.sub)).toBe(true);
    // The refresh keeps the anonymous scope (the official client renews on it).
    const refreshed = await refresh(fixture, first.json.refresh_token as string);
    expect(refreshed).toMatchObject({ scope: 'anonymous', sub: first.json.sub });
    const renewed = await postAs(
      fixture,
      '/auth/v1/signin/anonymously',
      {},
      { device: 'anon-device-1', basic: true, ip: '198.51.100.2' },
    );
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json.sub).not.toBe(first.json.sub);
  });

  it('caps new anonymous users per IP, and per IPv6 /48 across its /64s', async () => {
    for (let i = 0; i < 3; i++) expect((await anonymous(`cap-${i}`, '203.0.113.9')).statusCode).toBe(200);
    const over = await anonymous('cap-x', '203.0.113.9');
    expect(over.statusCode).toBe(429);
    expect(over.json.error).toBe('rate_limit_exceeded');
    expect((await anonymous('cap-y', '203.0.113.10')).statusCode).toBe(200);
    // 16 × 3 from sixteen different /64s of one /48, then the /48 is spent even for a fresh /64.
    for (let net = 0; net < 16; net++) {
      for (let i = 0; i < 3; i++) {
        const answer = await anonymous(`v6-${net}-${i}`, `2001:db8:1:${net.toString(16)}::${i + 1}`);
        expect(answer.statusCode).toBe(200);
      }
    }
    const site = await anonymous('v6-over', '2001:db8:1:ff::1');
    expect(site.json.error).toBe('rate_limit_exceeded');
    expect((await anonymous('v6-other-site', '2001:db8:2:1::1')).statusCode).toBe(200);
  });

  it('sign-up with the anonymous Bearer token upgrades in place: same sub, new family, the old one ended', async () => {
    const anon = await anonymous('upgrade-device', '198.51.100.3');
    const token = await fixture.verificationToken({ phone_number: '13700137001', usage: 'REGISTER' });
    const upgraded = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '13700137001', verification_token: token, password: 'Upgrade-123' },
      { device: 'upgrade-device', bearer: anon.json.access_token as string },
    );
    expect(upgraded.statusCode).toBe(200);
    expect(upgraded.json.sub).toBe(anon.json.sub);
    expect(upgraded.json.scope).toBe('user');
    expect(await isAnonymous(anon.json.sub)).toBe(false);
    expect(server.app.lingpai.verifier.verify(anon.json.access_token as string)).toBeUndefined();
    expect((await refresh(fixture, anon.json.refresh_token as string)).error).toBe('invalid_grant');
    expect((await refresh(fixture, upgraded.json.refresh_token as string)).sub).toBe(anon.json.sub);
    const reasons = await server.db.query<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM refresh_families WHERE user_sub = $1 AND revoked_at IS NOT NULL',
      [anon.json.sub],
    );
    expect(reasons.map((r) => r.revoked_reason)).toContain('anonymous_upgraded');
    // The password set at sign-up works.
    const signin = await postAs(
      fixture,
      '/auth/v1/signin',
      { username: '+86 13700137001', password: 'Upgrade-123' },
      { device: 'upgrade-device' },
    );
    expect(signin.json.sub).toBe(anon.json.sub);
  });

  it('upgrades with the body anonymous_token too (the official SignUpRequest field)', async () => {
    const anon = await anonymous('upgrade-device-2', '198.51.100.4');
    const token = await fixture.verificationToken({ phone_number: '13700137002', usage: 'REGISTER' });
    const upgraded = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '13700137002', verification_token: token, anonymous_token: anon.json.access_token },
      { device: 'upgrade-device-2' },
    );
    expect(upgraded.json.sub).toBe(anon.json.sub);
  });

  it('an identity already taken: user_already_exists, nothing merged; the owner’s next sign-in there gets anonymous_sub once', async () => {
    const owner = (await server.app.lingpai.users.create({ phoneNumber: '+86 13700137003' })).sub;
    const anon = await anonymous('conflict-device', '198.51.100.5');
    const register = await fixture.verificationToken({ phone_number: '13700137003', usage: 'REGISTER' });
    const refused = await postAs(
      fixture,
      '/auth/v1/signup',
      { phone_number: '13700137003', verification_token: register },
      { device: 'conflict-device', bearer: anon.json.access_token as string },
    );
    expect(refused.statusCode).toBe(409);
    expect(refused.json.error).toBe('user_already_exists');
    expect(await isAnonymous(anon.json.sub)).toBe(true);
    // The anonymous session is untouched.
    expect(server.app.lingpai.verifier.verify(anon.json.access_token as string)?.sub).toBe(anon.json.sub);

    const signInHere = async (device: string) => {
      const token = await fixture.verificationToken({ phone_number: '13700137003', usage: 'SIGN_IN' });
      return postAs(fixture, '/auth/v1/signin', { verification_token: token }, { device });
    };
    const elsewhere = await signInHere('another-device');
    expect(elsewhere.json.sub).toBe(owner);
    expect(elsewhere.json.anonymous_sub).toBeUndefined();
    const here = await signInHere('conflict-device');
    expect(here.json.sub).toBe(owner);
    expect(here.json.anonymous_sub).toBe(anon.json.sub);
    const later = await signInHere('conflict-device');
    expect(later.json.anonymous_sub).toBeUndefined();
  });

  it('the sweeper deletes anonymous users idle past lifetimes.anonymousIdle, and keeps those refreshing', async () => {
    const idle = await anonymous('sweep-idle', '198.51.100.6');
    const active = await anonymous('sweep-active', '198.51.100.6');
    const day = 86_400_000;
    server.clock.advance(20 * day);
    const rotated = await refresh(fixture, active.json.refresh_token as string);
    expect(rotated.sub).toBe(active.json.sub);
    server.clock.advance(15 * day);
    await server.app.lingpai.sweeper.sweep();
    const left = await server.db.query<{ sub: string }>('SELECT sub FROM users WHERE sub = ANY($1)', [
      [idle.json.sub, active.json.sub],
    ]);
    expect(left.map((row) => row.sub)).toEqual([active.json.sub]);
  });
});
