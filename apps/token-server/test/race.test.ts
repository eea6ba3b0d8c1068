import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/crypto/opaque-token.js';
import { backends, ENV_ID, startTestServer, type TestServer } from './support/test-app.js';

/**
 * Races on one refresh token inside one process, on PGlite (one connection behind a mutex) and on
 * PostgreSQL (a pool of 20, so the requests really run concurrently). The fleet suite repeats the
 * grace-0 and grace races over three processes.
 */

const PASSWORD = 'RacePass123!@#';
const GRACE_CLIENT = 'race-grace';
const CODE_CLIENT = { id: 'race-spa', redirectUri: 'http://127.0.0.1:3000/cb' } as const;
const PARALLEL = 100;

describe.each(backends())('refresh races in one process on %s', (_name, backend) => {
  let server: TestServer;
  let userIndex = 0;

  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.addClient({
      id: GRACE_CLIENT,
      kind: 'public',
      grantTypes: ['password', 'refresh_token'],
      scopes: ['user', 'profile'],
      defaultScopes: ['user'],
      refreshGraceSeconds: 10,
    });
    await server.addClient({
      id: CODE_CLIENT.id,
      kind: 'public',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['user'],
      redirectUris: [CODE_CLIENT.redirectUri],
    });
  });
  afterAll(async () => server?.close());

  async function signIn(clientId: string, deviceId: string): Promise<{ refresh: string; access: string }> {
    const username = `racer${userIndex++}`;
    await server.addUser(username, PASSWORD);
    const answer = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'x-device-id': deviceId },
      payload: { grant_type: 'password', client_id: clientId, username, password: PASSWORD },
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json<{ refresh_token: string; access_token: string }>();
    return { refresh: body.refresh_token, access: body.access_token };
  }

  function refresh(clientId: string, token: string, deviceId: string) {
    return server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'x-device-id': deviceId },
      payload: { grant_type: 'refresh_token', client_id: clientId, refresh_token: token },
    });
  }

  async function childrenOf(token: string): Promise<string[]> {
    const rows = await server.db.query<{ hash: string }>(
      'SELECT hash FROM refresh_tokens WHERE parent_hash = $1',
      [hashToken(token)],
    );
    return rows.map((row) => row.hash);
  }

  async function familyOf(
    token: string,
  ): Promise<{ revoked_at: Date | null; revoked_reason: string | null }> {
    const rows = await server.db.query<{ revoked_at: Date | null; revoked_reason: string | null }>(
      `SELECT f.revoked_at, f.revoked_reason FROM refresh_families f
       JOIN refresh_tokens t ON t.family_id = f.id WHERE t.hash = $1`,
      [hashToken(token)],
    );
    return rows[0]!;
  }

  it('100 parallel refreshes of one token with grace 0: exactly one rotates, the rest are reuse', async () => {
    const { refresh: parent } = await signIn(ENV_ID, 'phone-1');
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () => refresh(ENV_ID, parent, 'phone-1')),
    );
    const won = answers.filter((answer) => answer.statusCode === 200);
    expect(won).toHaveLength(1);
    for (const answer of answers.filter((a) => a.statusCode !== 200)) {
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ error: 'invalid_grant', error_code: 4001 });
    }
    const children = await childrenOf(parent);
    expect(children).toEqual([hashToken(won[0]!.json<{ refresh_token: string }>().refresh_token)]);
    // With no grace, a second presentation of a rotated token is reuse: the family ends (RFC 9700 §4.14.2).
    expect((await familyOf(parent)).revoked_reason).toBe('refresh_token_reuse');
  });

  it('100 parallel refreshes inside the grace window from the same device all get the one child pair', async () => {
    const { refresh: parent } = await signIn(GRACE_CLIENT, 'phone-2');
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () => refresh(GRACE_CLIENT, parent, 'phone-2')),
    );
    for (const answer of answers) expect(answer.statusCode, answer.body).toBe(200);
    const pairs = new Set(
      answers.map((answer) => {
        const body = answer.json<{ refresh_token: string; access_token: string }>();
        return `${body.refresh_token} ${body.access_token}`;
      }),
    );
    expect(pairs.size).toBe(1);
    const [child] = [...pairs][0]!.split(' ');
    expect(await childrenOf(parent)).toEqual([hashToken(child!)]);
    expect((await familyOf(parent)).revoked_at).toBeNull();
    // The child is live and rotates normally.
    const next = await refresh(GRACE_CLIENT, child!, 'phone-2');
    expect(next.statusCode, next.body).toBe(200);
  });

  it('a grace retry of a narrowing refresh answers the scope of the access token it returns', async () => {
    const username = `racer${userIndex++}`;
    await server.addUser(username, PASSWORD);
    const signIn = await server.app.inject({
      method: 'POST',
      url: '/auth/v1/token',
      headers: { 'x-device-id': 'phone-5' },
      payload: {
        grant_type: 'password',
        client_id: GRACE_CLIENT,
        username,
        password: PASSWORD,
        scope: 'user profile',
      },
    });
    expect(signIn.json()).toMatchObject({ scope: 'user profile' });
    const parent = signIn.json<{ refresh_token: string }>().refresh_token;
    const narrow = (deviceId: string) =>
      server.app.inject({
        method: 'POST',
        url: '/auth/v1/token',
        headers: { 'x-device-id': deviceId },
        payload: {
          grant_type: 'refresh_token',
          client_id: GRACE_CLIENT,
          refresh_token: parent,
          scope: 'user',
        },
      });
    const first = (await narrow('phone-5')).json<{ scope: string; access_token: string }>();
    const retry = (await narrow('phone-5')).json<{ scope: string; access_token: string }>();
    expect(retry.access_token).toBe(first.access_token);
    expect(first.scope).toBe('user');
    expect(retry.scope).toBe('user');
    expect(server.app.lingpai.verifier.verify(retry.access_token)?.scope).toBe('user');
  });

  it('the rotated parent from another x-device-id inside the grace window ends the family', async () => {
    const { refresh: parent } = await signIn(GRACE_CLIENT, 'phone-3');
    const rotated = await refresh(GRACE_CLIENT, parent, 'phone-3');
    expect(rotated.statusCode).toBe(200);
    const child = rotated.json<{ refresh_token: string; access_token: string }>();
    expect(server.app.lingpai.verifier.verify(child.access_token)).toBeDefined();

    const stolen = await refresh(GRACE_CLIENT, parent, 'attacker-laptop');
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await familyOf(parent)).revoked_reason).toBe('refresh_token_reuse');
    // Everything the family issued is dead: the child refresh token and its access token.
    expect((await refresh(GRACE_CLIENT, child.refresh_token, 'phone-3')).statusCode).toBe(400);
    expect(server.app.lingpai.verifier.verify(child.access_token)).toBeUndefined();
  });

  it('a parallel mix of the owner device and another device never yields two children', async () => {
    const { refresh: parent } = await signIn(GRACE_CLIENT, 'phone-4');
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, index) =>
        refresh(GRACE_CLIENT, parent, index % 2 === 0 ? 'phone-4' : 'attacker-laptop'),
      ),
    );
    const successes = answers.filter((answer) => answer.statusCode === 200);
    expect(successes.length).toBeGreaterThanOrEqual(1);
    const refreshTokens = new Set(successes.map((a) => a.json<{ refresh_token: string }>().refresh_token));
    expect(refreshTokens.size).toBe(1);
    expect(await childrenOf(parent)).toHaveLength(1);
    // At least one foreign-device presentation came after the rotation: the family is over.
    expect((await familyOf(parent)).revoked_reason).toBe('refresh_token_reuse');
  });

  it('50 parallel exchanges of one authorization code: exactly one succeeds, and what it issued is revoked', async () => {
    const sub = await server.addUser(`coder${userIndex++}`, PASSWORD);
    // The row the authorize step writes (src/interactions/authorization-codes.ts), with a PKCE S256 challenge.
    const code = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const now = server.clock.now();
    await server.db.query(
      `INSERT INTO authorization_codes (hash, client_id, user_sub, redirect_uri, scope, code_challenge,
         code_challenge_method, auth_time, amr, created_at, expires_at)
       VALUES ($1, $2, $3, $4, 'user', $5, 'S256', $6, '["pwd"]', $6, $7)`,
      [
        hashToken(code),
        CODE_CLIENT.id,
        sub,
        CODE_CLIENT.redirectUri,
        challenge,
        new Date(now),
        new Date(now + 60_000),
      ],
    );
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        server.app.inject({
          method: 'POST',
          url: '/auth/v1/token',
          payload: {
            grant_type: 'authorization_code',
            client_id: CODE_CLIENT.id,
            code,
            redirect_uri: CODE_CLIENT.redirectUri,
            code_verifier: verifier,
          },
        }),
      ),
    );
    const won = answers.filter((answer) => answer.statusCode === 200);
    expect(won, won.length === 0 ? answers[0]?.body : undefined).toHaveLength(1);
    for (const answer of answers.filter((a) => a.statusCode !== 200)) {
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.json()).toMatchObject({ error: 'invalid_grant' });
    }
    const families = await server.db.query<{ revoked_reason: string | null }>(
      'SELECT revoked_reason FROM refresh_families WHERE user_sub = $1',
      [sub],
    );
    // One family, ended by the 49 replays (RFC 6749 §4.1.2: revoke what a reused code issued).
    expect(families).toEqual([{ revoked_reason: 'authorization_code_reuse' }]);
    const winner = won[0]!.json<{ access_token: string }>();
    expect(server.app.lingpai.verifier.verify(winner.access_token)).toBeUndefined();
  });
});
