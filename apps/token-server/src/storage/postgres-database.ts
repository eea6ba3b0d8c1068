import pg from 'pg';
import { StorageUnavailableError } from '../errors.js';
import { assertSchemaName, type Database, pgErrorCode, type Queryable } from './database.js';

export interface PostgresDatabaseOptions {
  url: string;
  /** Schema holding every table (created if missing). Default `public`. */
  schema?: string;
  /** Pool size. Default 20. */
  poolSize?: number;
  /** Bound on getting a connection. Default 2,000 ms. */
  connectTimeoutMs?: number;
  /** Bound on one statement, client and server side. Default 5,000 ms. */
  statementTimeoutMs?: number;
}

// Connection-level failures: the server is down, unreachable, restarting, or the socket died.
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300',
]);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/** True when the error says the database could not be reached, not that the statement was wrong. */
export function isConnectionFailure(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (code !== undefined && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_NODE_CODES.has(code)))
    return true;
  // statement_timeout (57014) is the database being too slow to answer: also "try again later".
  if (code === '57014') return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout|Connection terminated|connection error|not queryable|Client has encountered a connection error/i.test(
    message,
  );
}

function wrap(error: unknown): never {
  if (isConnectionFailure(error)) throw new StorageUnavailableError('the database is unavailable', error);
  throw error;
}

/** PostgreSQL through a `pg` pool; every statement is bounded so an outage answers, never hangs. */
export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  const schema = assertSchemaName(options.schema ?? 'public');
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 20,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2_000,
    query_timeout: statementTimeoutMs,
    statement_timeout: statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${schema}`,
    keepAlive: true,
  });
  // An idle client losing its connection emits on the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);

  let listener: pg.Client | undefined;
  let listenerReady: Promise<pg.Client> | undefined;
  const handlers = new Map<string, Set<(payload: string) => void>>();

  async function connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: options.url, options: `-c search_path=${schema}` });
    client.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', () => {
      // A dropped LISTEN connection: reconnect on the next subscribe or resubscribe below.
      listener = undefined;
      listenerReady = undefined;
      setTimeout(() => {
        if (handlers.size > 0) void ensureListener().catch(() => undefined);
      }, 1_000).unref();
    });
    await client.connect();
    for (const channel of handlers.keys()) await client.query(`LISTEN ${quoteChannel(channel)}`);
    listener = client;
    return client;
  }

  function ensureListener(): Promise<pg.Client> {
    if (listener) return Promise.resolve(listener);
    listenerReady ??= connectListener().catch((error) => {
      listenerReady = undefined;
      throw error;
    });
    return listenerReady;
  }

  const run = async <Row extends object>(
    client: pg.Pool | pg.PoolClient,
    sql: string,
    params?: readonly unknown[],
  ) => {
    try {
      const result = await client.query(sql, params as unknown[] | undefined);
      return result.rows as Row[];
    } catch (error) {
      return wrap(error);
    }
  };

  const database: Database = {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(work) {
      const client = await pool.connect().catch(wrap);
      const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
      try {
        await tx.query('BEGIN');
        const result = await work(tx);
        await tx.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        // A client whose connection failed must not go back into the pool.
        client.release(isConnectionFailure(error) || error instanceof StorageUnavailableError);
        throw error;
      }
    },
    async withAdvisoryLock(lockId, work) {
      const client = await pool.connect().catch(wrap);
      const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
      try {
        await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await tx.query('SELECT pg_advisory_lock($1)', [lockId]);
        try {
          return await work(tx);
        } finally {
          await tx.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
    async notify(channel, payload) {
      await run(pool, 'SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async listen(channel, onPayload) {
      let set = handlers.get(channel);
      const first = set === undefined;
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(onPayload);
      const client = await ensureListener();
      if (first) await client.query(`LISTEN ${quoteChannel(channel)}`);
      return async () => {
        set.delete(onPayload);
        if (set.size === 0) {
          handlers.delete(channel);
          await listener?.query(`UNLISTEN ${quoteChannel(channel)}`).catch(() => undefined);
        }
      };
    },
    async close() {
      handlers.clear();
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
      await pool.end();
    },
  };
  return database;
}

function quoteChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  return channel;
}
