// The official CloudBase client, @cloudbase/oauth, unmodified, through a social login: its own
// genProviderRedirectUri, grantProviderToken (which sends no state), signInWithProvider, signUp,
// getUserInfo, getProviders, bindWithProvider and unbindProvider, against a listening server whose
// platforms are the sandbox's.
import { CloudbaseOAuth } from '@cloudbase/oauth';
import { parseCallback } from '@lingpai/oauth-social';
import { createSandbox, type Sandbox } from '@lingpai/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningServer } from './support/listening-server.js';
import { APP_REDIRECT_URI, consentAtPlatform, sandboxServerOptions } from './support/social-sandbox.js';
import { ENV_ID, type TestServer } from './support/test-app.js';

const CLIENT = 'cb-social';

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

describe('the official @cloudbase/oauth client, social login', () => {
  let sandbox: Sandbox;
  let server: TestServer & { issuer: string };

  beforeAll(async () => {
    sandbox = await createSandbox();
    server = await startListeningServer({ kind: 'pglite' }, sandboxServerOptions(await sandbox.listen()));
    await server.addClient({
      id: CLIENT,
      kind: 'public',
      grantTypes: ['refresh_token'],
      scopes: ['user'],
      defaultScopes: ['user'],
      redirectUris: [APP_REDIRECT_URI],
      firstParty: true,
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await sandbox?.close();
  });

  /** The browser part the SDK leaves to the page: go to the uri, consent, come back with the code. */
  async function login(
    oauth: CloudbaseOAuth,
    providerId: string,
    user: string,
    state: string,
  ): Promise<string> {
    const { uri } = await oauth.authApi.genProviderRedirectUri({
      provider_id: providerId,
      provider_redirect_uri: APP_REDIRECT_URI,
      state,
      other_params: { sign_out_uri: '' },
    } as never);
    const callback = await consentAtPlatform(uri, user);
    // The SDK finds its sessionStorage entry by the callback's state: it must come back unchanged.
    expect(callback.searchParams.get('state')).toBe(state);
    const { provider_token } = await oauth.authApi.grantProviderToken({
      provider_id: providerId,
      provider_redirect_uri: APP_REDIRECT_URI,
      provider_code: parseCallback(callback).code,
    });
    return provider_token;
  }

  it('first login → user_not_found → signUp with provider_token → user info, bind, list, unbind', async () => {
    const oauth = new CloudbaseOAuth({
      apiOrigin: server.issuer,
      env: ENV_ID,
      clientId: CLIENT,
      storage: memoryStorage(),
    });
    const first = await login(oauth, 'github', 'bob', 'cb-state-0001');
    await expect(oauth.authApi.signInWithProvider({ provider_token: first })).rejects.toMatchObject({
      error: 'user_not_found',
    });
    const signedUp = await oauth.authApi.signUp({ provider_token: first, name: 'Bob' } as never);
    expect(signedUp).toMatchObject({ token_type: 'Bearer', scope: 'user' });

    const me = await oauth.authApi.getUserInfo();
    expect(me.providers).toEqual([
      expect.objectContaining({ id: 'github', provider_user_id: expect.any(String) }),
    ]);
    expect(me.email).toBeUndefined();

    const google = await login(oauth, 'google', 'bob', 'cb-state-0002');
    await oauth.authApi.bindWithProvider({ provider_token: google });
    const providers = await oauth.authApi.getProviders();
    expect(providers.data.filter((item) => item.bind).map((item) => item.id)).toEqual(['github', 'google']);
    await oauth.authApi.unbindProvider({ provider_id: 'google' });
    await expect(oauth.authApi.unbindProvider({ provider_id: 'github' })).rejects.toMatchObject({
      error: 'failed_precondition',
    });

    // The returning login, on a fresh client instance (another device id).
    const later = new CloudbaseOAuth({
      apiOrigin: server.issuer,
      env: ENV_ID,
      clientId: CLIENT,
      storage: memoryStorage(),
    });
    const credentials = await later.authApi.signInWithProvider({
      provider_token: await login(later, 'github', 'bob', 'cb-state-0003'),
    });
    expect(credentials).toMatchObject({ token_type: 'Bearer', sub: me.sub });
  });
});
