import { describe, expect, it, vi } from 'vitest';
import { AuthClient, type AuthClientError, type ChangeEvent } from '../src/index.js';
import { deferred, fakeFetch, json, manualClock, sharedStorage, timerClock, tokenServer } from './fakes.js';

const ISSUER = 'http://auth.test';
const tokenRoutes = (server: ReturnType<typeof tokenServer>) => ({
  'POST /auth/v1/signin': () => server.issue(),
  'POST /auth/v1/token': (call: { body?: Record<string, unknown> }) =>
    server.refresh(String(call.body?.refresh_token)),
});

function setup(
  options: { expiresIn?: number; routes?: Parameters<typeof fakeFetch>[0]; autoRefresh?: boolean } = {},
) {
  const server = tokenServer({ expiresIn: options.expiresIn ?? 7200 });
  const { fetch, calls } = fakeFetch({ ...tokenRoutes(server), ...options.routes });
  const clock = timerClock();
  const storage = sharedStorage();
  const client = new AuthClient({
    issuer: ISSUER,
    clientId: 'web',
    fetch,
    clock,
    storage,
    crossTab: false,
    autoRefresh: options.autoRefresh ?? false,
  });
  const events: ChangeEvent[] = [];
  client.onChange((event) => events.push(event));
  const refreshes = () => calls.filter((call) => call.url.pathname === '/auth/v1/token').length;
  return { server, client, clock, storage, calls, events, refreshes };
}

const signIn = (client: AuthClient) => client.signIn({ username: 'zhangsan', password: 'secret' });
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('refresh', () => {
  it('is lazy on every call: not before the margin, once inside it', async () => {
    const { client, clock, refreshes } = setup();
    await signIn(client);
    clock.advance(7_140_000 - 1);
    expect(await client.getAccessToken()).toBe('at-1');
    expect(refreshes()).toBe(0);
    clock.advance(1);
    expect(await client.getAccessToken()).toBe('at-2');
    expect(refreshes()).toBe(1);
  });

  it('sends CloudBase’s refresh body to POST /auth/v1/token?client_id=', async () => {
    const { client, clock, calls } = setup();
    await signIn(client);
    clock.advance(7_200_000);
    await client.getAccessToken();
    const call = calls.at(-1)!;
    expect(call.url.search).toBe('?client_id=web');
    expect(call.body).toEqual({
      client_id: 'web',
      client_secret: '',
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
    });
    expect(call.headers.authorization).toBeUndefined();
  });

  it('never uses a margin above half the lifetime (short tokens)', async () => {
    const { client, clock, refreshes } = setup({ expiresIn: 60 });
    await signIn(client);
    clock.advance(29_999);
    await client.getAccessToken();
    expect(refreshes()).toBe(0);
    clock.advance(1);
    await client.getAccessToken();
    expect(refreshes()).toBe(1);
  });

  it('with autoRefresh, a timer refreshes ahead of expiry and re-arms itself', async () => {
    const { client, clock, refreshes, events } = setup({ autoRefresh: true });
    await signIn(client);
    expect(clock.pending).toEqual([7_140_000]);
    clock.advance(7_140_000);
    await expect.poll(refreshes).toBe(1);
    await expect.poll(() => clock.pending).toEqual([7_140_000]);
    await expect.poll(() => events).toEqual(['signed_in', 'refreshed']);
    client.dispose();
    expect(clock.pending).toEqual([]);
  });

  it('one refresh in flight, whoever asks', async () => {
    const answer = deferred<unknown>();
    const server = tokenServer();
    const { client, clock, refreshes } = setup({
      routes: {
        'POST /auth/v1/token': async (call) => {
          await answer.promise;
          return server.refresh(String(call.body?.refresh_token));
        },
      },
    });
    await client.setCredentials(server.issue());
    clock.advance(7_200_000);
    const all = Promise.all([
      client.getAccessToken(),
      client.getAccessToken(),
      client.getCredentials(),
      client.getUserInfo().catch(() => null),
    ]);
    await flush();
    answer.resolve(undefined);
    const [a, b, c] = await all;
    expect([a, b, c?.access_token]).toEqual(['at-2', 'at-2', 'at-2']);
    expect(refreshes()).toBe(1);
  });

  it('a refresh that does not rotate keeps the refresh token', async () => {
    const { client, clock } = setup({
      routes: {
        'POST /auth/v1/token': () => ({ token_type: 'Bearer', access_token: 'at-x', expires_in: 7200 }),
      },
    });
    await signIn(client);
    clock.advance(7_200_000);
    await client.getAccessToken();
    expect((await client.getCredentials())?.refresh_token).toBe('rt-1');
  });

  it('network and 5xx failures keep the session, back off (doubling, with jitter) and cache the failure per refresh token', async () => {
    let fail = true;
    const server = tokenServer();
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/token': (call) =>
        fail
          ? json(503, { error: 'temporarily_unavailable', error_code: 5030 })
          : server.refresh(String(call.body?.refresh_token)),
    });
    const clock = manualClock();
    const storage = sharedStorage();
    // The largest jitter factor (1.0): back-offs of exactly 1 s, 2 s, 4 s …
    const random = (n: number) => new Uint8Array(n).fill(255);
    const client = new AuthClient({
      issuer: ISSUER,
      clientId: 'web',
      fetch,
      clock,
      storage,
      random,
      crossTab: false,
    });
    const refreshes = () => calls.filter((call) => call.url.pathname === '/auth/v1/token').length;
    await client.setCredentials(server.issue());
    clock.advance(7_199_500); // due, 0.5 s before expiry
    expect(await client.getAccessToken()).toBe('at-1'); // still good: a failed refresh ahead is no error
    expect(await client.getAccessToken()).toBe('at-1');
    expect(refreshes()).toBe(1); // the cached failure: no storm
    clock.advance(600); // expired, inside the 1 s back-off
    const error = (await client.getAccessToken().catch((e: unknown) => e)) as AuthClientError;
    expect([error.error, error.status]).toEqual(['temporarily_unavailable', 503]);
    expect(refreshes()).toBe(1);
    expect(storage.map.get('lingpai:web')).toContain('rt-1'); // the session is kept
    clock.advance(400);
    await client.getAccessToken().catch(() => undefined);
    expect(refreshes()).toBe(2); // then 2 s
    clock.advance(1_999);
    await client.getAccessToken().catch(() => undefined);
    expect(refreshes()).toBe(2);
    fail = false;
    clock.advance(1);
    expect(await client.getAccessToken()).toBe('at-2');
    expect(refreshes()).toBe(3);
  });

  it('invalid_grant clears the session — compare-and-delete: only if it is still the one that failed', async () => {
    const { client, clock, storage, events } = setup();
    await signIn(client);
    clock.advance(7_200_000);
    // The server no longer knows the refresh token (the session ended elsewhere).
    storage.map.set('lingpai:web', storage.map.get('lingpai:web')!.replace('"rt-1"', '"rt-dead"'));
    const error = (await client.getAccessToken().catch((e: unknown) => e)) as AuthClientError;
    expect(error.error).toBe('unauthenticated');
    expect((error.details as { error: string }).error).toBe('invalid_grant');
    expect(storage.map.has('lingpai:web')).toBe(false);
    await expect.poll(() => events).toEqual(['signed_in', 'signed_out']);
  });

  it('invalid_grant after another tab stored newer credentials leaves those alone and uses them', async () => {
    const server = tokenServer();
    const storage = sharedStorage();
    const newer = { ...server.issue(), sub: '2002' };
    const { fetch } = fakeFetch({
      'POST /auth/v1/token': () => {
        // While this refresh is out, another tab signs in as someone else.
        storage.map.set('lingpai:web', JSON.stringify({ ...newer, expires_at: clock.now() + 7_200_000 }));
        return json(400, { error: 'invalid_grant', error_code: 4001 });
      },
    });
    const clock = manualClock();
    const client = new AuthClient({
      issuer: ISSUER,
      clientId: 'web',
      fetch,
      clock,
      storage,
      crossTab: false,
    });
    await client.setCredentials(server.issue());
    clock.advance(7_200_000);
    expect(await client.getAccessToken()).toBe(newer.access_token);
    expect(storage.map.get('lingpai:web')).toContain(newer.refresh_token);
  });

  it('sign-out wins: a rotation that lands after signOut is discarded', async () => {
    const answer = deferred<void>();
    const server = tokenServer();
    const { client, clock, storage, events, calls } = setup({
      routes: {
        'POST /auth/v1/token': async (call) => {
          await answer.promise;
          return server.refresh(String(call.body?.refresh_token));
        },
        'POST /auth/v1/revoke': () => ({}),
      },
    });
    await client.setCredentials(server.issue());
    clock.advance(7_200_000);
    const refreshing = client.getAccessToken().catch((e: unknown) => e);
    await flush();
    await client.signOut();
    answer.resolve();
    expect(((await refreshing) as AuthClientError).error).toBe('unauthenticated');
    expect(storage.map.has('lingpai:web')).toBe(false);
    expect(await client.getCredentials()).toBeNull();
    await expect.poll(() => events).toEqual(['signed_in', 'signed_out']);
    expect(calls.find((call) => call.url.pathname === '/auth/v1/revoke')?.body).toEqual({ token: 'rt-1' });
  });

  it('an access token the server calls invalid_token is refreshed once and the call retried', async () => {
    let first = true;
    const { client, refreshes, calls } = setup({
      routes: {
        'GET /auth/v1/user/me': (call) => {
          if (first) {
            first = false;
            return json(401, { error: 'invalid_token', error_code: 4012 });
          }
          return { sub: '1001', seen: call.headers.authorization };
        },
      },
    });
    await signIn(client);
    expect(await client.getUserInfo()).toEqual({ sub: '1001', seen: 'Bearer at-2' });
    expect(refreshes()).toBe(1);
    expect(calls.filter((call) => call.url.pathname === '/auth/v1/user/me')).toHaveLength(2);
  });

  it('a failed anonymous refresh ends that session: no new anonymous user behind the app’s back', async () => {
    const { client, clock, calls } = setup({
      routes: {
        'POST /auth/v1/signin/anonymously': () => ({
          token_type: 'Bearer',
          access_token: 'anon-at',
          refresh_token: 'anon-rt',
          expires_in: 7200,
          scope: 'anonymous',
          sub: '3003',
        }),
      },
    });
    await client.signInAnonymously();
    clock.advance(7_200_000);
    const error = (await client.getAccessToken().catch((e: unknown) => e)) as AuthClientError;
    expect(error.error).toBe('unauthenticated');
    expect(calls.filter((call) => call.url.pathname === '/auth/v1/signin/anonymously')).toHaveLength(1);
  });

  it('a client_credentials session renews by asking again, with Basic authentication', async () => {
    let serial = 0;
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/token': () => ({
        token_type: 'Bearer',
        access_token: `svc-${++serial}`,
        expires_in: 3600,
        scope: 'admin',
      }),
    });
    const clock = manualClock();
    const client = new AuthClient({
      issuer: ISSUER,
      clientId: 'backend',
      clientSecret: 'lps_s3cret',
      fetch,
      clock,
      storage: sharedStorage(),
      crossTab: false,
    });
    await client.grantToken({ grant_type: 'client_credentials', scope: 'admin' });
    clock.advance(3_600_000);
    expect(await client.getAccessToken()).toBe('svc-2');
    expect(calls.map((call) => call.headers.authorization)).toEqual([
      `Basic ${btoa('backend:lps_s3cret')}`,
      `Basic ${btoa('backend:lps_s3cret')}`,
    ]);
    expect(calls[1]!.body).toEqual({ grant_type: 'client_credentials', scope: 'admin' });
  });

  it('with autoRefresh, coming back online refreshes what fell due meanwhile (timers do not run in a sleeping laptop)', async () => {
    const window = new EventTarget();
    vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
    vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));
    try {
      const server = tokenServer();
      const { fetch, calls } = fakeFetch(tokenRoutes(server));
      // Timers that never fire: the machine slept through them.
      let now = 1_700_000_000_000;
      const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
      const client = new AuthClient({
        issuer: ISSUER,
        clientId: 'web',
        fetch,
        clock,
        storage: sharedStorage(),
        crossTab: false,
        autoRefresh: true,
      });
      await client.signIn({ username: 'a', password: 'b' });
      now += 7_200_000;
      window.dispatchEvent(new Event('online'));
      await expect.poll(() => calls.filter((call) => call.url.pathname === '/auth/v1/token').length).toBe(1);
      client.dispose();
      now += 7_200_000;
      window.dispatchEvent(new Event('online'));
      await flush();
      expect(calls.filter((call) => call.url.pathname === '/auth/v1/token')).toHaveLength(1); // disposed: deaf
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a token response without a lifetime gets CloudBase’s 7200 s, not a refresh on every call', async () => {
    const { client, refreshes } = setup({
      routes: {
        'POST /auth/v1/signin': () => ({ token_type: 'Bearer', access_token: 'at-0', refresh_token: 'rt-0' }),
      },
    });
    const credentials = await signIn(client);
    expect(credentials.expires_in).toBe(7200);
    await client.getAccessToken();
    expect(refreshes()).toBe(0);
  });

  it('in a browser, a tab becoming visible refreshes what fell due while it was hidden', async () => {
    const page = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    vi.stubGlobal('document', page);
    try {
      const server = tokenServer();
      const { fetch, calls } = fakeFetch(tokenRoutes(server));
      let now = 1_700_000_000_000;
      // A background tab's timers are throttled: these never fire.
      const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
      const client = new AuthClient({
        issuer: ISSUER,
        clientId: 'web',
        fetch,
        clock,
        storage: sharedStorage(),
        crossTab: false,
      });
      await client.signIn({ username: 'a', password: 'b' });
      now += 7_200_000;
      const tokenCalls = () => calls.filter((call) => call.url.pathname === '/auth/v1/token').length;
      page.dispatchEvent(new Event('visibilitychange')); // still hidden: nothing
      await flush();
      expect(tokenCalls()).toBe(0);
      page.visibilityState = 'visible';
      page.dispatchEvent(new Event('visibilitychange'));
      await expect.poll(tokenCalls).toBe(1);
      client.dispose();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
