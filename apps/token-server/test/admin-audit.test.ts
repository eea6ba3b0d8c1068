import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminClients, addAdminClients, adminCall } from './support/admin-support.js';
import { signIn } from './support/session-helpers.js';
import { backends, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';
const PHONE = '13800138077';
const EMAIL = 'audited@example.com';

interface AuditEvent {
  id: string;
  at: string;
  kind: string;
  client_id?: string;
  sub?: string;
  ip?: string;
  detail: Record<string, unknown>;
}

describe.each(backends())('the audit log on %s', (_name, backend) => {
  let server: TestServer;
  let tokens: AdminClients;
  let zhangsanSub: string;
  let createdSub: string;
  let startedAt: number;

  const admin = (method: 'GET' | 'POST', url: string, body?: Record<string, unknown>) =>
    adminCall(server, tokens.adminToken, method, url, body);
  const audit = async (query: string) => {
    const answer = await admin('GET', `/auth/v1/admin/audit${query}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as { data: AuditEvent[]; next_cursor?: string };
  };
  const step = () => server.clock.advance(1_000);

  beforeAll(async () => {
    server = await startTestServer(backend);
    zhangsanSub = await server.addUser('zhangsan', PASSWORD);
    tokens = await addAdminClients(server);
    startedAt = server.clock.now();
    step();
    const session = await signIn(server, { password: PASSWORD }); // token_issued
    step();
    const wrong = await server.app.inject({
      method: 'POST',
      url: `/auth/v1/token?client_id=${ENV_ID}`,
      payload: { grant_type: 'password', username: PHONE, password: 'wrong-password' },
    }); // signin_failed
    expect(wrong.statusCode).toBe(400);
    step();
    const signout = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/user/signout',
      headers: { authorization: `Bearer ${session.access_token}` },
      payload: {},
    }); // session_ended
    expect(signout.statusCode).toBe(200);
    step();
    const created = await admin('POST', '/auth/v1/admin/users', {
      phone_number: PHONE,
      email: EMAIL,
      password: 'Another-Pass-42',
    }); // admin_user_created
    expect(created.status).toBe(200);
    createdSub = created.body.sub as string;
    step();
    await admin('POST', `/auth/v1/admin/users/${createdSub}/block`); // user_blocked
    step();
    await admin('POST', `/auth/v1/admin/users/${createdSub}/unblock`); // user_unblocked
    step();
    await admin('POST', `/auth/v1/admin/users/${zhangsanSub}/sessions/end`); // admin_sessions_ended
    step();
    await server.app.lingpai.audit.flush();
  }, 60_000);
  afterAll(async () => server?.close());

  it('records sign-ins, failures, issuance, revocation and admin actions', async () => {
    const kinds = (await audit('?limit=100')).data.map((event) => event.kind);
    for (const kind of [
      'client_credentials',
      'token_issued',
      'signin_failed',
      'session_ended',
      'admin_user_created',
      'user_blocked',
      'user_unblocked',
      'admin_sessions_ended',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it('by user: newest first, only that user', async () => {
    const events = (await audit(`?sub=${zhangsanSub}`)).data;
    expect(events.map((event) => event.kind)).toEqual([
      'admin_sessions_ended',
      'session_ended',
      'token_issued',
    ]);
    expect(events.every((event) => event.sub === zhangsanSub)).toBe(true);
    const issued = events[2]!;
    expect(issued).toMatchObject({ client_id: ENV_ID, detail: { grant_type: 'password' } });
    expect(Date.parse(events[0]!.at)).toBeGreaterThan(Date.parse(events[2]!.at));
  });

  it('by client and kind', async () => {
    const byAdmin = (await audit('?client_id=env-admin')).data;
    expect(byAdmin.map((event) => event.kind)).toEqual([
      'admin_sessions_ended',
      'user_unblocked',
      'user_blocked',
      'admin_user_created',
      'client_credentials',
    ]);
    const failures = (await audit('?kind=signin_failed')).data;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ client_id: ENV_ID, detail: { method: 'pwd' } });
    expect(failures[0]).not.toHaveProperty('sub');
  });

  it('by time: from inclusive, to exclusive', async () => {
    const from = new Date(startedAt + 4_000).toISOString();
    const to = new Date(startedAt + 6_000).toISOString();
    const events = (await audit(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).data;
    expect(events.map((event) => event.kind)).toEqual(['user_blocked', 'admin_user_created']);
    const seconds = (await audit(`?from=${Math.floor((startedAt + 7_000) / 1_000)}`)).data;
    expect(seconds.map((event) => event.kind)).toEqual(['admin_sessions_ended']);
  });

  it('keyset pages: every event once, in order, while new events arrive', async () => {
    const all = (await audit('?limit=100')).data.map((event) => event.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((event) => event.id));
      cursor = page.next_cursor;
      if (++pages === 1) {
        // A new event (newer than everything) arrives between pages: it is not in a later page.
        await admin('POST', `/auth/v1/admin/users/${zhangsanSub}/sessions/end`);
        await server.app.lingpai.audit.flush();
      }
    } while (cursor !== undefined && pages < 20);
    expect(seen).toEqual(all);
    const bad = await admin('GET', '/auth/v1/admin/audit?cursor=WzEsInNlcnZpY2UiXQ');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
  });

  it('no phone number, email, password or token in any event', async () => {
    const rows = await server.db.query<{ row: string }>(
      'SELECT row_to_json(a)::text AS row FROM audit_events a',
    );
    for (const { row } of rows) {
      expect(row).not.toContain('13800138077');
      expect(row).not.toContain(EMAIL);
      expect(row).not.toContain('wrong-password');
      expect(row).not.toContain('Another-Pass-42');
      expect(row).not.toMatch(/lpr\.|eyJ/);
    }
  });
});
