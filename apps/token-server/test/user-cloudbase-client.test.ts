// The official @cloudbase/oauth client, unmodified, on the signed-in user's endpoints: user info,
// profile edits (both of its calls), the sudo → setPassword flow behind updatePasswordByOld, the
// device revocations, and deleteMe with its sudo_token in the query.
import { CloudbaseOAuth } from '@cloudbase/oauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import { startListeningServer } from './support/listening-server.js';
import { refreshStatus } from './support/session-helpers.js';
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

describe('the official @cloudbase/oauth client on /auth/v1/user/*', () => {
  let server: TestServer & { issuer: string };

  beforeAll(async () => {
    server = await startListeningServer({ kind: 'pglite' });
  }, 120_000);
  afterAll(async () => server?.close());

  async function signedInClient(username: string, password: string) {
    const oauth = new CloudbaseOAuth({
      apiOrigin: server.issuer,
      env: ENV_ID,
      clientId: ENV_ID,
      storage: memoryStorage(),
    });
    const credentials = await oauth.authApi.grantToken({
      grant_type: 'password',
      username,
      password,
    } as never);
    await oauth.oauth2client.setCredentials(credentials);
    return { oauth, credentials: credentials as unknown as { refresh_token: string } };
  }

  it('reads and edits the profile', async () => {
    const sub = await server.addUser('cb-profile', 'Client-Pass-123');
    const { oauth } = await signedInClient('cb-profile', 'Client-Pass-123');
    const info = await oauth.authApi.getUserInfo();
    expect(info).toMatchObject({ sub, uid: sub, username: 'cb-profile', providers: [] });
    const edited = await oauth.authApi.setUserProfile({ name: '张三', gender: 'MALE' } as never);
    expect(edited).toMatchObject({ name: '张三', gender: 'MALE' });
    await oauth.authApi.updateUserBasicInfo({ nickname: 'San', avatar_url: 'https://cdn.example.com/s.png' });
    expect(await oauth.authApi.getUserInfo()).toMatchObject({
      name: 'San',
      picture: 'https://cdn.example.com/s.png',
    });
    // A refusal reaches the client as a thrown error with CloudBase's error name.
    await expect(
      oauth.authApi.setUserProfile({ picture: 'http://insecure.example.com/a.png' } as never),
    ).rejects.toMatchObject({
      error: 'invalid_request',
    });
  });

  it('changes the password by the old one (sudo, then setPassword), keeping its own session', async () => {
    await server.addUser('cb-password', 'Client-Pass-123');
    const { oauth, credentials } = await signedInClient('cb-password', 'Client-Pass-123');
    const other = await signedInClient('cb-password', 'Client-Pass-123');
    await oauth.authApi.updatePasswordByOld({
      old_password: 'Client-Pass-123',
      new_password: 'Changed-Pass-456',
    });
    expect(
      (
        await postToken(server.app, {
          grant_type: 'password',
          username: 'cb-password',
          password: 'Changed-Pass-456',
        })
      ).status,
    ).toBe(200);
    expect(await refreshStatus(server, other.credentials.refresh_token)).toBe(400);
    expect(await refreshStatus(server, credentials.refresh_token)).toBe(200);
  });

  it('revokes every device, and deletes the account with a sudo_token', async () => {
    await server.addUser('cb-revoke', 'Client-Pass-123');
    const { oauth, credentials } = await signedInClient('cb-revoke', 'Client-Pass-123');
    await oauth.authApi.revokeAllDevices();
    expect(await refreshStatus(server, credentials.refresh_token)).toBe(400);

    const sub = await server.addUser('cb-delete', 'Client-Pass-123');
    const leaving = await signedInClient('cb-delete', 'Client-Pass-123');
    const { sudo_token } = await leaving.oauth.authApi.sudo({ password: 'Client-Pass-123' });
    await leaving.oauth.authApi.deleteMe({ sudo_token: sudo_token! });
    expect(await server.db.query('SELECT 1 FROM users WHERE sub = $1', [sub])).toEqual([]);
  });
});
