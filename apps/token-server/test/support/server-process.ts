/**
 * One token server in a child process, built from the source: run it with
 * `node --import tsx test/support/server-process.ts` from apps/token-server. It reads
 *
 *   DATABASE_URL, DATABASE_SCHEMA   PostgreSQL and the schema holding the tables (required)
 *   LINGPAI_SECRET, LINGPAI_ISSUER, LINGPAI_ENV_ID   as for `serve` (required)
 *   REDIS_URL                       optional: limits and revocation broadcasts through Redis too
 *
 * listens on an ephemeral port of 127.0.0.1 and prints one line, `LISTENING <port>`, on stdout.
 * SIGTERM closes it (bounded at 5 s) and exits. It seeds nothing: the test migrates the schema and
 * registers users and clients first, so every process starts on the same data, as real instances
 * do. Same protocol as the fleet tests' `fleet-server.ts`, without their knobs.
 */
import { buildApp } from '../../src/app.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`server-process: ${name} must be set\n`);
    process.exit(2);
  }
  return value;
}

const redisUrl = process.env.REDIS_URL;
const app = await buildApp({
  secret: required('LINGPAI_SECRET'),
  issuer: required('LINGPAI_ISSUER'),
  envId: required('LINGPAI_ENV_ID'),
  database: { url: required('DATABASE_URL'), schema: required('DATABASE_SCHEMA') },
  ...(redisUrl ? { redisUrl } : {}),
  logger: false,
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
process.stdout.write(`LISTENING ${address.port}\n`);

process.once('SIGTERM', () => {
  setTimeout(() => process.exit(1), 5_000).unref();
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
