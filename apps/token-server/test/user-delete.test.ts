// DELETE /auth/v1/user/me: only with a fresh sudo_token of this session (in the query, as the
// official client's deleteMe sends it, or in the body); then the user and everything hanging off it
// are gone, every session is dead everywhere, and the audit log says so without the user's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevokedSessions } from '../src/tokens/revoked-sessions.js';
import { postToken } from './support/http.js';
import { refreshStatus, signIn } from './support/session-helpers.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';
import { callUser, sudoByPassword } from './support/user-fixture.js';

const PASSWORD = 'Delete-Me-123';

describe.each(backends())('deleting the signed-in user (%s)', (_name, backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
  }, 120_000);
  afterAll(async () => server?.close());

  const exists = async (sub: string) =>
    (await server.db.query('SELECT 1 FROM users WHERE sub = $1', [sub])).length === 1;

  it('needs a sudo_token: none, a wrong one, or one of another session changes nothing', async () => {
    const sub = await server.addUser('keeper', PASSWORD);
    const a = await signIn(server, {
      username: 'keeper',
      password: PASSWORD,
      scope: 'user',
      deviceId: 'keeper-a',
    });
    const b = await signIn(server, {
      username: 'keeper',
      password: PASSWORD,
      scope: 'user',
      deviceId: 'keeper-b',
    });
    const none = await callUser(server, 'DELETE', '/auth/v1/user/me', a.access_token);
    expect(none.status).toBe(403);
    expect(none.body.error).toBe('sudo_required');
    const wrong = await callUser(
      server,
      'DELETE',
      '/auth/v1/user/me?sudo_token=lpsudo.made-up',
      a.access_token,
    );
    expect(wrong.body.error).toBe('sudo_required');
    const ofB = await sudoByPassword(server, b.access_token, PASSWORD);
    const elsewhere = await callUser(server, 'DELETE', `/auth/v1/user/me?sudo_token=${ofB}`, a.access_token);
    expect(elsewhere.body.error).toBe('sudo_required');
    expect(await exists(sub)).toBe(true);
    expect(await refreshStatus(server, a.refresh_token)).toBe(200);
  });

  it('deletes the user, ends every session, frees the username, records user_deleted', async () => {
    const sub = await server.addUser('leaver', PASSWORD);
    const a = await signIn(server, {
      username: 'leaver',
      password: PASSWORD,
      scope: 'user',
      deviceId: 'leaver-a',
    });
    const b = await signIn(server, {
      username: 'leaver',
      password: PASSWORD,
      scope: 'user',
      deviceId: 'leaver-b',
    });
    const sudoToken = await sudoByPassword(server, a.access_token, PASSWORD);
    const deleted = await callUser(
      server,
      'DELETE',
      `/auth/v1/user/me?sudo_token=${sudoToken}`,
      a.access_token,
    );
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(await exists(sub)).toBe(false);
    for (const session of [a, b]) {
      expect((await callUser(server, 'GET', '/auth/v1/user/me', session.access_token)).status).toBe(401);
      expect(
        (
          await server.app.inject({
            url: '/auth/v1/userinfo',
            headers: { authorization: `Bearer ${session.access_token}` },
          })
        ).statusCode,
      ).toBe(401);
      expect(await refreshStatus(server, session.refresh_token)).toBe(400);
    }
    // An instance that missed the announcement still learns both sids at its next re-read, though
    // their family rows went with the user.
    const late = new RevokedSessions(server.db, server.clock, 7_200);
    await late.resync();
    const sidOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sid: string }).sid;
    for (const session of [a, b]) expect(late.isRevoked(sidOf(session.access_token))).toBe(true);
    for (const table of ['refresh_families', 'sudo_tokens'])
      expect(await server.db.query(`SELECT 1 FROM ${table} WHERE user_sub = $1`, [sub])).toEqual([]);
    expect(
      (await postToken(server.app, { grant_type: 'password', username: 'leaver', password: PASSWORD }))
        .status,
    ).toBe(400);
    // The name is free again.
    await server.addUser('leaver', PASSWORD);
    const audit = await server.db.query<{ detail: Record<string, unknown> }>(
      `SELECT detail FROM audit_events WHERE sub = $1 AND kind = 'user_deleted'`,
      [sub],
    );
    expect(audit.map((row) => row.detail)).toEqual([{ sessions: 2 }]);
  });

  it('takes the sudo_token from the body too, and only once', async () => {
    const sub = await server.addUser('body-leaver', PASSWORD);
    const a = await signIn(server, { username: 'body-leaver', password: PASSWORD, scope: 'user' });
    const sudoToken = await sudoByPassword(server, a.access_token, PASSWORD);
    const deleted = await callUser(server, 'DELETE', '/auth/v1/user/me', a.access_token, {
      sudo_token: sudoToken,
    });
    expect(deleted.status).toBe(200);
    expect(await exists(sub)).toBe(false);
    const again = await callUser(server, 'DELETE', '/auth/v1/user/me', a.access_token, {
      sudo_token: sudoToken,
    });
    expect(again.status).toBe(401);
  });
});
