import { Writable } from 'node:stream';
import { LIFETIME_VARIABLES, resolveSecret } from '../env-config.js';
import { ConfigError } from '../errors.js';
import { runUntilStopped, startServer } from '../serve.js';
import { BIN, type CliIo, EXIT_OK, note, parseCommand, warn } from './cli-io.js';
import { loadConfig } from './open-storage.js';

export const SERVE_HELP = `Usage: ${BIN} serve [--no-migrate]

Runs the token server until SIGTERM or SIGINT, then stops accepting connections, lets in-flight
requests finish (at most LINGPAI_SHUTDOWN_TIMEOUT, default 10 s; a second signal forces the exit),
flushes the audit log, closes the database and exits 0.

Applies pending migrations at start (under the advisory lock); refuses a schema newer than this
release.

Options:
  --no-migrate  refuse to start when migrations are pending instead of applying them
                (run \`${BIN} migrate\` as a separate deploy step)
  -h, --help    show this help

Environment:
  DATABASE_URL, DATABASE_SCHEMA   PostgreSQL (unset: the embedded database at LINGPAI_DATA_DIR)
  REDIS_URL                       limits and revocations shared by instances
  HOST, PORT                      where to listen (default 127.0.0.1:8080; 0.0.0.0 in containers)
  LINGPAI_ISSUER, LINGPAI_ENV_ID, LINGPAI_SECRET, TRUST_PROXY, LINGPAI_DATA_DIR, LINGPAI_CONFIG,
  LINGPAI_SIGNING_ALG, LINGPAI_LOG_LEVEL, LINGPAI_SHUTDOWN_TIMEOUT,
  ${Object.values(LIFETIME_VARIABLES).join(', ')}
`;

/** Fastify's pino logger writes to a stream; an injected `{ write }` is wrapped into one. */
function logStream(io: CliIo): Writable {
  if (io.stdout instanceof Writable) return io.stdout;
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      io.stdout.write(chunk.toString());
      callback();
    },
  });
}

export async function serveCommand(io: CliIo, args: string[]): Promise<number> {
  const parsed = parseCommand(io, 'serve', SERVE_HELP, args, { 'no-migrate': { type: 'boolean' } });
  if (!parsed) return EXIT_OK;
  const config = loadConfig(io);
  const secret = resolveSecret(config, (message) => warn(io, message));
  // Opening the embedded database and migrating take seconds: a SIGTERM then (an orchestrator
  // giving up on a slow start) stops the server cleanly as soon as it is up, instead of killing it
  // with the directory lock held. A second one still kills at once (Node's default).
  const early = new AbortController();
  const stopEarly = () => early.abort();
  if (io.processSignals) {
    process.once('SIGTERM', stopEarly);
    process.once('SIGINT', stopEarly);
  }
  const starting = startServer({
    ...config.options,
    secret,
    database: config.database,
    autoMigrate: parsed.values['no-migrate'] !== true,
    host: config.host,
    port: config.port,
    logger: { level: config.logLevel, stream: logStream(io) },
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new ConfigError(
        `${config.host}:${config.port} is already in use: stop what listens there, or set PORT`,
      );
    if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL')
      throw new ConfigError(
        `HOST ${config.host} is not an address of this machine (use 127.0.0.1, or 0.0.0.0 for all)`,
      );
    throw error;
  });
  const server = await starting.finally(() => {
    process.off('SIGTERM', stopEarly);
    process.off('SIGINT', stopEarly);
  });
  const log = (message: string) => note(io, message);
  log(
    `listening on ${server.url} (issuer ${server.app.lingpai.config.issuer}, ${server.app.lingpai.db.kind})`,
  );
  const code = await runUntilStopped(server, {
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    processSignals: io.processSignals,
    signal: io.signal ? AbortSignal.any([io.signal, early.signal]) : early.signal,
    log,
  });
  if (io.processSignals) {
    // Everything is closed; a handle someone forgot must not keep a stopped server's process alive.
    setTimeout(() => process.exit(code), 2_000).unref();
  }
  return code;
}
