import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test-support/services.js';
import {
  accepts,
  createFleetDatabase,
  type FleetDatabase,
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
 * three). Each finds no signing key; if each created one and loaded only its own, an access token
 * from one would be refused by the others until the next periodic reload.
 */
describeWithPostgres('three instances starting together on an empty database', (url) => {
  let fdb: FleetDatabase;
  let fleet: Instance[];
  let serviceSecret: string;

  beforeAll(async () => {
    fdb = await createFleetDatabase(url);
    serviceSecret = (
      await fdb.clients.add({
        id: 'cold-service',
        kind: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['admin'],
      })
    ).secret!;
    const config = { databaseUrl: url, schema: fdb.schema, secret: randomSecret(), poolSize: 4 };
    fleet = await Promise.all(['A', 'B', 'C'].map((name) => startInstance(name, config)));
  }, 60_000);

  afterAll(async () => {
    await killAllInstances();
    await fdb?.drop();
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
    const keys = await fdb.db.query<{ kid: string }>('SELECT kid FROM signing_keys');
    expect(keys).toHaveLength(1);
    expect(new Set(tokens.map(kidOf))).toEqual(new Set([keys[0]!.kid]));
    for (const instance of fleet) {
      for (const token of tokens) expect(await accepts(instance.url, token), instance.name).toBe(true);
    }
  });
});
