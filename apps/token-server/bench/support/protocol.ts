// How the bench's processes talk: a target server prints one `READY {json}` line on stdout once it
// listens; the orchestrator passes each child its configuration as one JSON argument.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ReadyMessage {
  port: number;
  /** Request to send (autocannon options). */
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** A file of live refresh tokens, one a line, for the refresh target. */
  tokensFile?: string;
  /** Accounts for the password target: each connection signs in as its own. */
  accounts?: { usernames: string[]; password: string };
}

let cpuAtReady: NodeJS.CpuUsage | undefined;

export function announce(message: ReadyMessage): void {
  cpuAtReady = process.cpuUsage();
  process.stdout.write(`READY ${JSON.stringify(message)}\n`);
}

/** Server CPU time since READY (µs): start-up, migrations and compilation excluded. */
function reportCpu(): void {
  const used = process.cpuUsage(cpuAtReady);
  process.stdout.write(`CPU ${JSON.stringify({ micros: used.user + used.system })}\n`);
}

export function configOf<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('expected the configuration as one JSON argument');
  return JSON.parse(raw) as T;
}

/** Closes `close` on SIGTERM/SIGINT and exits; the orchestrator stops each target this way. */
export function onStop(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    reportCpu();
    close()
      .catch((error: unknown) => console.error('bench target: error while stopping', error))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of the bench's own on the shared PostgreSQL, dropped when the target stops. */
export async function benchSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `lp_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    schema,
    async drop() {
      const dropper = new pg.Client({ connectionString: DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await dropper.end();
    },
  };
}

export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-01';
export const ISSUER = 'http://127.0.0.1:8080';
export const ENV_ID = 'bench-env';
export const CLIENT_ID = 'bench-service';
export const CLIENT_SECRET = 'lps_bench-client-secret-0123456789abcdef';
export const SCOPE = 'api.read api.write';

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export const FORM = 'application/x-www-form-urlencoded';
