// Forgot password, CloudBase POST /auth/v1/reset: a PASSWORD_RESET code, a new password under the
// policy; every session of the user ends (old refresh tokens dead), audited as password_reset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANY_SENDS, postAs, refresh } from './support/signin-support.js';
import { backends, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

describe.each(backends())('forgot password (%s)', (_name, backend) => {
  let fixture: VerificationFixture;
  let server: TestServer;
  let sub: string;

  beforeAll(async () => {
    fixture = await startServerWithSandbox(backend, { verification: MANY_SENDS });
    server = fixture.server;
    sub = (
      await server.app.lingpai.users.create({
        username: 'forgetful',
        password: 'Old-pass-123',
        email: 'f@example.com',
      })
    ).sub;
  }, 120_000);
  afterAll(async () => fixture?.close());

  const signIn = (password: string, device: string) =>
    postAs(fixture, '/auth/v1/signin', { username: 'forgetful', password }, { device });
  const resetToken = () => fixture.verificationToken({ email: 'f@example.com', usage: 'PASSWORD_RESET' });

  it('refuses a weak new password and a token of another usage, spending nothing on the refusal', async () => {
    const token = await resetToken();
    const weak = await postAs(fixture, '/auth/v1/reset', {
      email: 'f@example.com',
      new_password: 'weak',
      verification_token: token,
    });
    expect(weak.json.error).toBe('invalid_password');
    const signInToken = await fixture.verificationToken({ email: 'f@example.com', usage: 'SIGN_IN' });
    const wrongUsage = await postAs(fixture, '/auth/v1/reset', {
      email: 'f@example.com',
      new_password: 'New-pass-456',
      verification_token: signInToken,
    });
    expect(wrongUsage.json.error).toBe('invalid_verification_token');
    const unknown = await postAs(fixture, '/auth/v1/reset', {
      email: 'nobody@example.com',
      new_password: 'New-pass-456',
      verification_token: token,
    });
    expect(unknown.json.error).toBe('user_not_found');
    // Still good after the refusals.
    const done = await postAs(fixture, '/auth/v1/reset', {
      email: 'f@example.com',
      new_password: 'Interim-pass-1',
      verification_token: token,
    });
    expect(done.statusCode).toBe(200);
    expect(done.json).toEqual({});
  });

  it('sets the new password and ends every session: old refresh tokens are dead', async () => {
    const a = await signIn('Interim-pass-1', 'reset-device-a');
    const b = await signIn('Interim-pass-1', 'reset-device-b');
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    const token = await resetToken();
    const reset = await postAs(fixture, '/auth/v1/reset', {
      email: 'F@Example.com',
      new_password: 'New-pass-456',
      verification_token: token,
    });
    expect(reset.statusCode).toBe(200);
    for (const session of [a, b]) {
      expect((await refresh(fixture, session.json.refresh_token as string)).error).toBe('invalid_grant');
      expect(server.app.lingpai.verifier.verify(session.json.access_token as string)).toBeUndefined();
    }
    expect((await signIn('Interim-pass-1', 'reset-device-a')).json.error).toBe(
      'invalid_username_or_password',
    );
    expect((await signIn('New-pass-456', 'reset-device-a')).json.sub).toBe(sub);
    const audit = await server.db.query<{ detail: { sessions_ended: number } }>(
      "SELECT detail FROM audit_events WHERE kind = 'password_reset' AND sub = $1 ORDER BY id",
      [sub],
    );
    expect(audit.at(-1)?.detail.sessions_ended).toBe(2);
    // The token was single use.
    const again = await postAs(fixture, '/auth/v1/reset', {
      email: 'f@example.com',
      new_password: 'Another-pass-789',
      verification_token: token,
    });
    expect(again.json.error).toBe('invalid_verification_token');
  });
  it('a reset ends the lockout the forgotten password earned from this IP, not one earned elsewhere', async () => {
    await server.app.lingpai.users.create({
      username: 'lockedout',
      password: 'Old-pass-123',
      email: 'l@example.com',
    });
    const attempt = (password: string, ip: string) =>
      postAs(fixture, '/auth/v1/signin', { username: 'lockedout', password }, { device: 'lock-device', ip });
    for (let i = 0; i < 6; i++) {
      await attempt('not-it-at-all-1', '198.51.100.7');
      await attempt('not-it-at-all-1', '203.0.113.9');
    }
    expect((await attempt('Old-pass-123', '198.51.100.7')).json.error).toBe('rate_limit_exceeded');
    const token = await fixture.verificationToken({ email: 'l@example.com', usage: 'PASSWORD_RESET' });
    const reset = await postAs(
      fixture,
      '/auth/v1/reset',
      { email: 'l@example.com', new_password: 'Fresh-pass-789', verification_token: token },
      { ip: '198.51.100.7' },
    );
    expect(reset.statusCode).toBe(200);
    // The person who reset signs in at once…
    expect((await attempt('Fresh-pass-789', '198.51.100.7')).statusCode).toBe(200);
    // …while the other network's lockout (an attacker's guesses) still stands.
    expect((await attempt('Fresh-pass-789', '203.0.113.9')).json.error).toBe('rate_limit_exceeded');
  });
});
