import { randomBytes } from 'node:crypto';
import { systemClock } from '@lingpai/auth-core';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test-support/services.js';
import { ClientRegistry } from '../src/clients/client-registry.js';
import { systemRandom } from '../src/crypto/opaque-token.js';
import type { Database } from '../src/storage/database.js';
import { migrate } from '../src/storage/migrations.js';
import { createPostgresDatabase } from '../src/storage/postgres-database.js';
import {
  accepts,
  type Instance,
  kidOf,
  killAllInstances,
  randomSecret,
  request,
  startInstance,
} from './support/fleet.js';
import { basic } from './support/test-app.js';

/**
 * Three instances started at the same moment on an empty database (a fresh deployment scaled to
 * three). Each finds no schema and no signing key; if each created one and loaded only its own, an access token
 * from one would be refused by the others until the next periodic reload.
 */
describeWithPostgres('three instances starting together on an empty database', (url) => {
  // Not even the schema exists: the instances create it, migrate it and make the first key.
  const schema = `lp_test_${randomBytes(6).toString('hex')}`;
  let db: Database | undefined;
  let fleet: Instance[];
  let serviceSecret: string;

  beforeAll(async () => {
    const config = { databaseUrl: url, schema, secret: randomSecret(), poolSize: 4 };
    fleet = await Promise.all(['A', 'B', 'C'].map((name) => startInstance(name, config)));
    db = createPostgresDatabase({ url, schema, poolSize: 2 });
    const clients = new ClientRegistry(db, systemClock, systemRandom);
    serviceSecret = (
      await clients.add({
        id: 'cold-service',
        kind: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['admin'],
      })
    ).secret!;
  }, 60_000);

  afterAll(async () => {
    await killAllInstances();
    await db?.close();
    const dropper = new pg.Client({ connectionString: url });
    await dropper.connect();
    await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dropper.end();
  });

  it('agree on one signing key: every access token verifies on every instance', async () => {
    const tokens = await Promise.all(
      fleet.map(async (instance) => {
        const answer = await request(instance.url, '/auth/v1/token', {
          body: { grant_type: 'client_credentials' },
          headers: { authorization: basic('cold-service', serviceSecret) },
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        return answer.body.access_token!;
      }),
    );
    const keys = await db!.query<{ kid: string }>('SELECT kid FROM signing_keys');
    expect(keys).toHaveLength(1);
    expect(new Set(tokens.map(kidOf))).toEqual(new Set([keys[0]!.kid]));
    for (const instance of fleet) {
      for (const token of tokens) expect(await accepts(instance.url, token), instance.name).toBe(true);
    }
  });

  it('six instances migrating a schema that does not exist yet all succeed (no CREATE SCHEMA race)', async () => {
    const fresh = `lp_test_${randomBytes(6).toString('hex')}`;
    const instances = Array.from({ length: 6 }, () =>
      createPostgresDatabase({ url, schema: fresh, poolSize: 1 }),
    );
    try {
      // Concurrent CREATE SCHEMA IF NOT EXISTS fails with 23505 for the losers; under the lock it cannot.
      const results = await Promise.allSettled(instances.map((instance) => migrate(instance, new Date())));
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      const applied = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
      expect(applied.length).toBeGreaterThan(0);
      expect(new Set(applied).size).toBe(applied.length); // each migration ran once
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA IF EXISTS ${fresh} CASCADE`);
      await dropper.end();
    }
  });
});
