// POST /auth/v1/signin with a username (or phone, or email) and password: the password grant's own
// check, so the limiter and lockouts are shared with /auth/v1/token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import { backends, type TestServer } from './support/test-app.js';
import { startServerWithSandbox, type VerificationFixture } from './support/verification-fixture.js';

async function signIn(
  server: TestServer,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await server.app.inject({
    method: 'POST',
    url: '/auth/v1/signin',
    headers: {
      'content-type': 'text/plain;charset=UTF-8',
      'x-device-id': 'device-password-0001',
      ...headers,
    },
    payload: JSON.stringify(body),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

describe.each(backends())('POST /auth/v1/signin with a password (%s)', (_name, backend) => {
  let fixture: VerificationFixture;
  let server: TestServer;
  let sub: string;

  beforeAll(async () => {
    fixture = await startServerWithSandbox(backend, { smtp: false });
    server = fixture.server;
    sub = await server.addUser('Zhangsan', 'DemoPass123!@#');
    await server.db.query("UPDATE users SET phone_number = '+86 13800138000' WHERE sub = $1", [sub]);
  }, 120_000);
  afterAll(async () => fixture?.close());

  it('answers the CloudBase token response, by username in any case and width, or by phone number', async () => {
    for (const username of ['zhangsan', 'ＺＨＡＮＧＳＡＮ', '+8613800138000', '+86 13800138000']) {
      const { status, body } = await signIn(server, { username, password: 'DemoPass123!@#' });
      expect(status, username).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 7200, scope: 'user', sub, groups: [] });
      expect(typeof body.refresh_token).toBe('string');
      expect(server.app.lingpai.verifier.verify(body.access_token as string)?.sub).toBe(sub);
    }
    const audit = await server.db.query<{ kind: string; detail: { amr: string[] } }>(
      "SELECT kind, detail FROM audit_events WHERE kind = 'signin' AND sub = $1",
      [sub],
    );
    expect(audit.length).toBe(4);
    expect(audit[0]?.detail.amr).toEqual(['pwd']);
  });

  it('refuses a wrong password as invalid_username_or_password, the same as an unknown user', async () => {
    const wrong = await signIn(
      server,
      { username: 'zhangsan', password: 'nope' },
      { 'x-forwarded-for': '1' },
    );
    const unknown = await signIn(server, { username: 'nobody-here', password: 'nope' });
    expect(wrong.body.error).toBe('invalid_username_or_password');
    expect(unknown.body).toEqual(wrong.body);
  });

  it('shares the lockout with the password grant: failures at the token endpoint lock /signin too', async () => {
    await server.addUser('lisi', 'DemoPass123!@#');
    const failures = server.app.lingpai.config.limits.passwordFailuresPerUserIp;
    for (let i = 0; i < failures; i++) {
      const grant = await postToken(server.app, {
        grant_type: 'password',
        username: 'lisi',
        password: 'wrong',
      });
      expect(grant.body.error).toBe('invalid_grant');
    }
    const locked = await signIn(server, { username: 'lisi', password: 'DemoPass123!@#' });
    expect(locked.body.error).toBe('rate_limit_exceeded');
    // …and the other way round: failures at /signin lock the grant.
    await server.addUser('wangwu', 'DemoPass123!@#');
    for (let i = 0; i < failures; i++) {
      const attempt = await signIn(server, { username: 'wangwu', password: 'wrong' });
      expect(attempt.body.error).toBe('invalid_username_or_password');
    }
    const grant = await postToken(server.app, {
      grant_type: 'password',
      username: 'wangwu',
      password: 'DemoPass123!@#',
    });
    expect(grant.body.error).toBe('rate_limit_exceeded');
  });

  it('refuses a blocked user (status set in the database), also with the right password', async () => {
    const blocked = await server.addUser('blocked-one', 'DemoPass123!@#');
    await server.db.query("UPDATE users SET status = 'BLOCKED' WHERE sub = $1", [blocked]);
    const answer = await signIn(server, { username: 'blocked-one', password: 'DemoPass123!@#' });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('user_blocked');
  });

  it('answers two_factor_required for a user flagged for a second factor (the TOTP hook)', async () => {
    const flagged = await server.addUser('second-factor', 'DemoPass123!@#');
    await server.db.query('UPDATE users SET two_factor_enabled = true WHERE sub = $1', [flagged]);
    const answer = await signIn(server, { username: 'second-factor', password: 'DemoPass123!@#' });
    expect(answer.body.error).toBe('two_factor_required');
    // The token endpoint's password grant is no way around it.
    const grant = await postToken(server.app, {
      grant_type: 'password',
      username: 'second-factor',
      password: 'DemoPass123!@#',
    });
    expect(grant.body.error).toBe('two_factor_required');
  });

  it('is for first-party apps only, and needs both username and password', async () => {
    await server.addClient({ id: 'third-party', name: 'Third', kind: 'public', grantTypes: ['password'] });
    const third = await signIn(server, {
      username: 'zhangsan',
      password: 'DemoPass123!@#',
      client_id: 'third-party',
    });
    expect(third.body.error).toBe('unauthorized_client');
    const half = await signIn(server, { username: 'zhangsan' });
    expect(half.body.error).toBe('invalid_request');
  });
});
