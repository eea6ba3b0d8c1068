import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminClients, addAdminClients, adminCall } from './support/admin-support.js';
import { refreshStatus, signIn, userinfoStatus } from './support/session-helpers.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

const PASSWORD = 'DemoPass123!@#';

describe.each(backends())('admin API on %s', (_name, backend) => {
  let server: TestServer;
  let tokens: AdminClients;
  let zhangsanSub: string;

  const admin = (method: 'GET' | 'POST', url: string, body?: Record<string, unknown>) =>
    adminCall(server, tokens.adminToken, method, url, body);

  beforeAll(async () => {
    server = await startTestServer(backend);
    zhangsanSub = await server.addUser('zhangsan', PASSWORD);
    tokens = await addAdminClients(server);
  }, 60_000);
  afterAll(async () => server?.close());

  describe('who may call it', () => {
    const routes: Array<['GET' | 'POST', string]> = [
      ['GET', '/auth/v1/admin/users'],
      ['GET', '/auth/v1/admin/users/1234567890123456789'],
      ['POST', '/auth/v1/admin/users'],
      ['POST', '/auth/v1/admin/users/1234567890123456789/block'],
      ['POST', '/auth/v1/admin/users/1234567890123456789/unblock'],
      ['POST', '/auth/v1/admin/users/1234567890123456789/sessions/end'],
      ['GET', '/auth/v1/admin/audit'],
      ['GET', '/auth/v1/user/query?username=zhangsan'],
    ];

    it('no token: 401 unauthenticated with a Bearer challenge, on every admin route', async () => {
      for (const [method, url] of routes) {
        const answer = await adminCall(server, undefined, method, url, method === 'POST' ? {} : undefined);
        expect(answer.status, `${method} ${url}`).toBe(401);
        expect(answer.body.error).toBe('unauthenticated');
        expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    });

    it('a forged or foreign token: 401 invalid_token', async () => {
      const answer = await adminCall(
        server,
        'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
        'GET',
        '/auth/v1/admin/users',
      );
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_token');
    });

    it('a user token: 403 insufficient_scope, on every admin route', async () => {
      const user = await signIn(server, { password: PASSWORD });
      for (const [method, url] of routes) {
        const answer = await adminCall(
          server,
          user.access_token,
          method,
          url,
          method === 'POST' ? {} : undefined,
        );
        expect(answer.status, `${method} ${url}`).toBe(403);
        expect(answer.body.error).toBe('insufficient_scope');
        expect(String(answer.headers['www-authenticate'])).toContain('scope="admin"');
      }
    });

    it('a user token whose scope says admin is still a user token: 403', async () => {
      const issuer = server.app.lingpai.issuer;
      // Signed with our own key, as if a client had managed to get `admin` into a user's token.
      const userWithAdmin = await issuer.accessToken({
        sub: zhangsanSub,
        clientId: 'env-admin',
        scope: ['admin'],
        lifetimeSeconds: 600,
      });
      const withSession = await issuer.accessToken({
        sub: 'service:env-admin',
        clientId: 'env-admin',
        scope: ['admin'],
        sid: 'some-session',
        lifetimeSeconds: 600,
      });
      const otherService = await issuer.accessToken({
        sub: 'service:batch-job',
        clientId: 'env-admin',
        scope: ['admin'],
        lifetimeSeconds: 600,
      });
      for (const token of [userWithAdmin.token, withSession.token, otherService.token]) {
        const answer = await adminCall(server, token, 'GET', '/auth/v1/admin/users');
        expect(answer.status).toBe(403);
        expect(answer.body.error).toBe('insufficient_scope');
      }
    });

    it('a client_credentials token without admin: 403 insufficient_scope', async () => {
      const answer = await adminCall(server, tokens.serviceToken, 'GET', '/auth/v1/admin/users');
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('insufficient_scope');
    });

    it('the admin client_credentials token: 200', async () => {
      const answer = await admin('GET', '/auth/v1/admin/users');
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(Array.isArray(answer.body.data)).toBe(true);
    });

    it('the check comes before parameter validation (no token, bad parameters: still 401)', async () => {
      const answer = await adminCall(server, undefined, 'GET', '/auth/v1/admin/users?limit=x&limit=y');
      expect(answer.status).toBe(401);
    });
  });

  describe('create and get', () => {
    it('creates a user who can then sign in with the password; stored forms of phone and email', async () => {
      const created = await admin('POST', '/auth/v1/admin/users', {
        username: 'Lisi',
        phone_number: '13800138001',
        email: ' LiSi@Example.COM ',
        password: 'Another-Pass-42',
        name: '李四',
        groups: ['staff', 'staff', 'ops'],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body).toMatchObject({
        username: 'Lisi',
        phone_number: '+86 13800138001',
        email: 'lisi@example.com',
        name: '李四',
        groups: ['staff', 'ops'],
        status: 'ACTIVE',
        is_anonymous: false,
        has_password: true,
      });
      expect(created.body).not.toHaveProperty('password_hash');
      const sub = created.body.sub as string;
      expect(sub).toMatch(/^[1-9][0-9]{18}$/);
      const tokensOfLisi = await signIn(server, { username: 'lisi', password: 'Another-Pass-42' });
      expect(tokensOfLisi.sub).toBe(sub);
      const fetched = await admin('GET', `/auth/v1/admin/users/${sub}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({ sub, username: 'Lisi', status: 'ACTIVE' });
    });

    it('uniqueness is the table’s: username (any case), phone (any spelling), email', async () => {
      const base = { password: 'Another-Pass-42' };
      expect((await admin('POST', '/auth/v1/admin/users', { ...base, username: 'wangwu' })).status).toBe(200);
      const sameName = await admin('POST', '/auth/v1/admin/users', { ...base, username: 'WANGWU' });
      expect(sameName.status).toBe(409);
      expect(sameName.body.error).toBe('username_already_exists');
      expect((await admin('POST', '/auth/v1/admin/users', { phone_number: '+86 13900139000' })).status).toBe(
        200,
      );
      const samePhone = await admin('POST', '/auth/v1/admin/users', { phone_number: '+8613900139000' });
      expect(samePhone.status).toBe(409);
      expect(samePhone.body.error).toBe('user_already_exists');
      expect((await admin('POST', '/auth/v1/admin/users', { email: 'ww@example.com' })).status).toBe(200);
      const sameEmail = await admin('POST', '/auth/v1/admin/users', { email: 'WW@example.com' });
      expect(sameEmail.status).toBe(409);
      expect(sameEmail.body.error).toBe('user_already_exists');
    });

    it('parallel creations with one username: exactly one user', async () => {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => admin('POST', '/auth/v1/admin/users', { username: 'racer' })),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(answers.filter((answer) => answer.body.error === 'username_already_exists')).toHaveLength(7);
    });

    it('refuses what cannot be a user', async () => {
      const none = await admin('POST', '/auth/v1/admin/users', { name: 'nobody' });
      expect(none.status).toBe(400);
      expect(none.body.error).toBe('invalid_request');
      const weak = await admin('POST', '/auth/v1/admin/users', { username: 'weak', password: 'short' });
      expect(weak.body.error).toBe('invalid_password');
      const phone = await admin('POST', '/auth/v1/admin/users', { phone_number: 'not a phone' });
      expect(phone.body.error).toBe('invalid_phone_number');
      const email = await admin('POST', '/auth/v1/admin/users', { email: 'no-at-sign' });
      expect(email.body.error).toBe('invalid_email');
      const spaced = await admin('POST', '/auth/v1/admin/users', { username: 'has space' });
      expect(spaced.body.error).toBe('invalid_request');
      const phoneLike = await admin('POST', '/auth/v1/admin/users', { username: '１３８００１３８０００' });
      expect(phoneLike.body.error).toBe('invalid_request');
    });

    it('an unknown sub, or something that is not a user sub: 404 user_not_found', async () => {
      for (const sub of ['1234567890123456789', 'service:env-admin', '0123']) {
        const answer = await admin('GET', `/auth/v1/admin/users/${encodeURIComponent(sub)}`);
        expect(answer.status, sub).toBe(404);
        expect(answer.body.error).toBe('user_not_found');
      }
    });
  });

  describe('query', () => {
    const subs: string[] = [];
    // A window of their own, just after the suite's other users (the clock only moves forward: the
    // signing keys and the admin token live at the suite's own time).
    let start = 0;
    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const windowed = () => `created_from=${iso(start)}&created_to=${iso(start + 3_600_000)}`;

    beforeAll(async () => {
      start = server.clock.now() + 60_000;
      // Seven users a minute apart.
      for (let i = 0; i < 7; i++) {
        server.clock.set(start + i * 60_000);
        const created = await admin('POST', '/auth/v1/admin/users', {
          username: `pager-${i}`,
          email: `pager-${i}@example.com`,
          phone_number: `1370000000${i}`,
        });
        expect(created.status).toBe(200);
        subs.push(created.body.sub as string);
      }
      server.clock.set(start + 3_600_000);
    });

    it('filters by sub, username (any case), phone (any spelling), email, status and created range', async () => {
      const bySub = await admin('GET', `/auth/v1/admin/users?sub=${subs[2]}`);
      expect((bySub.body.data as Array<{ sub: string }>).map((u) => u.sub)).toEqual([subs[2]]);
      const byName = await admin('GET', '/auth/v1/admin/users?username=PAGER-3');
      expect((byName.body.data as Array<{ sub: string }>).map((u) => u.sub)).toEqual([subs[3]]);
      const byPhone = await admin(
        'GET',
        `/auth/v1/admin/users?phone_number=${encodeURIComponent('+86 13700000004')}`,
      );
      expect((byPhone.body.data as Array<{ sub: string }>).map((u) => u.sub)).toEqual([subs[4]]);
      const byEmail = await admin('GET', '/auth/v1/admin/users?email=Pager-5@Example.com');
      expect((byEmail.body.data as Array<{ sub: string }>).map((u) => u.sub)).toEqual([subs[5]]);
      const range = await admin(
        'GET',
        `/auth/v1/admin/users?created_from=${iso(start + 2 * 60_000)}&created_to=${Math.floor((start + 5 * 60_000) / 1_000)}`,
      );
      expect((range.body.data as Array<{ sub: string }>).map((u) => u.sub)).toEqual([
        subs[4],
        subs[3],
        subs[2],
      ]);
      const blocked = await admin('POST', `/auth/v1/admin/users/${subs[6]}/block`);
      expect(blocked.status).toBe(200);
      const byStatus = await admin('GET', `/auth/v1/admin/users?status=BLOCKED&${windowed()}`);
      expect((byStatus.body.data as Array<{ sub: string }>).map((u) => u.sub)).toEqual([subs[6]]);
      const active = await admin('GET', `/auth/v1/admin/users?status=ACTIVE&${windowed()}`);
      expect((active.body.data as unknown[]).length).toBe(6);
      expect((await admin('POST', `/auth/v1/admin/users/${subs[6]}/unblock`)).status).toBe(200);
    });

    it('pages newest first with an opaque cursor; a user created meanwhile shifts nothing', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const answer = await admin(
          'GET',
          `/auth/v1/admin/users?limit=2&${windowed()}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const data = answer.body.data as Array<{ sub: string }>;
        expect(data.length).toBeLessThanOrEqual(2);
        seen.push(...data.map((user) => user.sub));
        cursor = answer.body.next_cursor as string | undefined;
        pages++;
        if (pages === 2) {
          // Inserted inside the window, newer than everything: it belongs before page 1, not in a later page.
          server.clock.set(start + 30 * 60_000);
          expect((await admin('POST', '/auth/v1/admin/users', { username: 'late-comer' })).status).toBe(200);
          server.clock.set(start + 3_600_000);
        }
      } while (cursor !== undefined && pages < 10);
      expect(seen).toEqual([...subs].reverse());
      expect(pages).toBe(4);
    });

    it('bounded page size and a cursor that is not ours: 400 invalid_request', async () => {
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=ten',
        'cursor=bm90LWEtY3Vyc29y',
        'cursor=%7B',
        'created_from=yesterday',
        'status=GONE',
      ]) {
        const answer = await admin('GET', `/auth/v1/admin/users?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error).toBe('invalid_request');
      }
      const max = await admin('GET', '/auth/v1/admin/users?limit=100');
      expect(max.status).toBe(200);
    });

    it('CloudBase GET /auth/v1/user/query: ids as the official client joins them, username, phone; {total, data}', async () => {
      const byIds = await admin(
        'GET',
        `/auth/v1/user/query?id=${encodeURIComponent(`${subs[0]},${subs[1]}`)}`,
      );
      expect(byIds.status, JSON.stringify(byIds.body)).toBe(200);
      expect(byIds.body.total).toBe(2);
      expect((byIds.body.data as Array<{ sub: string }>).map((u) => u.sub).sort()).toEqual(
        [subs[0], subs[1]].sort(),
      );
      const repeated = await admin('GET', `/auth/v1/user/query?id=${subs[0]}&id=${subs[2]}`);
      expect(repeated.body.total).toBe(2);
      const byName = await admin('GET', '/auth/v1/user/query?username=pager-1');
      expect(byName.body).toEqual({
        total: 1,
        data: [
          { sub: subs[1], name: 'pager-1', email: 'pager-1@example.com', phone_number: '+86 13700000001' },
        ],
      });
      const byPhone = await admin('GET', '/auth/v1/user/query?phone_number=13700000002');
      expect((byPhone.body.data as Array<{ sub: string }>)[0]?.sub).toBe(subs[2]);
      const nobody = await admin('GET', '/auth/v1/user/query?id=service:x');
      expect(nobody.body).toEqual({ total: 0, data: [] });
      const empty = await admin('GET', '/auth/v1/user/query');
      expect(empty.body.error).toBe('invalid_request');
    });
  });

  describe('ending a user’s sessions', () => {
    it('every session of the user ends (refresh refused, access token refused), the account stays ACTIVE', async () => {
      const phone = await signIn(server, { password: PASSWORD, deviceId: 'phone-1' });
      const laptop = await signIn(server, { password: PASSWORD, deviceId: 'laptop-1' });
      const ended = await admin('POST', `/auth/v1/admin/users/${zhangsanSub}/sessions/end`);
      expect(ended.status, JSON.stringify(ended.body)).toBe(200);
      expect(ended.body.sub).toBe(zhangsanSub);
      expect(ended.body.ended_sessions).toBeGreaterThanOrEqual(2);
      for (const session of [phone, laptop]) {
        expect(await refreshStatus(server, session.refresh_token)).toBe(400);
        expect(await userinfoStatus(server, session.access_token)).toBe(401);
      }
      const again = await signIn(server, { password: PASSWORD });
      expect(await userinfoStatus(server, again.access_token)).toBe(200);
      const user = await admin('GET', `/auth/v1/admin/users/${zhangsanSub}`);
      expect(user.body.status).toBe('ACTIVE');
      const none = await admin('POST', '/auth/v1/admin/users/1234567890123456789/sessions/end');
      expect(none.status).toBe(404);
    });
  });
});
