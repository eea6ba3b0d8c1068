// The signed-in user's sessions: listed without a token in sight, the caller's marked current; one
// ended by id (only the caller's own — another user's id is not_found and lives on), all others
// ended, one device's ended (CloudBase's revokeDevice), every one ended (revokeAllDevices). An ended
// session is dead for refresh (invalid_grant) and for its access tokens, on every instance.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type TokenServerApp } from '../src/app.js';
import { createArgon2Hasher } from '../src/users/password-hasher.js';
import { refreshStatus, type SignedIn, signIn } from './support/session-helpers.js';
import {
  backends,
  ENV_ID,
  startTestServer,
  TEST_ARGON2,
  TEST_ISSUER,
  TEST_SECRET,
  type TestServer,
} from './support/test-app.js';
import { callUser } from './support/user-fixture.js';

const PASSWORD = 'Sessions-Pass-1';

interface Listed {
  total: number;
  data: Array<Record<string, unknown>>;
}

describe.each(backends())('the user’s sessions (%s)', (_name, backend) => {
  let server: TestServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer(backend);
  }, 120_000);
  afterAll(async () => server?.close());

  async function userWithSessions(devices: string[]) {
    counter += 1;
    const username = `sessions-${counter}`;
    const sub = await server.addUser(username, PASSWORD);
    const sessions: SignedIn[] = [];
    for (const device of devices)
      sessions.push(
        await signIn(server, {
          username,
          password: PASSWORD,
          scope: 'user',
          deviceId: `${device}-${counter}`,
        }),
      );
    return { username, sub, sessions };
  }

  const list = async (token: string) => {
    const response = await callUser(server, 'GET', '/auth/v1/user/sessions', token);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as unknown as Listed;
  };
  const sidOf = (token: string) => server.app.lingpai.verifier.verify(token)!.sid!;
  const alive = async (session: SignedIn) =>
    (await callUser(server, 'GET', '/auth/v1/user/me', session.access_token)).status === 200;

  it('lists every live session of the user, the current one marked, never a token', async () => {
    const { sessions } = await userWithSessions(['phone', 'laptop']);
    const [phone, laptop] = sessions as [SignedIn, SignedIn];
    await userWithSessions(['someone-else']);
    // A refresh moves last_used_at, not the session id.
    server.clock.advance(60_000);
    const rotated = await callUser(server, 'POST', `/auth/v1/token?client_id=${ENV_ID}`, undefined, {
      grant_type: 'refresh_token',
      refresh_token: laptop.refresh_token,
    });
    expect(rotated.status).toBe(200);
    const listed = await list(phone.access_token);
    expect(listed.total).toBe(2);
    expect(listed.data.map((session) => session.id).sort()).toEqual(
      [sidOf(phone.access_token), sidOf(laptop.access_token)].sort(),
    );
    const current = listed.data.find((session) => session.current)!;
    expect(current.id).toBe(sidOf(phone.access_token));
    expect(listed.data.filter((session) => session.current)).toHaveLength(1);
    const other = listed.data.find((session) => !session.current)!;
    expect(other).toMatchObject({
      client_id: ENV_ID,
      client_name: ENV_ID,
      device_id: `laptop-${counter - 1}`,
      amr: ['pwd'],
    });
    expect(Date.parse(other.last_used_at as string)).toBe(Date.parse(other.created_at as string) + 60_000);
    expect(listed.data[0]!.id).toBe(other.id); // most recently used first
    const text = JSON.stringify(listed);
    for (const secret of [
      phone.access_token,
      phone.refresh_token,
      laptop.refresh_token,
      rotated.body.refresh_token,
    ])
      expect(text).not.toContain(String(secret));
    expect(text).not.toMatch(/lpr\./);
  });

  it('ends one session by id: its refresh and its access token die, the caller’s live on', async () => {
    const { sessions } = await userWithSessions(['a', 'b']);
    const [a, b] = sessions as [SignedIn, SignedIn];
    const bSid = sidOf(b.access_token);
    const ended = await callUser(server, 'DELETE', `/auth/v1/user/sessions/${bSid}`, a.access_token);
    expect(ended).toEqual({ status: 200, body: {} });
    expect(await refreshStatus(server, b.refresh_token)).toBe(400);
    expect(await alive(b)).toBe(false);
    expect(await alive(a)).toBe(true);
    expect((await list(a.access_token)).total).toBe(1);
    // Ending it again is no error; an id that never existed is not_found.
    const again = await callUser(server, 'DELETE', `/auth/v1/user/sessions/${bSid}`, a.access_token);
    expect(again.status).toBe(200);
    const unknown = await callUser(
      server,
      'DELETE',
      '/auth/v1/user/sessions/no-such-session',
      a.access_token,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    expect(await refreshStatus(server, a.refresh_token)).toBe(200);
  });

  it('refuses another user’s session id like an unknown one, and leaves it alive', async () => {
    const mine = await userWithSessions(['mine']);
    const theirs = await userWithSessions(['theirs']);
    const foreignSid = sidOf(theirs.sessions[0]!.access_token);
    const refused = await callUser(
      server,
      'DELETE',
      `/auth/v1/user/sessions/${foreignSid}`,
      mine.sessions[0]!.access_token,
    );
    expect(refused.status).toBe(404);
    expect(refused.body.error).toBe('not_found');
    expect(await alive(theirs.sessions[0]!)).toBe(true);
    expect(await refreshStatus(server, theirs.sessions[0]!.refresh_token)).toBe(200);
  });

  it('ends every other session, and one device’s sessions', async () => {
    const { sessions } = await userWithSessions(['one', 'two', 'three']);
    const [one, two, three] = sessions as [SignedIn, SignedIn, SignedIn];
    const bystander = await userWithSessions(['bystander']);
    const others = await callUser(server, 'DELETE', '/auth/v1/user/sessions/others', one.access_token);
    expect(others).toEqual({ status: 200, body: { ended: 2 } });
    expect(await alive(two)).toBe(false);
    expect(await alive(three)).toBe(false);
    expect(await refreshStatus(server, two.refresh_token)).toBe(400);
    expect(await refreshStatus(server, three.refresh_token)).toBe(400);
    expect(await alive(one)).toBe(true);
    expect(await alive(bystander.sessions[0]!)).toBe(true);
    expect(
      (await callUser(server, 'DELETE', '/auth/v1/user/sessions/others', one.access_token)).body,
    ).toEqual({
      ended: 0,
    });

    const { sessions: more } = await userWithSessions(['tablet', 'desk']);
    const [tablet, desk] = more as [SignedIn, SignedIn];
    const device = `tablet-${counter}`;
    const revoked = await callUser(
      server,
      'DELETE',
      `/auth/v1/user/authorized/devices/${device}`,
      desk.access_token,
    );
    expect(revoked).toEqual({ status: 200, body: {} });
    expect(await alive(tablet)).toBe(false);
    expect(await alive(desk)).toBe(true);
  });

  it('DELETE /auth/v1/user/revoke/all ends every session, the caller’s included', async () => {
    const { sub, sessions } = await userWithSessions(['x', 'y']);
    const all = await callUser(server, 'DELETE', '/auth/v1/user/revoke/all', sessions[0]!.access_token);
    expect(all).toEqual({ status: 200, body: {} });
    for (const session of sessions) {
      expect(await alive(session)).toBe(false);
      expect(await refreshStatus(server, session.refresh_token)).toBe(400);
    }
    const audit = await server.db.query<{ detail: Record<string, unknown> }>(
      `SELECT detail FROM audit_events WHERE sub = $1 AND kind = 'session_ended'`,
      [sub],
    );
    expect(audit.map((row) => row.detail)).toEqual([{ reason: 'revoked_all', sessions: 2 }]);
  });

  it('needs a Bearer token with the user scope', async () => {
    expect((await callUser(server, 'GET', '/auth/v1/user/sessions', undefined)).status).toBe(401);
    expect((await callUser(server, 'DELETE', '/auth/v1/user/sessions/others', 'x.y.z')).status).toBe(401);
  });

  it('an ended session dies on another instance sharing the database', async () => {
    const second: TokenServerApp = await buildApp({
      secret: TEST_SECRET,
      issuer: TEST_ISSUER,
      envId: ENV_ID,
      database: server.db,
      clock: server.clock,
      logger: false,
      passwordHasher: createArgon2Hasher(TEST_ARGON2),
    });
    try {
      const { sessions } = await userWithSessions(['here', 'there']);
      const [here, there] = sessions as [SignedIn, SignedIn];
      const onSecond = () =>
        second.inject({
          url: '/auth/v1/user/me',
          headers: { authorization: `Bearer ${there.access_token}` },
        });
      expect((await onSecond()).statusCode).toBe(200);
      await callUser(
        server,
        'DELETE',
        `/auth/v1/user/sessions/${sidOf(there.access_token)}`,
        here.access_token,
      );
      // The second instance learns it by NOTIFY (no database read on its Bearer check).
      await vi.waitFor(async () => expect((await onSecond()).statusCode).toBe(401), {
        timeout: 10_000,
        interval: 50,
      });
    } finally {
      await second.close();
    }
  });
});
