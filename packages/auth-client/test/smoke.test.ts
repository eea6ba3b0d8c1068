import { describe, expect, it } from 'vitest';
import { AuthClient } from '../src/index.js';
import { fakeFetch, manualClock, sharedStorage, tokenServer } from './fakes.js';

describe('smoke', () => {
  it('signs in, refreshes when due, single flight', async () => {
    const server = tokenServer({ expiresIn: 120 });
    const { fetch, calls } = fakeFetch({
      'POST /auth/v1/signin': () => server.issue(),
      'POST /auth/v1/token': (call) => server.refresh(String(call.body?.refresh_token)),
      'GET /auth/v1/user/me': (call) => ({ sub: '1001', auth: call.headers.authorization }),
    });
    const clock = manualClock();
    const client = new AuthClient({
      issuer: 'http://auth.test',
      clientId: 'web',
      fetch,
      clock,
      storage: sharedStorage(),
      crossTab: false,
    });
    await client.signIn({ username: 'a', password: 'b' });
    expect(await client.getAccessToken()).toBe('at-1');
    clock.advance(61_000);
    const tokens = await Promise.all([
      client.getAccessToken(),
      client.getAccessToken(),
      client.getAccessToken(),
    ]);
    expect(tokens).toEqual(['at-2', 'at-2', 'at-2']);
    expect(server.refreshes).toBe(1);
    const me = await client.getUserInfo();
    expect(me).toEqual({ sub: '1001', auth: 'Bearer at-2' });
    expect(calls.at(-1)?.headers['x-device-id']).toMatch(/^[0-9a-f]{32}$/);
    client.dispose();
  });
});
