// Where the official @cloudbase/oauth client (3.3.3, unmodified) lets its users down, side by side
// with @lingpai/auth-client, both against the real token server: a failed anonymous refresh (the
// official client silently makes a NEW anonymous user) and two tabs refreshing at once under strict
// rotation (the official client's loser wipes the shared credentials: every tab is signed out).
// The third flaw — a TypeError with no stored credentials — is in session.test.ts.
import { CloudbaseOAuth } from '@cloudbase/oauth';
import { AuthClient, type AuthClientError } from '@lingpai/auth-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningServer } from '../support/listening-server.js';
import { ENV_ID, type TestServer } from '../support/test-app.js';
import { recordingFetch, sharedStorage, skewedClock } from './auth-client-support.js';

const KEY = `credentials_${ENV_ID}`;

/** The official client's storage, shared by its "tabs" when given the same map. */
function officialStorage(items = new Map<string, string>()) {
  return {
    items,
    getItem: async (key: string) => items.get(key) ?? null,
    removeItem: async (key: string) => void items.delete(key),
    setItem: async (key: string, value: string) => void items.set(key, value),
    getItemSync: (key: string) => items.get(key) ?? null,
    removeItemSync: (key: string) => void items.delete(key),
    setItemSync: (key: string, value: string) => void items.set(key, value),
  };
}

describe('@cloudbase/oauth vs @lingpai/auth-client', () => {
  let server: TestServer & { issuer: string };
  const ours: AuthClient[] = [];

  beforeAll(async () => {
    server = await startListeningServer({ kind: 'pglite' });
    await server.addUser('zhangsan', 'DemoPass123!@#');
  });
  afterAll(async () => {
    for (const client of ours) client.dispose();
    await server?.close();
  });

  const official = (storage = officialStorage()) => ({
    storage,
    oauth: new CloudbaseOAuth({ apiOrigin: server.issuer, env: ENV_ID, clientId: ENV_ID, storage }),
  });
  /** Makes the official client's stored access token look expired (it refreshes lazily, 30 s early). */
  const expire = (items: Map<string, string>) => {
    const stored = JSON.parse(items.get(KEY)!) as Record<string, unknown>;
    items.set(KEY, JSON.stringify({ ...stored, expires_at: new Date(Date.now() - 1_000) }));
  };
  const revoke = (token: string) =>
    fetch(`${server.issuer}/auth/v1/revoke?client_id=${ENV_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });

  it('a dead anonymous session: theirs becomes a new anonymous user, ours ends the session', async () => {
    const { oauth, storage } = official();
    const first = await oauth.authApi.signInAnonymously();
    await revoke(first.refresh_token!);
    expire(storage.items);
    // The page is loaded again later: a new client on the same storage.
    await official(storage).oauth.oauth2client.getAccessToken();
    const theirs = JSON.parse(storage.items.get(KEY)!) as { sub?: string; scope: string };
    expect(theirs.scope).toBe('anonymous');
    expect(theirs.sub).not.toBe(first.sub); // someone else now: the first user's data is out of reach

    const wire = recordingFetch();
    const clock = skewedClock();
    const client = new AuthClient({
      issuer: server.issuer,
      clientId: ENV_ID,
      storage: sharedStorage(),
      fetch: wire.fetch,
      clock,
    });
    ours.push(client);
    const mine = await client.signInAnonymously();
    await client.revoke(mine.refresh_token!);
    clock.advance(7_200_000);
    const error = (await client.getAccessToken().catch((e: unknown) => e)) as AuthClientError;
    expect(error.error).toBe('unauthenticated');
    expect(wire.to('/auth/v1/signin/anonymously')).toHaveLength(1); // no new user behind the app's back
    expect(await client.getCredentials()).toBeNull();
  });

  it('two tabs refreshing at once under strict rotation: theirs are both signed out, ours both stay signed in', async () => {
    const shared = new Map<string, string>();
    const signIn = official(officialStorage(shared));
    const signedIn = await signIn.oauth.authApi.grantToken({
      grant_type: 'password',
      username: 'zhangsan',
      password: 'DemoPass123!@#',
    } as never);
    await signIn.oauth.oauth2client.setCredentials(signedIn);
    expire(shared);
    // Two tabs wake up with the stored, expired token; tab B read it before tab A's refresh landed.
    // (Two instances in one process would share the official client's module-wide single flight,
    // which separate tabs do not: B's storage hands it the snapshot it read, and writes through.)
    const snapshot = shared.get(KEY)!;
    const tabA = official(officialStorage(shared));
    const stale = officialStorage(shared);
    const tabB = official({
      ...stale,
      getItem: async (key: string) => (key === KEY ? snapshot : stale.getItem(key)),
    });
    expect(await tabA.oauth.oauth2client.getAccessToken()).not.toBe(signedIn.access_token);
    const lost = await tabB.oauth.oauth2client
      .getAccessToken()
      .catch((error: { error: string }) => error.error);
    expect(lost).toBe('unauthenticated');
    // Its invalid_grant (the server saw a reuse and ended the session) wiped what both tabs share.
    expect(shared.has(KEY)).toBe(false);
    const afterwards = await tabA.oauth.authApi
      .getUserInfo({})
      .catch((error: { error: string }) => error.error);
    expect(afterwards).toBe('invalid_token'); // and tab A's session is gone with it

    const storage = sharedStorage();
    const clock = skewedClock();
    const key = 'comparison-tabs';
    const tabs = [0, 1].map(() => {
      const client = new AuthClient({
        issuer: server.issuer,
        clientId: ENV_ID,
        storage,
        storageKey: key,
        clock,
        // This client has no refresh grace: a loser must wait for the winner, however loaded the machine.
        crossTabWaitMs: 30_000,
      });
      ours.push(client);
      return client;
    });
    await tabs[0]!.signIn({ username: 'zhangsan', password: 'DemoPass123!@#' });
    clock.advance(7_200_000 - 30_000);
    const tokens = await Promise.all(tabs.map((tab) => tab.getAccessToken()));
    expect(tokens[0]).toBe(tokens[1]);
    for (const tab of tabs) expect((await tab.getUserInfo()).username).toBe('zhangsan');
  });
});
