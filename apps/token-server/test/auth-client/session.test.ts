// @lingpai/auth-client against the real token server (PGlite, real clock, a real socket): the wire
// shapes, seamless refresh across "tabs" (clients sharing one storage and a real BroadcastChannel),
// the refresh grace, invalid_grant clearing, sign-out, the device flow with the poller, and the
// flaws of the official @cloudbase/oauth client next to what we do instead.

import { CloudbaseOAuth } from '@cloudbase/oauth';
import { AuthClient, AuthClientError, type Credentials } from '@lingpai/auth-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPES } from '../../src/clients/client.js';
import { PASSWORD, TV_CLIENT, USERNAME } from '../support/device-support.js';
import { startListeningServer } from '../support/listening-server.js';
import { ENV_ID, type TestServer } from '../support/test-app.js';
import { recordingFetch, sharedStorage, skewedClock } from './auth-client-support.js';

const GRACE_CLIENT = 'web-grace';
const HOUR = 3_600_000;

describe('@lingpai/auth-client against the token server', () => {
  let server: TestServer & { issuer: string };
  const clients: AuthClient[] = [];

  beforeAll(async () => {
    server = await startListeningServer({ kind: 'pglite' }, { lifetimes: { deviceInterval: 1 } });
    await server.addUser(USERNAME, PASSWORD);
    await server.addClient(TV_CLIENT);
    await server.addClient({
      id: GRACE_CLIENT,
      name: 'Web app',
      kind: 'public',
      firstParty: true,
      refreshGraceSeconds: 10,
      grantTypes: [GRANT_TYPES.password, GRANT_TYPES.refreshToken],
      scopes: ['user'],
      defaultScopes: ['user'],
    });
  });
  afterAll(async () => {
    for (const client of clients) client.dispose();
    await server?.close();
  });

  /** "Tabs" of one origin: clients sharing a storage (and, with crossTab, a BroadcastChannel). */
  function origin(count: number, options: { clientId?: string; crossTab?: boolean } = {}) {
    const storage = sharedStorage();
    const wire = recordingFetch();
    const clock = skewedClock();
    const storageKey = `origin-${clients.length}`;
    const made = Array.from({ length: count }, () => {
      const client = new AuthClient({
        issuer: server.issuer,
        clientId: options.clientId ?? ENV_ID,
        storage,
        storageKey,
        fetch: wire.fetch,
        clock,
        crossTab: options.crossTab ?? true,
        // Far above any refresh's time on a loaded machine: here a loser must adopt, never give up
        // waiting (giving up after the bound is the frozen-tab case, in the unit suite).
        crossTabWaitMs: 30_000,
      });
      clients.push(client);
      return client;
    });
    return { tabs: made, storage, wire, clock };
  }

  it('speaks CloudBase on the wire: JSON, client_id in the query, a kept x-device-id, an x-request-id per call', async () => {
    const {
      tabs: [client],
      wire,
    } = origin(1);
    const signedIn = await client!.signIn({ username: USERNAME, password: PASSWORD });
    expect(signedIn).toMatchObject({ token_type: 'Bearer', scope: 'user', expires_in: 7200 });
    const me = await client!.getUserInfo();
    expect(me.username).toBe(USERNAME);
    const [signin, userMe] = [wire.to('/auth/v1/signin')[0]!, wire.to('/auth/v1/user/me')[0]!];
    expect(signin.query.get('client_id')).toBe(ENV_ID);
    expect(signin.headers.get('content-type')).toBe('application/json');
    expect(signin.headers.has('authorization')).toBe(false);
    expect(userMe.query.has('client_id')).toBe(false);
    expect(userMe.headers.get('authorization')).toBe(`Bearer ${signedIn.access_token}`);
    const deviceId = await client!.getDeviceId();
    expect(deviceId).toMatch(/^[0-9a-f]{32}$/);
    expect(wire.calls.map((call) => call.headers.get('x-device-id'))).toEqual([deviceId, deviceId]);
    const requestIds = wire.calls.map((call) => call.headers.get('x-request-id'));
    expect(new Set(requestIds).size).toBe(2);
    // The server knows the session by that device id.
    const sessions = await client!.getSessions();
    expect(sessions.data.find((session) => session.current)?.device_id).toBe(deviceId);
  });

  it('three tabs whose tokens are due together: exactly one refresh reaches the server, all adopt it', async () => {
    const { tabs: open, wire, clock } = origin(3);
    await open[0]!.signIn({ username: USERNAME, password: PASSWORD });
    const before = await open[0]!.getCredentials();
    clock.advance(2 * HOUR - 30_000);
    const tokens = await Promise.all(open.map((tab) => tab.getAccessToken()));
    expect(wire.to('/auth/v1/token')).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before!.access_token);
    for (const tab of open) expect((await tab.getUserInfo()).username).toBe(USERNAME);
  });

  it('without coordination both tabs refresh — the 10 s grace gives both the same new pair, both stay signed in', async () => {
    const { tabs: open, wire, clock } = origin(2, { clientId: GRACE_CLIENT, crossTab: false });
    await open[0]!.signIn({ username: USERNAME, password: PASSWORD });
    clock.advance(2 * HOUR - 30_000);
    const [a, b] = await Promise.all(open.map((tab) => tab.getAccessToken()));
    expect(wire.to('/auth/v1/token')).toHaveLength(2);
    expect(a).toBe(b);
    for (const tab of open) expect((await tab.getUserInfo()).username).toBe(USERNAME);
  });

  it('without coordination and without a grace the duplicate is reuse: the session ends, cleared, typed unauthenticated', async () => {
    const { tabs: open, storage, clock } = origin(2, { crossTab: false });
    await open[0]!.signIn({ username: USERNAME, password: PASSWORD });
    clock.advance(2 * HOUR - 30_000);
    await Promise.allSettled(open.map((tab) => tab.getAccessToken()));
    const error = await open[1]!.getUserInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthClientError);
    expect((error as AuthClientError).error).toBe('unauthenticated');
    expect([...storage.map.keys()].filter((key) => !key.endsWith(':device_id'))).toEqual([]);
  });

  it('invalid_grant (the session ended elsewhere) clears the stored credentials and tells the listeners', async () => {
    const {
      tabs: [client, other],
      storage,
      clock,
    } = origin(2);
    await client!.signIn({ username: USERNAME, password: PASSWORD });
    const events: string[] = [];
    other!.onChange((event) => events.push(event));
    await other!.getCredentials();
    // The user ends every session from another device.
    const phone = origin(1).tabs[0]!;
    await phone.signIn({ username: USERNAME, password: PASSWORD });
    await phone.revokeAllDevices();
    clock.advance(2 * HOUR);
    const error = (await client!.getAccessToken().catch((e: unknown) => e)) as AuthClientError;
    expect(error.error).toBe('unauthenticated');
    expect(error.status).toBe(400);
    expect((error.details as { error: string }).error).toBe('invalid_grant');
    expect(storage.map.size).toBe(1); // the device id only
    await expect.poll(() => events).toEqual(['signed_out']);
    expect(await other!.getCredentials()).toBeNull();
  });

  it('signOut revokes on the server: the refresh token is dead afterwards', async () => {
    const {
      tabs: [client],
      wire,
    } = origin(1);
    const signedIn = await client!.signIn({ username: USERNAME, password: PASSWORD });
    await client!.signOut();
    expect(await client!.getCredentials()).toBeNull();
    expect(wire.to('/auth/v1/revoke')[0]?.body).toEqual({ token: signedIn.refresh_token });
    const replay = await client!
      .token({ grant_type: 'refresh_token', refresh_token: signedIn.refresh_token })
      .catch((e: unknown) => e);
    expect((replay as AuthClientError).error).toBe('invalid_grant');
  });

  it('the device flow: the poller waits for the approval given with POST /auth/v1/user/device/authorize', async () => {
    const {
      tabs: [tv],
      wire,
    } = origin(1, { clientId: TV_CLIENT.id });
    const login = await tv!.startDeviceLogin({ scope: 'user' });
    expect(login).toMatchObject({
      interval: 1,
      user_code: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/),
    });
    expect(login.verification_uri).toBe(`${server.issuer}/device`);
    expect(login).not.toHaveProperty('device_code');
    const waiting = login.wait();
    const {
      tabs: [phone],
    } = origin(1);
    await phone!.signIn({ username: USERNAME, password: PASSWORD });
    await phone!.authorizeDevice({ user_code: login.user_code });
    const credentials: Credentials = await waiting;
    expect(credentials.scope).toBe('user');
    // A TV app is not first party, so it has no /user/* API; its token is the user's all the same.
    expect((await tv!.introspect()).sub).toBe(credentials.sub);
    const polls = wire.to('/auth/v1/token');
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(
      polls.every((poll) => (poll.body as { grant_type: string }).grant_type === GRANT_TYPES.deviceCode),
    ).toBe(true);
  });

  it('no stored credentials: ours is a typed unauthenticated error, the official client a TypeError', async () => {
    const {
      tabs: [client],
    } = origin(1);
    const ours = await client!.getAccessToken().catch((e: unknown) => e);
    expect(ours).toBeInstanceOf(AuthClientError);
    expect((ours as AuthClientError).error).toBe('unauthenticated');
    const items = new Map<string, string>();
    const official = new CloudbaseOAuth({
      apiOrigin: server.issuer,
      env: ENV_ID,
      clientId: ENV_ID,
      storage: {
        getItem: async (key: string) => items.get(key) ?? null,
        removeItem: async (key: string) => void items.delete(key),
        setItem: async (key: string, value: string) => void items.set(key, value),
        getItemSync: (key: string) => items.get(key) ?? null,
        removeItemSync: (key: string) => void items.delete(key),
        setItemSync: (key: string, value: string) => void items.set(key, value),
      },
    });
    const theirs = await official.oauth2client.getAccessToken().catch((e: unknown) => e);
    expect(theirs).toBeInstanceOf(TypeError);
  });
});
