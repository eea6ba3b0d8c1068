// Storage does not grow without bound: what can no longer change an answer is deleted, and nothing
// that still can is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from './support/http.js';
import { backends, startTestServer, type TestServer } from './support/test-app.js';

const DAY = 86_400_000;

describe.each(backends())('expired rows sweeper on %s', (_name, backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addUser('sweep-user', 'Sweep-Pass-1');
  });
  afterAll(async () => server?.close());

  const count = async (table: string) =>
    (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  it('removes expired interactions, sessions, tokens and counters, and keeps live ones', async () => {
    // Anonymous authorize requests each open an interaction: anyone can make these rows.
    await server.addClient({
      id: 'sweep-spa',
      kind: 'public',
      grantTypes: ['authorization_code'],
      scopes: ['user'],
      redirectUris: ['http://127.0.0.1:3000/cb'],
    });
    for (let i = 0; i < 5; i++) {
      await server.app.inject({
        url: `/auth/v1/authorize?response_type=code&client_id=sweep-spa&redirect_uri=${encodeURIComponent('http://127.0.0.1:3000/cb')}&scope=user&state=s${i}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
      });
    }
    const old = await postToken(
      server.app,
      { grant_type: 'password', username: 'sweep-user', password: 'Sweep-Pass-1' },
      { headers: { 'x-device-id': 'sweep-old' } },
    );
    await postToken(server.app, { grant_type: 'password', username: 'sweep-user', password: 'wrong' });
    expect(await count('interactions')).toBeGreaterThanOrEqual(5);
    expect(await count('limit_counters')).toBeGreaterThanOrEqual(0);

    // 32 days on: the first session's refresh token has expired, the interactions long ago.
    server.clock.advance(32 * DAY);
    const fresh = await postToken(
      server.app,
      { grant_type: 'password', username: 'sweep-user', password: 'Sweep-Pass-1' },
      { headers: { 'x-device-id': 'sweep-new' } },
    );
    expect(fresh.status).toBe(200);
    const removed = await server.app.lingpai.sweeper.sweep();
    expect(removed).toBeGreaterThanOrEqual(6);
    expect(await count('interactions')).toBe(0);
    // The old token's row is gone; presenting it is still refused the same way.
    expect(
      (
        await postToken(server.app, {
          grant_type: 'refresh_token',
          refresh_token: old.body.refresh_token as string,
        })
      ).body.error,
    ).toBe('invalid_grant');
    // The live session is untouched and still rotates.
    const rotated = await postToken(
      server.app,
      { grant_type: 'refresh_token', refresh_token: fresh.body.refresh_token as string },
      { headers: { 'x-device-id': 'sweep-new' } },
    );
    expect(rotated.status).toBe(200);
    // A consumed token inside a live session stays, so its reuse is still detected after a sweep.
    await server.app.lingpai.sweeper.sweep();
    const replay = await postToken(server.app, {
      grant_type: 'refresh_token',
      refresh_token: fresh.body.refresh_token as string,
    });
    expect(replay.body.error).toBe('invalid_grant');
    expect(server.app.lingpai.verifier.verify(rotated.body.access_token as string)).toBeUndefined();
  });
});
