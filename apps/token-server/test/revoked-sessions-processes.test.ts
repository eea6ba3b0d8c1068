import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '../../../test-support/services.js';
import { buildApp } from '../src/app.js';
import { createPostgresDatabase } from '../src/storage/postgres-database.js';
import { createArgon2Hasher } from '../src/users/password-hasher.js';
import {
  FLEET_ENV_ID,
  FLEET_ISSUER,
  type Instance,
  killAllInstances,
  startInstance,
} from './support/fleet.js';
import { createTestSchema, TEST_ARGON2, TEST_SECRET } from './support/test-app.js';

/**
 * "Dead sids reach every instance": three real server processes on one PostgreSQL schema (and once
 * also on one Redis). Sign in on A, end the session on B, and C — which never saw the request —
 * must refuse the access token at userinfo and at CloudBase's introspection within 1 s, by NOTIFY
 * (or Redis pub/sub), long before the 30 s re-sync. Polled in a bounded loop (at most 2 s).
 */

const PASSWORD = 'DemoPass123!@#';
const PROPAGATION_LIMIT_MS = 1_000;
const POLL_BOUND_MS = 2_000;
const ENV_ID = FLEET_ENV_ID;

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    // What the official client sends: JSON.stringify'd, labelled text/plain by fetch.
    body: JSON.stringify(body),
    headers: { 'x-device-id': 'device-processes-0001', ...headers },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Does this instance still accept the token, at userinfo and at CloudBase's introspection? */
async function accepts(
  url: string,
  accessToken: string,
): Promise<{ userinfo: boolean; introspect: boolean }> {
  const headers = { authorization: `Bearer ${accessToken}` };
  const [userinfo, introspect] = await Promise.all([
    fetch(`${url}/auth/v1/userinfo`, { headers }),
    fetch(`${url}/auth/v1/token/introspect`, { headers }),
  ]);
  const described = (await introspect.json()) as Record<string, unknown>;
  await userinfo.arrayBuffer();
  return { userinfo: userinfo.status === 200, introspect: described.sub !== undefined };
}

/** Milliseconds until `url` refuses the token on both routes, or undefined if not within the bound. */
async function msUntilRefused(url: string, accessToken: string, since: number): Promise<number | undefined> {
  while (performance.now() - since < POLL_BOUND_MS) {
    const state = await accepts(url, accessToken);
    if (!state.userinfo && !state.introspect) return performance.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

function fleetSuite(label: string, databaseUrl: string, redisUrl: string | undefined): void {
  describe(`dead sids reach every instance: 3 processes on PostgreSQL${label}`, () => {
    let servers: Instance[] = [];
    let dropSchema: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const { schema, drop } = await createTestSchema(databaseUrl);
      dropSchema = drop;
      // Migrate, create the signing key and the user once, as an operator would before scaling out.
      const seed = await buildApp({
        secret: TEST_SECRET,
        issuer: FLEET_ISSUER,
        envId: ENV_ID,
        database: createPostgresDatabase({ url: databaseUrl, schema, poolSize: 2 }),
        passwordHasher: createArgon2Hasher(TEST_ARGON2),
        logger: false,
      });
      await seed.lingpai.users.create({ username: 'zhangsan', password: PASSWORD });
      await seed.close();
      await seed.lingpai.db.close();
      const env = { databaseUrl, schema, secret: TEST_SECRET, ...(redisUrl ? { redisUrl } : {}) };
      servers = await Promise.all(['A', 'B', 'C'].map((name) => startInstance(name, env)));
    }, 120_000);

    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await killAllInstances();
      await dropSchema?.();
    }, 30_000);

    async function signInOn(url: string): Promise<{ access_token: string; refresh_token: string }> {
      const response = await post(url, `/auth/v1/token?client_id=${ENV_ID}`, {
        client_id: ENV_ID,
        grant_type: 'password',
        username: 'zhangsan',
        password: PASSWORD,
        scope: 'user openid',
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as { access_token: string; refresh_token: string };
    }

    it('CloudBase sign-out (revoke {token}) on B: A and C refuse the access token within 1 s', async () => {
      const [a, b, c] = servers as [Instance, Instance, Instance];
      const tokens = await signInOn(a.url);
      expect(await accepts(c.url, tokens.access_token)).toEqual({ userinfo: true, introspect: true });
      const revoked = await post(b.url, `/auth/v1/revoke?client_id=${ENV_ID}`, {
        token: tokens.access_token,
      });
      expect(revoked).toEqual({ status: 200, body: {} });
      const since = performance.now();
      const elapsed = await Promise.all(
        [a, b, c].map((s) => msUntilRefused(s.url, tokens.access_token, since)),
      );
      for (const [index, ms] of elapsed.entries()) {
        expect(ms, `instance ${'ABC'[index]} still accepted after ${POLL_BOUND_MS} ms`).toBeDefined();
        expect(ms!, `instance ${'ABC'[index]}`).toBeLessThan(PROPAGATION_LIMIT_MS);
      }
    });

    it('user/signout on B with the Bearer token: C refuses it within 1 s', async () => {
      const [a, b, c] = servers as [Instance, Instance, Instance];
      const tokens = await signInOn(a.url);
      expect(await accepts(c.url, tokens.access_token)).toEqual({ userinfo: true, introspect: true });
      const signedOut = await post(
        b.url,
        '/auth/v1/user/signout',
        {},
        { authorization: `Bearer ${tokens.access_token}` },
      );
      expect(signedOut.status).toBe(200);
      const ms = await msUntilRefused(c.url, tokens.access_token, performance.now());
      expect(ms, `C still accepted after ${POLL_BOUND_MS} ms`).toBeDefined();
      expect(ms!).toBeLessThan(PROPAGATION_LIMIT_MS);
    });
  });
}

const databaseUrl = serviceUrl('DATABASE_URL');
const redisUrl = serviceUrl('REDIS_URL');
describe.skipIf(databaseUrl === undefined)('revoked sessions across processes', () => {
  if (databaseUrl === undefined) return;
  fleetSuite('', databaseUrl, undefined);
  describe.skipIf(redisUrl === undefined)('with Redis', () => {
    if (redisUrl !== undefined) fleetSuite(' and Redis', databaseUrl, redisUrl);
  });
});
