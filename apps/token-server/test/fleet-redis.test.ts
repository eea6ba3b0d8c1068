import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres, serviceUrl } from '../../../test-support/services.js';
import {
  accepts,
  createFleetDatabase,
  eventually,
  type FleetDatabase,
  type Instance,
  killAllInstances,
  passwordGrant,
  randomSecret,
  refreshGrant,
  startFleet,
} from './support/fleet.js';

/**
 * The same fleet with Redis (REDIS_URL): limits and lockouts live in Redis, dead sids also travel by
 * Redis pub/sub. Nothing shared is flushed: limit keys are HMACs under this suite's random secret,
 * and the failure window is short so they expire soon after.
 */
const PASSWORD = 'RedisFleet123!@#';
const LOCKOUT_AFTER = 4;
const redisUrl = serviceUrl('REDIS_URL');

describeWithPostgres('three instances with Redis behave as one server', (url) => {
  describe.skipIf(redisUrl === undefined)('limits in Redis', () => {
    let fdb: FleetDatabase;
    let fleet: Instance[];

    beforeAll(async () => {
      fdb = await createFleetDatabase(url);
      fleet = await startFleet(3, {
        databaseUrl: url,
        schema: fdb.schema,
        secret: randomSecret(),
        redisUrl: redisUrl!,
        poolSize: 6,
        limits: { passwordFailuresPerUserIp: LOCKOUT_AFTER, passwordFailureWindow: 60 },
      });
    }, 60_000);

    afterAll(async () => {
      await killAllInstances();
      await fdb?.drop();
    });

    const at = (index: number) => fleet[index % fleet.length]!.url;

    it('password failures round-robin over A, B, C reach the per-(username, IP) lockout at the configured count', async () => {
      await fdb.addUser('redis-locked', PASSWORD);
      for (let attempt = 0; attempt < LOCKOUT_AFTER; attempt++) {
        const wrong = await passwordGrant(at(attempt), { username: 'redis-locked', password: 'wrong' });
        expect(wrong.status, `attempt ${attempt + 1}: ${JSON.stringify(wrong.body)}`).toBe(400);
      }
      for (let index = 0; index < fleet.length; index++) {
        const locked = await passwordGrant(at(index), { username: 'redis-locked', password: PASSWORD });
        expect(locked.status, JSON.stringify(locked.body)).toBe(429);
        expect(locked.body.error).toBe('rate_limit_exceeded');
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The count is exactly the configured one: one failure fewer still lets the right password in.
      await fdb.addUser('redis-almost', PASSWORD);
      for (let attempt = 0; attempt < LOCKOUT_AFTER - 1; attempt++) {
        expect(
          (await passwordGrant(at(attempt + 1), { username: 'redis-almost', password: 'x' })).status,
        ).toBe(400);
      }
      expect((await passwordGrant(at(0), { username: 'redis-almost', password: PASSWORD })).status).toBe(200);
    });

    it('a parallel burst of wrong passwords over A, B, C gets no more guesses than the lockout count', async () => {
      await fdb.addUser('redis-burst', PASSWORD);
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          passwordGrant(at(index), { username: 'redis-burst', password: `guess-${index}` }),
        ),
      );
      for (const answer of answers) expect([400, 429]).toContain(answer.status);
      expect(answers.filter((answer) => answer.status === 400).length).toBeLessThanOrEqual(LOCKOUT_AFTER);
    });

    it('a reuse on B ends the family on A and C', async () => {
      await fdb.addUser('redis-reuse', PASSWORD);
      const first = await passwordGrant(at(0), { username: 'redis-reuse', password: PASSWORD });
      expect(first.status).toBe(200);
      const rotated = await refreshGrant(at(0), { refreshToken: first.body.refresh_token! });
      expect(rotated.status).toBe(200);
      expect((await refreshGrant(at(1), { refreshToken: first.body.refresh_token! })).status).toBe(400);
      for (const instance of fleet) {
        const took = await eventually(
          async () => !(await accepts(instance.url, rotated.body.access_token!)),
          3_000,
        );
        expect(took, `instance ${instance.name}`).toBeGreaterThanOrEqual(0);
      }
    });
  });
});
