// Several AuthClients in one process sharing one storage are the tabs of an origin; Node 20's real
// BroadcastChannel carries their messages as the browser's does between tabs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthClient, type ChangeEvent } from '../src/index.js';
import { fakeFetch, laggingStorage, manualClock, sharedStorage, tokenServer } from './fakes.js';

const ISSUER = 'http://auth.test';
let opened: AuthClient[] = [];
afterEach(() => {
  for (const client of opened) client.dispose();
  opened = [];
  vi.unstubAllGlobals();
});

function origin(count: number, options: { hangFirstRefresh?: boolean; grace?: boolean } = {}) {
  const server = tokenServer({ grace: options.grace ?? true });
  let refreshes = 0;
  const { fetch, calls } = fakeFetch({
    'POST /auth/v1/signin': () => server.issue(),
    'POST /auth/v1/revoke': () => ({}),
    'POST /auth/v1/token': (call) => {
      refreshes += 1;
      // The elected tab is frozen (or closed) mid-refresh: its request never comes back.
      if (options.hangFirstRefresh && refreshes === 1) return new Promise(() => undefined);
      return server.refresh(String(call.body?.refresh_token));
    },
  });
  const clock = manualClock();
  const storage = sharedStorage();
  const storageKey = `origin-${Math.random()}`;
  const tabs = Array.from({ length: count }, () => {
    const client = new AuthClient({
      issuer: ISSUER,
      clientId: 'web',
      fetch,
      clock,
      storage,
      storageKey,
      crossTabWaitMs: 50,
    });
    opened.push(client);
    return client;
  });
  const events = tabs.map((tab) => {
    const seen: ChangeEvent[] = [];
    tab.onChange((event) => seen.push(event));
    return seen;
  });
  const tokenCalls = () => calls.filter((call) => call.url.pathname === '/auth/v1/token');
  return { server, tabs, events, clock, storage, tokenCalls };
}

describe('across tabs', () => {
  it('exactly one tab refreshes; the others adopt its result from the broadcast', async () => {
    const { tabs, clock, tokenCalls, events } = origin(4);
    await tabs[0]!.signIn({ username: 'a', password: 'b' });
    await Promise.all(tabs.map((tab) => tab.getCredentials()));
    clock.advance(7_200_000);
    const tokens = await Promise.all(tabs.map((tab) => tab.getAccessToken()));
    expect(tokens).toEqual(['at-2', 'at-2', 'at-2', 'at-2']);
    expect(tokenCalls()).toHaveLength(1);
    await expect
      .poll(() => events.map((seen) => seen.at(-1)))
      .toEqual(['refreshed', 'refreshed', 'refreshed', 'refreshed']);
  });

  it('a tab whose storage lags behind the broadcast adopts the broadcast credentials, not the spent ones', async () => {
    // Web Locks as Chromium has them (ifAvailable: granted or null at once, released after the callback).
    const held = new Set<string>();
    vi.stubGlobal('navigator', {
      locks: {
        async request(name: string, _: unknown, callback: (lock: unknown) => Promise<unknown>) {
          if (held.has(name)) return callback(null);
          held.add(name);
          try {
            return await callback({ name });
          } finally {
            held.delete(name);
          }
        },
      },
    });
    // No grace: a second refresh with the spent token would end the session for everyone.
    const server = tokenServer({ grace: false });
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/signin': () => server.issue(),
      'POST /auth/v1/token': async (call) => server.refresh(String(call.body?.refresh_token)),
    });
    const clock = manualClock();
    const storage = laggingStorage(40);
    const storageKey = `lagging-${Math.random()}`;
    const tabs = [0, 1, 2].map(() => {
      const client = new AuthClient({
        issuer: ISSUER,
        clientId: 'web',
        fetch,
        clock,
        storage: storage.tab(),
        storageKey,
        crossTabWaitMs: 1_000,
      });
      opened.push(client);
      return client;
    });
    await tabs[0]!.signIn({ username: 'a', password: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 60)); // the sign-in reaches every copy
    clock.advance(7_200_000);
    const tokens = await Promise.all(tabs.map((tab) => tab.getAccessToken()));
    expect(tokens).toEqual(['at-2', 'at-2', 'at-2']);
    expect(calls.filter((call) => call.url.pathname === '/auth/v1/token')).toHaveLength(1);
    // And a stale copy never takes the session back to the spent token.
    expect(await Promise.all(tabs.map((tab) => tab.getAccessToken()))).toEqual(['at-2', 'at-2', 'at-2']);
  });

  it('a tab that is frozen mid-refresh blocks nobody: the others refresh themselves after the bound', async () => {
    const { tabs, clock, tokenCalls } = origin(3, { hangFirstRefresh: true });
    await tabs[0]!.signIn({ username: 'a', password: 'b' });
    clock.advance(7_200_000);
    // The first tab wins the election and never answers.
    void tabs[0]!.getAccessToken();
    await expect.poll(() => tokenCalls().length).toBe(1);
    const others = await Promise.all([tabs[1]!.getAccessToken(), tabs[2]!.getAccessToken()]);
    // The server's grace gives the duplicate the same pair.
    expect(others).toEqual(['at-2', 'at-2']);
    expect(tokenCalls().every((call) => call.body?.refresh_token === 'rt-1')).toBe(true);
  });

  it('with Web Locks, the election asks ifAvailable and never waits for a lock a frozen tab holds', async () => {
    const requests: { name: string; ifAvailable: boolean }[] = [];
    const held = new Set<string>();
    vi.stubGlobal('navigator', {
      locks: {
        async request(
          name: string,
          options: { ifAvailable: boolean },
          callback: (lock: unknown) => Promise<unknown>,
        ) {
          requests.push({ name, ifAvailable: options.ifAvailable });
          if (held.has(name)) return callback(null);
          held.add(name); // never released: the holder froze
          return new Promise(() => void callback({ name }));
        },
      },
    });
    const { tabs, clock, tokenCalls } = origin(2);
    await tabs[0]!.signIn({ username: 'a', password: 'b' });
    clock.advance(7_200_000);
    void tabs[0]!.getAccessToken(); // elected, then frozen inside the lock
    await expect.poll(() => requests.length).toBe(1);
    expect(await tabs[1]!.getAccessToken()).toBe('at-2');
    expect(requests.every((request) => request.ifAvailable)).toBe(true);
    expect(tokenCalls().length).toBeGreaterThanOrEqual(1);
  });

  it('a sign-in and a sign-out in one tab reach the others', async () => {
    const { tabs, events } = origin(3);
    await Promise.all(tabs.map((tab) => tab.getCredentials()));
    await tabs[1]!.signIn({ username: 'a', password: 'b' });
    await expect.poll(() => events).toEqual([['signed_in'], ['signed_in'], ['signed_in']]);
    expect(await tabs[2]!.getAccessToken()).toBe('at-1');
    await tabs[0]!.signOut();
    await expect
      .poll(() => events.map((seen) => seen.at(-1)))
      .toEqual(['signed_out', 'signed_out', 'signed_out']);
    expect(await tabs[2]!.getCredentials()).toBeNull();
  });

  it('with crossTab off each tab refreshes on its own (the grace keeps both signed in)', async () => {
    const server = tokenServer({ grace: true });
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/token': (call) => server.refresh(String(call.body?.refresh_token)),
    });
    const clock = manualClock();
    const storage = sharedStorage();
    const tabs = [0, 1].map(() => {
      const client = new AuthClient({
        issuer: ISSUER,
        clientId: 'web',
        fetch,
        clock,
        storage,
        crossTab: false,
      });
      opened.push(client);
      return client;
    });
    await tabs[0]!.setCredentials(server.issue());
    clock.advance(7_200_000);
    expect(await Promise.all(tabs.map((tab) => tab.getAccessToken()))).toEqual(['at-2', 'at-2']);
    expect(calls).toHaveLength(2);
  });

  it('after dispose a tab hears nothing more', async () => {
    const { tabs, events } = origin(3);
    await Promise.all(tabs.map((tab) => tab.getCredentials()));
    tabs[1]!.dispose();
    await tabs[0]!.signIn({ username: 'a', password: 'b' });
    // The broadcast reached the live tab; the disposed one did not take it.
    await expect.poll(() => events[2]).toEqual(['signed_in']);
    expect(events[1]).toEqual([]);
  });

  it('without BroadcastChannel the storage event carries the news (the fallback)', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const window = new EventTarget();
    vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
    vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));
    const server = tokenServer({ grace: true });
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/signin': () => server.issue(),
      'POST /auth/v1/token': (call) => server.refresh(String(call.body?.refresh_token)),
    });
    const clock = manualClock();
    // localStorage fires `storage` in the other tabs of the origin on every change.
    const shared = sharedStorage();
    const storage = {
      ...shared,
      set: async (key: string, value: string) => {
        await shared.set(key, value);
        window.dispatchEvent(Object.assign(new Event('storage'), { key }));
      },
    };
    const tabs = [0, 1, 2].map(() => {
      const client = new AuthClient({
        issuer: ISSUER,
        clientId: 'web',
        fetch,
        clock,
        storage,
        crossTab: true,
        crossTabWaitMs: 5_000,
      });
      opened.push(client);
      return client;
    });
    const events: ChangeEvent[] = [];
    await Promise.all(tabs.map((tab) => tab.getCredentials()));
    tabs[2]!.onChange((event) => events.push(event));
    await tabs[0]!.signIn({ username: 'a', password: 'b' });
    await expect.poll(() => events).toEqual(['signed_in']);
    clock.advance(7_200_000);
    expect(await Promise.all(tabs.map((tab) => tab.getAccessToken()))).toEqual(['at-2', 'at-2', 'at-2']);
    expect(calls.filter((call) => call.url.pathname === '/auth/v1/token')).toHaveLength(1);
  });

  it('re-reads the storage before refreshing: what another tab stored is used, without a request', async () => {
    const server = tokenServer();
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/token': (call) => server.refresh(String(call.body?.refresh_token)),
    });
    const clock = manualClock();
    const storage = sharedStorage();
    const [a, b] = [0, 1].map(() => {
      const client = new AuthClient({
        issuer: ISSUER,
        clientId: 'web',
        fetch,
        clock,
        storage,
        crossTab: false,
      });
      opened.push(client);
      return client;
    });
    await a!.setCredentials(server.issue());
    expect(await b!.getAccessToken()).toBe('at-1');
    clock.advance(7_200_000);
    expect(await a!.getAccessToken()).toBe('at-2');
    expect(await b!.getAccessToken()).toBe('at-2');
    expect(calls).toHaveLength(1);
  });
});
