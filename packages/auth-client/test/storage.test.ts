import { describe, expect, it } from 'vitest';
import { AuthClient, type AuthStorage, localStorageAdapter, memoryStorage } from '../src/index.js';
import { fakeFetch } from './fakes.js';

/** The Web Storage interface over a Map (what `window.localStorage` is). */
function webStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, String(value)),
  };
}

const TOKENS = {
  token_type: 'Bearer',
  access_token: 'at-1',
  refresh_token: 'rt-1',
  expires_in: 7200,
  scope: 'user',
};

describe('storage', () => {
  const adapters: [string, () => AuthStorage][] = [
    ['memoryStorage', memoryStorage],
    ['localStorageAdapter', () => localStorageAdapter(webStorage())],
    [
      'an async custom adapter',
      () => {
        const map = new Map<string, string>();
        return {
          get: async (key) => map.get(key),
          set: async (key, value) => void map.set(key, value),
          remove: async (key) => void map.delete(key),
        };
      },
    ],
  ];

  it.each(adapters)('%s keeps the credentials and one device id', async (_name, make) => {
    const storage = make();
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/signin': () => TOKENS,
      'GET /auth/v1/user/me': () => ({ sub: '1' }),
    });
    const first = new AuthClient({
      issuer: 'http://auth.test',
      clientId: 'web',
      storage,
      fetch,
      crossTab: false,
    });
    await first.signIn({ username: 'a', password: 'b' });
    const again = new AuthClient({
      issuer: 'http://auth.test',
      clientId: 'web',
      storage,
      fetch,
      crossTab: false,
    });
    expect(await again.getAccessToken()).toBe('at-1');
    await again.getUserInfo();
    const ids = calls.map((call) => call.headers['x-device-id']);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(1);
    expect(await storage.get('lingpai:web:device_id')).toBe(ids[0]);
    expect(JSON.parse(String(await storage.get('lingpai:web')))).toMatchObject({
      ...TOKENS,
      expires_at: expect.any(Number),
    });
    await again.setCredentials(null);
    expect(await storage.get('lingpai:web')).toBeFalsy();
    first.dispose();
    again.dispose();
  });

  it('a device id already stored (CloudBase accepts 16–48 characters) is reused; a bad one replaced', async () => {
    const storage = memoryStorage();
    await storage.set('app:device_id', 'device-0123456789abcdef');
    const client = new AuthClient({
      issuer: 'http://auth.test',
      clientId: 'web',
      storageKey: 'app',
      storage,
      crossTab: false,
    });
    expect(await client.getDeviceId()).toBe('device-0123456789abcdef');
    await storage.set('other:device_id', 'short');
    const other = new AuthClient({
      issuer: 'http://auth.test',
      clientId: 'web',
      storageKey: 'other',
      storage,
      crossTab: false,
    });
    expect(await other.getDeviceId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('two tabs generating a device id at once settle on one', async () => {
    const map = new Map<string, string>();
    const storage: AuthStorage = {
      get: async (key) => map.get(key),
      set: async (key, value) => void map.set(key, value),
      remove: async (key) => void map.delete(key),
    };
    const tabs = [0, 1].map(
      () => new AuthClient({ issuer: 'http://auth.test', clientId: 'web', storage, crossTab: false }),
    );
    const [a, b] = await Promise.all(tabs.map((tab) => tab.getDeviceId()));
    expect(a).toBe(b);
    expect(await tabs[0]!.getDeviceId()).toBe(a);
  });

  it('where reading localStorage throws (storage blocked), the session lives in memory', async () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      },
    });
    try {
      const { fetch } = fakeFetch({ 'POST /auth/v1/signin': () => TOKENS });
      const client = new AuthClient({ issuer: 'http://auth.test', clientId: 'web', fetch, crossTab: false });
      await client.signIn({ username: 'a', password: 'b' });
      expect(await client.getAccessToken()).toBe('at-1');
    } finally {
      Reflect.deleteProperty(globalThis, 'localStorage');
    }
  });
});
