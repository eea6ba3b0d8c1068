// Target: our token server (`buildApp`) in one of its hot paths:
// - `client_credentials`: Basic auth of a confidential client, per-client rate limit, audit row;
// - `refresh`: rotation of refresh tokens pre-created here with the issuer (the load process pops
//   one per request and pushes back the child each response carries, so every request presents a
//   live token);
// - `password`: the password grant with the configured argon2id parameters (OWASP defaults);
// - `introspect`: CloudBase's `GET /auth/v1/token/introspect` with a Bearer access token.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, systemClock } from '@lingpai/auth-core';
import { type BuildAppOptions, buildApp } from '../../src/app.js';
import { GRANT_TYPES } from '../../src/clients/client.js';
import type { SigningAlgorithm } from '../../src/keys/signing-key.js';
import {
  announce,
  BENCH_SECRET,
  basicAuth,
  benchSchema,
  CLIENT_ID,
  CLIENT_SECRET,
  configOf,
  DATABASE_URL,
  ENV_ID,
  FORM,
  ISSUER,
  onStop,
  type ReadyMessage,
  SCOPE,
} from './protocol.js';

export interface OursConfig {
  mode: 'client_credentials' | 'refresh' | 'password' | 'introspect';
  alg: SigningAlgorithm;
  backend: 'postgres' | 'pglite';
  /** Where the per-client and password counters live. */
  limits: 'database' | 'redis' | 'memory';
  /** Refresh tokens to pre-create. */
  tokens?: number;
  /** Accounts for the password target (at least the connection count). */
  accounts?: number;
}

const config = configOf<OursConfig>();
const schema = config.backend === 'postgres' ? await benchSchema() : undefined;
const options: BuildAppOptions = {
  secret: BENCH_SECRET,
  issuer: ISSUER,
  envId: ENV_ID,
  signingAlgorithm: config.alg,
  logger: false,
  ...(schema ? { database: { url: DATABASE_URL, schema: schema.schema, poolSize: 20 } } : {}),
  ...(config.limits === 'redis' ? { redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' } : {}),
  ...(config.limits === 'memory' ? { limitStore: new MemoryStore({ clock: systemClock }) } : {}),
  // The bench client must not be throttled by the default 6,000/min.
  limits: { clientCredentialsPerMinute: 1_000_000_000 },
};
const app = await buildApp(options);
const services = app.lingpai;
await services.clients.add({
  id: CLIENT_ID,
  name: 'bench service',
  kind: 'confidential',
  secret: CLIENT_SECRET,
  grantTypes: [GRANT_TYPES.clientCredentials],
  scopes: SCOPE.split(' '),
  authMethods: ['client_secret_basic'],
});

const PASSWORD = 'Bench-Password-123!';
let request: Omit<ReadyMessage, 'port'>;
switch (config.mode) {
  case 'client_credentials':
    request = {
      method: 'POST',
      path: '/auth/v1/token',
      headers: { authorization: basicAuth(CLIENT_ID, CLIENT_SECRET), 'content-type': FORM },
      body: 'grant_type=client_credentials',
    };
    break;
  case 'refresh': {
    const user = await services.users.create({ username: 'bench-user', password: PASSWORD });
    const tokens: string[] = [];
    const count = config.tokens ?? 2_000;
    // One family per device (a sign-in on a device ends that device's previous family).
    for (let start = 0; start < count; start += 20) {
      const batch = Array.from({ length: Math.min(20, count - start) }, (_, i) =>
        services.issuer.startFamily(services.db, {
          userSub: user.sub,
          clientId: ENV_ID,
          deviceId: `bench-device-${start + i}`,
          scope: ['user'],
          authTime: Date.now(),
          amr: ['pwd'],
        }),
      );
      for (const family of await Promise.all(batch)) tokens.push(family.refreshToken);
    }
    const tokensFile = join(tmpdir(), `lingpai-bench-refresh-${process.pid}.txt`);
    writeFileSync(tokensFile, tokens.join('\n'));
    request = {
      method: 'POST',
      path: '/auth/v1/token',
      headers: { 'content-type': FORM },
      tokensFile,
    };
    break;
  }
  case 'password': {
    // One account per connection: sign-ins of one account from one address run one at a time (the
    // password guard's lock), and every connection here comes from 127.0.0.1.
    const usernames = Array.from({ length: config.accounts ?? 64 }, (_, i) => `bench-user-${i}`);
    await Promise.all(usernames.map((username) => services.users.create({ username, password: PASSWORD })));
    request = {
      method: 'POST',
      path: '/auth/v1/token',
      headers: { 'content-type': FORM },
      accounts: { usernames, password: PASSWORD },
    };
    break;
  }
  case 'introspect': {
    const user = await services.users.create({ username: 'bench-user', password: PASSWORD });
    const client = await services.clients.get(ENV_ID);
    if (!client) throw new Error('the environment client is missing');
    const issued = await services.issuer.issueForUser({
      user: { sub: user.sub, groups: [] },
      client,
      scope: ['user'],
      deviceId: 'bench-device',
      authTime: Date.now(),
      amr: ['pwd'],
    });
    request = {
      method: 'GET',
      path: '/auth/v1/token/introspect',
      headers: { authorization: `Bearer ${issued.access_token}` },
    };
    break;
  }
}

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (typeof address !== 'object' || address === null) throw new Error('no address');
onStop(async () => {
  await app.close();
  await schema?.drop();
  if (request.tokensFile) rmSync(request.tokensFile, { force: true });
});
if (config.mode === 'introspect') {
  // Another part of the server adds this route; until it exists the bench says so instead of measuring 404s.
  const probe = await app.inject({ method: 'GET', url: request.path, headers: request.headers });
  if (probe.statusCode === 404) {
    process.stdout.write('ABSENT GET /auth/v1/token/introspect is not registered\n');
    await app.close();
    await schema?.drop();
    process.exit(0);
  }
}
announce({ port: address.port, ...request });
