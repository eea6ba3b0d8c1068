// POST /auth/v1/user/sudo and PATCH /auth/v1/user/password: a sudo_token is for one change, in one
// session, of one user, for ten minutes; a password change keeps the session that made it and ends
// every other one (their refresh tokens get invalid_grant, their access tokens 401 at once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import { refreshStatus, signIn } from './support/session-helpers.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';
import { callUser, issueTokens, sudoByPassword } from './support/user-fixture.js';

const PASSWORD = 'Old-Pass-1234';

describe.each(backends())('sudo and password change (%s)', (_name, backend) => {
  let server: TestServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer(backend);
  }, 120_000);
  afterAll(async () => server?.close());

  /** A fresh user signed in on one device. */
  async function freshUser(password = PASSWORD) {
    counter += 1;
    const username = `pw-user-${counter}`;
    const sub = await server.addUser(username, password);
    const tokens = await signIn(server, { username, password, scope: 'user', deviceId: `${username}-a` });
    return { username, sub, tokens };
  }

  const sudo = (token: string, payload: unknown) =>
    callUser(server, 'POST', '/auth/v1/user/sudo', token, payload);
  const changePassword = (token: string, payload: unknown) =>
    callUser(server, 'PATCH', '/auth/v1/user/password', token, payload);

  it('answers a sudo_token for the right password only', async () => {
    const { tokens } = await freshUser();
    const wrong = await sudo(tokens.access_token, { password: 'Wrong-Pass-1234' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_password');
    const right = await sudo(tokens.access_token, { password: PASSWORD });
    expect(right.status).toBe(200);
    expect(right.body.expires_in).toBe(600);
    expect(right.body.sudo_token).toMatch(/^lpsudo\.[A-Za-z0-9_-]{43}$/);
    // Stored hashed: the token itself is nowhere in the table.
    const rows = await server.db.query<{ hash: string }>('SELECT hash FROM sudo_tokens');
    expect(rows.some((row) => row.hash === right.body.sudo_token)).toBe(false);
    const neither = await sudo(tokens.access_token, {});
    expect(neither.body.error).toBe('invalid_request');
  });

  it('refuses sudo by password for an account without one, and for an anonymous user', async () => {
    const phoneOnly = await server.app.lingpai.users.create({ phoneNumber: '+86 13700137000' });
    const tokens = await issueTokens(server, phoneOnly.sub);
    expect((await sudo(tokens.access_token, { password: 'Any-Pass-1234' })).body.error).toBe(
      'password_not_set',
    );
    const anonymous = await server.app.lingpai.users.create({ isAnonymous: true });
    const guest = await issueTokens(server, anonymous.sub, { scope: ['anonymous'] });
    expect((await sudo(guest.access_token, { password: 'Any-Pass-1234' })).body.error).toBe(
      'failed_precondition',
    );
  });

  it('a sudo_token changes the password once; a refused new password does not spend it', async () => {
    const { username, tokens } = await freshUser();
    const sudoToken = await sudoByPassword(server, tokens.access_token, PASSWORD);
    for (const weak of ['short1A', 'alllowercaseletters', username]) {
      const refused = await changePassword(tokens.access_token, {
        sudo_token: sudoToken,
        new_password: weak,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_password');
    }
    const changed = await changePassword(tokens.access_token, {
      sudo_token: sudoToken,
      new_password: 'New-Pass-5678',
    });
    expect(changed).toEqual({ status: 200, body: {} });
    const again = await changePassword(tokens.access_token, {
      sudo_token: sudoToken,
      new_password: 'Third-Pass-9012',
    });
    expect(again.status).toBe(403);
    expect(again.body.error).toBe('sudo_required');
    expect(
      (await postToken(server.app, { grant_type: 'password', username, password: 'New-Pass-5678' })).status,
    ).toBe(200);
    expect(
      (await postToken(server.app, { grant_type: 'password', username, password: PASSWORD })).status,
    ).toBe(400);
  });

  it('two parallel changes with one sudo_token: exactly one goes ahead', async () => {
    const { tokens } = await freshUser();
    const sudoToken = await sudoByPassword(server, tokens.access_token, PASSWORD);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        changePassword(tokens.access_token, {
          sudo_token: sudoToken,
          new_password: `Parallel-Pass-${index}`,
        }),
      ),
    );
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    expect(results.filter((result) => result.body.error === 'sudo_required')).toHaveLength(7);
  });

  it('a sudo_token expires after ten minutes', async () => {
    const { tokens } = await freshUser();
    const sudoToken = await sudoByPassword(server, tokens.access_token, PASSWORD);
    server.clock.advance(600_000);
    const late = await changePassword(tokens.access_token, {
      sudo_token: sudoToken,
      new_password: 'Late-Pass-1234',
    });
    expect(late.body.error).toBe('sudo_required');
    // The sweeper removes it once expired.
    const sub = server.app.lingpai.verifier.verify(tokens.access_token)!.sub;
    expect(await server.db.query('SELECT 1 FROM sudo_tokens WHERE user_sub = $1', [sub])).toHaveLength(1);
    server.clock.advance(1);
    await server.app.lingpai.sweeper.sweep();
    expect(await server.db.query('SELECT 1 FROM sudo_tokens WHERE user_sub = $1', [sub])).toEqual([]);
  });

  it('a sudo_token is refused in another session, for another user, and after its session ended', async () => {
    const { username, tokens } = await freshUser();
    const sudoToken = await sudoByPassword(server, tokens.access_token, PASSWORD);
    const otherSession = await signIn(server, {
      username,
      password: PASSWORD,
      scope: 'user',
      deviceId: `${username}-b`,
    });
    const elsewhere = await changePassword(otherSession.access_token, {
      sudo_token: sudoToken,
      new_password: 'Else-Pass-1234',
    });
    expect(elsewhere.body.error).toBe('sudo_required');
    const other = await freshUser();
    const foreign = await changePassword(other.tokens.access_token, {
      sudo_token: sudoToken,
      new_password: 'Else-Pass-1234',
    });
    expect(foreign.body.error).toBe('sudo_required');
    // The session that minted it ends: the token dies with it, whoever presents it.
    const ended = await sudoByPassword(server, otherSession.access_token, PASSWORD);
    const otherSid = server.app.lingpai.verifier.verify(otherSession.access_token)!.sid!;
    await server.db.query('UPDATE refresh_families SET revoked_at = $2 WHERE id = $1', [
      otherSid,
      new Date(server.clock.now()),
    ]);
    const { requireSudo } = await import('../src/user/sudo-tokens.js');
    await expect(requireSudo(server.app.lingpai, otherSession.sub, ended)).rejects.toMatchObject({
      code: 'sudo_required',
    });
    // And the still-live one is still good after all those refusals.
    expect(
      (await changePassword(tokens.access_token, { sudo_token: sudoToken, new_password: 'Kept-Pass-1234' }))
        .status,
    ).toBe(200);
  });

  it('changes the password by the old one; a wrong old one, or no proof at all, is refused', async () => {
    const { tokens } = await freshUser();
    const wrong = await changePassword(tokens.access_token, {
      old_password: 'Not-It-1234',
      new_password: 'New-Pass-5678',
    });
    expect(wrong.body.error).toBe('invalid_password');
    const none = await changePassword(tokens.access_token, { new_password: 'New-Pass-5678' });
    expect(none.status).toBe(403);
    expect(none.body.error).toBe('sudo_required');
    const missing = await changePassword(tokens.access_token, { old_password: PASSWORD });
    expect(missing.body.error).toBe('invalid_request');
    const changed = await changePassword(tokens.access_token, {
      old_password: PASSWORD,
      new_password: 'New-Pass-5678',
    });
    expect(changed.status).toBe(200);
  });

  it('ends every other session of the user, not the current one, and not another user’s', async () => {
    const { username, sub, tokens: current } = await freshUser();
    const other = await signIn(server, {
      username,
      password: PASSWORD,
      scope: 'user',
      deviceId: `${username}-b`,
    });
    const third = await signIn(server, {
      username,
      password: PASSWORD,
      scope: 'user',
      deviceId: `${username}-c`,
    });
    const bystander = await freshUser();
    // A remembered sign-in of the login page (its cookie's row) ends with them.
    const now = new Date(server.clock.now());
    await server.db.query(
      `INSERT INTO login_sessions (hash, user_sub, auth_time, created_at, expires_at) VALUES ('login-cookie-hash', $1, $2, $2, $3)`,
      [sub, now, new Date(server.clock.now() + 86_400_000)],
    );
    const changed = await changePassword(current.access_token, {
      old_password: PASSWORD,
      new_password: 'New-Pass-5678',
    });
    expect(changed.status).toBe(200);
    for (const ended of [other, third]) {
      expect(await refreshStatus(server, ended.refresh_token)).toBe(400);
      expect((await callUser(server, 'GET', '/auth/v1/user/me', ended.access_token)).status).toBe(401);
    }
    expect((await callUser(server, 'GET', '/auth/v1/user/me', current.access_token)).status).toBe(200);
    expect(await refreshStatus(server, current.refresh_token)).toBe(200);
    expect(await refreshStatus(server, bystander.tokens.refresh_token)).toBe(200);
    const [login] = await server.db.query<{ revoked_at: Date | null }>(
      `SELECT revoked_at FROM login_sessions WHERE hash = 'login-cookie-hash'`,
    );
    expect(login!.revoked_at).not.toBeNull();
    const audit = await server.db.query<{ kind: string; detail: Record<string, unknown> }>(
      `SELECT kind, detail FROM audit_events WHERE sub = $1 AND kind IN ('password_changed', 'session_ended') ORDER BY id`,
      [sub],
    );
    expect(audit.map((row) => row.kind)).toEqual(['session_ended', 'password_changed']);
    expect(audit[1]!.detail).toEqual({ method: 'old_password', sessions_ended: 2 });
    expect(JSON.stringify(audit)).not.toContain('New-Pass');
  });

  it('sets a first password with a sudo_token for an account that had none (sudo by another route)', async () => {
    const user = await server.app.lingpai.users.create({ username: 'no-password-yet' });
    const tokens = await issueTokens(server, user.sub);
    const none = await changePassword(tokens.access_token, {
      old_password: 'x',
      new_password: 'First-Pass-1234',
    });
    expect(none.body.error).toBe('password_not_set');
    const { issueSudoToken } = await import('../src/user/sudo-tokens.js');
    const { sudo_token } = await issueSudoToken(server.app.lingpai, {
      sub: user.sub,
      sid: tokens.sid,
      method: 'otp',
    });
    expect(
      (await changePassword(tokens.access_token, { sudo_token, new_password: 'First-Pass-1234' })).status,
    ).toBe(200);
    expect(
      (
        await postToken(server.app, {
          grant_type: 'password',
          username: 'no-password-yet',
          password: 'First-Pass-1234',
        })
      ).status,
    ).toBe(200);
  });
});
