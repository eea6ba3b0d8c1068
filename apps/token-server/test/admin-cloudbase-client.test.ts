// The official CloudBase client's `queryUserProfile` (GET /auth/v1/user/query), unmodified, with an
// admin client_credentials token in its credential store: it must get CloudBase's `{ total, data }`,
// and with a user's token it must be refused.
import { CloudbaseOAuth } from '@cloudbase/oauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAdminClients } from './support/admin-support.js';
import { startListeningServer } from './support/listening-server.js';
import { signIn } from './support/session-helpers.js';
import { ENV_ID, type TestServer } from './support/test-app.js';

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

describe('the official @cloudbase/oauth client querying users', () => {
  let server: TestServer & { issuer: string };
  let adminToken: string;
  const subs: string[] = [];

  beforeAll(async () => {
    server = await startListeningServer({ kind: 'pglite' });
    subs.push(await server.addUser('zhangsan', 'DemoPass123!@#'));
    subs.push(await server.addUser('lisi', 'DemoPass123!@#'));
    subs.push(await server.addUser('wangwu', 'DemoPass123!@#'));
    adminToken = (await addAdminClients(server)).adminToken;
  }, 60_000);
  afterAll(async () => server?.close());

  const clientWith = async (accessToken: string) => {
    const oauth = new CloudbaseOAuth({
      apiOrigin: server.issuer,
      env: ENV_ID,
      clientId: ENV_ID,
      storage: memoryStorage(),
    });
    await oauth.oauth2client.setCredentials({
      token_type: 'Bearer',
      access_token: accessToken,
      refresh_token: '',
      expires_in: 3_600,
    } as never);
    return oauth;
  };

  it('queryUserProfile({ id: [a, b] }) with an admin token: { total, data } of those users', async () => {
    const oauth = await clientWith(adminToken);
    const answer = (await oauth.authApi.queryUserProfile({ id: [subs[0], subs[2]] } as never)) as unknown as {
      total: number;
      data: Array<{ sub: string; name: string }>;
    };
    expect(answer.total).toBe(2);
    expect(answer.data.map((user) => user.sub).sort()).toEqual([subs[0], subs[2]].sort());
    expect(answer.data.find((user) => user.sub === subs[0])?.name).toBe('zhangsan');
    const byName = (await oauth.authApi.queryUserProfile({ username: 'lisi' })) as unknown as {
      total: number;
      data: Array<{ sub: string }>;
    };
    expect(byName).toMatchObject({ total: 1, data: [{ sub: subs[1] }] });
  });

  it('with a user’s token: refused (insufficient_scope)', async () => {
    const user = await signIn(server, { password: 'DemoPass123!@#' });
    const oauth = await clientWith(user.access_token);
    const outcome = await oauth.authApi.queryUserProfile({ username: 'lisi' }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect(JSON.stringify(outcome)).toContain('insufficient_scope');
  });
});
