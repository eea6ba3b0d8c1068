/**
 * One token-server instance in a child process, for the fleet, crash and outage tests. Run with
 * `node --import tsx test/support/fleet-server.ts` (source, not dist). It builds the app from
 * environment variables, listens on an ephemeral port of 127.0.0.1 and prints one line
 * `LISTENING <port>` on stdout; SIGTERM closes it (draining in-flight requests) and exits.
 *
 * It seeds nothing: the test migrates the schema and registers clients and users itself, so every
 * instance of a fleet starts on the same data, as real instances do.
 *
 * Environment: DATABASE_URL, DATABASE_SCHEMA, REDIS_URL (optional), LINGPAI_SECRET, LINGPAI_ISSUER,
 * LINGPAI_ENV_ID; test knobs FLEET_POOL_SIZE, FLEET_CONNECT_TIMEOUT_MS, FLEET_STATEMENT_TIMEOUT_MS,
 * FLEET_LIFETIMES and FLEET_LIMITS (JSON objects of `lifetimes` / `limits` options) and
 * FLEET_RESYNC_SECONDS.
 */
import { type BuildAppOptions, buildApp, ROUTE_PLUGINS } from '../../src/app.js';
import type { Lifetimes, Limits } from '../../src/config.js';
import { requireBearer } from '../../src/routes/bearer.js';
import { TEST_ARGON2 } from './test-app.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`fleet-server: ${name} must be set\n`);
    process.exit(2);
  }
  return value;
}

function optionalNumber(name: string): number | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
}

function optionalJson<T>(name: string): T | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : (JSON.parse(value) as T);
}

// A Bearer route of the tests' own, so a fleet test can ask any instance "do you accept this access
// token?" through the same `requireBearer` every protected route uses — whether or not the
// CloudBase introspection route exists yet.
ROUTE_PLUGINS.push((app, services) => {
  app.get('/__fleet/verify', async (request) => {
    const claims = requireBearer(request, services);
    return { active: true, sub: claims.sub, sid: claims.sid ?? null, client_id: claims.client_id };
  });
});

const lifetimes = optionalJson<Partial<Lifetimes>>('FLEET_LIFETIMES');
const limits = optionalJson<Partial<Limits>>('FLEET_LIMITS');
const poolSize = optionalNumber('FLEET_POOL_SIZE');
const connectTimeoutMs = optionalNumber('FLEET_CONNECT_TIMEOUT_MS');
const statementTimeoutMs = optionalNumber('FLEET_STATEMENT_TIMEOUT_MS');
const resyncIntervalSeconds = optionalNumber('FLEET_RESYNC_SECONDS');
const redisUrl = process.env.REDIS_URL;

const options: BuildAppOptions = {
  secret: required('LINGPAI_SECRET'),
  issuer: required('LINGPAI_ISSUER'),
  envId: required('LINGPAI_ENV_ID'),
  database: {
    url: required('DATABASE_URL'),
    schema: required('DATABASE_SCHEMA'),
    ...(poolSize === undefined ? {} : { poolSize }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }),
  },
  ...(redisUrl ? { redisUrl } : {}),
  argon2: TEST_ARGON2,
  logger: process.env.FLEET_LOG === '1' ? { level: 'warn' } : false,
  ...(lifetimes ? { lifetimes } : {}),
  ...(limits ? { limits } : {}),
  ...(resyncIntervalSeconds === undefined ? {} : { resyncIntervalSeconds }),
};

const app = await buildApp(options);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
process.stdout.write(`LISTENING ${address.port}\n`);

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  // Bounded: a drain that cannot finish (the database is gone) must not keep the process alive.
  setTimeout(() => process.exit(1), 5_000).unref();
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
