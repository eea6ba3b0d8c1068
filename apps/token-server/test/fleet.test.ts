import { systemClock } from '@lingpai/auth-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test-support/services.js';
import { hashToken } from '../src/crypto/opaque-token.js';
import { KeyRing } from '../src/keys/key-ring.js';
import {
  accepts,
  createFleetDatabase,
  eventually,
  FLEET_ENV_ID,
  type FleetDatabase,
  type Instance,
  kidOf,
  killAllInstances,
  passwordGrant,
  randomSecret,
  refreshGrant,
  request,
  startFleet,
} from './support/fleet.js';
import { basic } from './support/test-app.js';

/**
 * Three real server processes on one PostgreSQL schema, limits in PostgreSQL (no Redis): they must
 * behave as one server (issue 8, "Scale: several instances, one database").
 */

const PASSWORD = 'FleetPass123!@#';
const GRACE_CLIENT = 'fleet-grace';
const SERVICE_CLIENT = 'fleet-service';
const LOCKOUT_AFTER = 5;
const JWKS_MAX_AGE = 2;

describeWithPostgres('three instances on one PostgreSQL behave as one server', (url) => {
  let fdb: FleetDatabase;
  let fleet: Instance[];
  let secret: string;
  let serviceSecret: string;
  let users = 0;

  beforeAll(async () => {
    fdb = await createFleetDatabase(url);
    secret = randomSecret();
    await fdb.clients.add({
      id: GRACE_CLIENT,
      kind: 'public',
      grantTypes: ['password', 'refresh_token'],
      scopes: ['user'],
      refreshGraceSeconds: 10,
    });
    serviceSecret = (
      await fdb.clients.add({
        id: SERVICE_CLIENT,
        kind: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['admin'],
      })
    ).secret!;
    fleet = await startFleet(3, {
      databaseUrl: url,
      schema: fdb.schema,
      secret,
      poolSize: 12,
      lifetimes: { jwksMaxAge: JWKS_MAX_AGE },
      limits: { passwordFailuresPerUserIp: LOCKOUT_AFTER },
    });
  }, 60_000);

  afterAll(async () => {
    await killAllInstances();
    await fdb?.drop();
  });

  const at = (index: number) => fleet[index % fleet.length]!.url;

  async function signIn(clientId: string, deviceId: string, on = 0) {
    const username = `pilot${users++}`;
    await fdb.addUser(username, PASSWORD);
    const answer = await passwordGrant(at(on), { username, password: PASSWORD, clientId, deviceId });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return { refresh: answer.body.refresh_token!, access: answer.body.access_token! };
  }

  async function children(token: string): Promise<string[]> {
    const rows = await fdb.db.query<{ hash: string }>(
      'SELECT hash FROM refresh_tokens WHERE parent_hash = $1',
      [hashToken(token)],
    );
    return rows.map((row) => row.hash);
  }

  it('100 parallel refreshes of one token spread over three processes: exactly one success (grace 0)', async () => {
    const { refresh: parent } = await signIn(FLEET_ENV_ID, 'tablet-1');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        refreshGrant(at(index), { refreshToken: parent, deviceId: 'tablet-1' }),
      ),
    );
    const won = answers.filter((answer) => answer.status === 200);
    expect(won).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error).toBe('invalid_grant');
    }
    expect(await children(parent)).toEqual([hashToken(won[0]!.body.refresh_token!)]);
  });

  it('with a 10 s grace and one x-device-id, 100 parallel refreshes over three processes share one child', async () => {
    const { refresh: parent } = await signIn(GRACE_CLIENT, 'tablet-2');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        refreshGrant(at(index), { refreshToken: parent, clientId: GRACE_CLIENT, deviceId: 'tablet-2' }),
      ),
    );
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const pairs = new Set(answers.map((a) => `${a.body.refresh_token} ${a.body.access_token}`));
    expect(pairs.size).toBe(1);
    const child = answers[0]!.body.refresh_token!;
    expect(await children(parent)).toEqual([hashToken(child)]);

    // The same parent from another device inside the window is theft: the family ends everywhere.
    const foreign = await refreshGrant(at(1), {
      refreshToken: parent,
      clientId: GRACE_CLIENT,
      deviceId: 'somebody-else',
    });
    expect(foreign.status).toBe(400);
    const family = await fdb.db.query<{ revoked_reason: string | null }>(
      'SELECT f.revoked_reason FROM refresh_families f JOIN refresh_tokens t ON t.family_id = f.id WHERE t.hash = $1',
      [hashToken(parent)],
    );
    expect(family[0]?.revoked_reason).toBe('refresh_token_reuse');
    const afterwards = await refreshGrant(at(2), {
      refreshToken: child,
      clientId: GRACE_CLIENT,
      deviceId: 'tablet-2',
    });
    expect(afterwards.status).toBe(400);
  });

  it('a token rotated on A is refused on B, and that reuse on B ends the family on A and C too', async () => {
    const first = await signIn(FLEET_ENV_ID, 'tablet-3', 0);
    const rotated = await refreshGrant(at(0), { refreshToken: first.refresh, deviceId: 'tablet-3' });
    expect(rotated.status).toBe(200);
    const access = rotated.body.access_token!;
    for (const instance of fleet) expect(await accepts(instance.url, access)).toBe(true);

    const replay = await refreshGrant(at(1), { refreshToken: first.refresh, deviceId: 'tablet-3' });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');

    // The dead sid reaches every instance by NOTIFY; the issue asks for under 1 s, we allow 3.
    for (const instance of fleet) {
      const took = await eventually(async () => !(await accepts(instance.url, access)), 3_000);
      expect(
        took,
        `instance ${instance.name} still accepts the revoked family's access token`,
      ).toBeGreaterThanOrEqual(0);
    }
    const child = await refreshGrant(at(2), {
      refreshToken: rotated.body.refresh_token!,
      deviceId: 'tablet-3',
    });
    expect(child.status).toBe(400);
  });

  it('password failures round-robin over A, B, C reach the per-(username, IP) lockout at the configured count', async () => {
    const username = `locked${users++}`;
    await fdb.addUser(username, PASSWORD);
    for (let attempt = 0; attempt < LOCKOUT_AFTER; attempt++) {
      const wrong = await passwordGrant(at(attempt), { username, password: `wrong-${attempt}` });
      expect(wrong.status, `attempt ${attempt + 1}`).toBe(400);
      expect(wrong.body.error).toBe('invalid_grant');
    }
    // Every instance now refuses even the right password, before checking it.
    for (let index = 0; index < fleet.length; index++) {
      const locked = await passwordGrant(at(LOCKOUT_AFTER + index), { username, password: PASSWORD });
      expect(locked.status, JSON.stringify(locked.body)).toBe(429);
      expect(locked.body.error).toBe('rate_limit_exceeded');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }

    // One failure fewer is not a lockout: the count is the configured one, not less.
    const other = `almost${users++}`;
    await fdb.addUser(other, PASSWORD);
    for (let attempt = 0; attempt < LOCKOUT_AFTER - 1; attempt++) {
      expect((await passwordGrant(at(attempt), { username: other, password: 'nope' })).status).toBe(400);
    }
    expect((await passwordGrant(at(LOCKOUT_AFTER - 1), { username: other, password: PASSWORD })).status).toBe(
      200,
    );
  });

  it('a parallel burst of wrong passwords over A, B, C gets no more guesses than the lockout count', async () => {
    const username = `burst${users++}`;
    await fdb.addUser(username, PASSWORD);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        passwordGrant(at(index), { username, password: `guess-${index}` }),
      ),
    );
    // Each 400 is a password actually checked; a 429 is refused before any hashing.
    for (const answer of answers) expect([400, 429]).toContain(answer.status);
    expect(answers.filter((answer) => answer.status === 400).length).toBeLessThanOrEqual(LOCKOUT_AFTER);
  });

  it('a key rotation on one instance reaches all: each signs with the new kid after activation and still verifies the old', async () => {
    const issue = async (base: string) => {
      const answer = await request(base, '/auth/v1/token', {
        body: { grant_type: 'client_credentials' },
        headers: { authorization: basic(SERVICE_CLIENT, serviceSecret) },
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.access_token!;
    };
    const before = await Promise.all(fleet.map((instance) => issue(instance.url)));
    const oldKid = kidOf(before[0]!);
    expect(new Set(before.map(kidOf))).toEqual(new Set([oldKid]));

    // What `lingpai-token-server keys rotate` does, from a process of its own.
    const ring = new KeyRing({
      db: fdb.db,
      secret,
      clock: systemClock,
      algorithm: 'RS256',
      jwksMaxAgeSeconds: JWKS_MAX_AGE,
      maxTokenLifetimeSeconds: 7_200,
    });
    await ring.init();
    const { kid: newKid, activatesAt } = await ring.rotate();
    expect(newKid).not.toBe(oldKid);

    // Published at once everywhere (NOTIFY), so verifiers caching the JWKS see it before it signs.
    for (const instance of fleet) {
      const took = await eventually(async () => {
        const jwks = await request(instance.url, '/.well-known/jwks.json');
        return (jwks.body.keys ?? []).some((key) => key.kid === newKid);
      }, 3_000);
      expect(took, `instance ${instance.name} never published ${newKid}`).toBeGreaterThanOrEqual(0);
    }
    const early = Date.now();
    const duringWait = await Promise.all(fleet.map((instance) => issue(instance.url)));
    if (Date.now() < activatesAt.getTime() - 200) {
      // Still inside the JWKS cache lifetime: nobody signs with the new key yet.
      expect(new Set(duringWait.map(kidOf))).toEqual(new Set([oldKid]));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, activatesAt.getTime() - early + 100)));

    const after = await Promise.all(fleet.map((instance) => issue(instance.url)));
    expect(after.map(kidOf)).toEqual(fleet.map(() => newKid));
    for (const instance of fleet) {
      for (const token of [...before, ...after]) expect(await accepts(instance.url, token)).toBe(true);
    }
  });
});
