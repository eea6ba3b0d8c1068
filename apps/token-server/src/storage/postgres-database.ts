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
// Class 08 (connection exception) is matched as a whole; these are the others: shutdown, crash,
// starting up, idle-session timeout, too many connections.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  // A DNS server that did not answer (a resolver hiccup, not a wrong host name).
  'EAI_AGAIN',
]);

/** True when the error says the database could not be reached, not that the statement was wrong. */
export function isConnectionFailure(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (
    code !== undefined &&
    (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_NODE_CODES.has(code))
  )
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

  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  let listener: pg.Client | undefined;
  let listenerReady: Promise<pg.Client> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelayMs = 0;
  let closed = false;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const reconnectHooks = new Set<() => void>();
  let listenerConnectedBefore = false;

  // A dropped LISTEN connection is re-opened until it works, not once: an outage longer than one
  // retry must not leave this instance deaf to other instances' NOTIFYs (dead sessions, key
  // rotations, client changes) until the periodic re-read. The backoff stops at 2 s so an instance
  // hears again at most about 2 s after the database is back.
  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined || handlers.size === 0) return;
    reconnectDelayMs = Math.min(Math.max(reconnectDelayMs * 2, 250), 2_000);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      ensureListener().then(
        () => {
          reconnectDelayMs = 0;
        },
        () => scheduleReconnect(),
      );
    }, reconnectDelayMs);
    reconnectTimer.unref();
  }

  async function connectListener(): Promise<pg.Client> {
    // Bounded like the pool: a black-holed database must fail the subscribe, not hang it.
    const client = new pg.Client({
      connectionString: options.url,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: connectTimeoutMs,
      query_timeout: statementTimeoutMs,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', () => {
      if (listener !== client) return; // a client already replaced or never installed
      listener = undefined;
      listenerReady = undefined;
      void client.end().catch(() => undefined);
      scheduleReconnect();
    });
    try {
      await client.connect();
      for (const channel of handlers.keys()) await client.query(`LISTEN ${quoteChannel(channel)}`);
    } catch (error) {
      void client.end().catch(() => undefined);
      return wrap(error);
    }
    if (closed) {
      void client.end().catch(() => undefined);
      throw new StorageUnavailableError('the database connection is closed');
    }
    listener = client;
    if (listenerConnectedBefore) {
      for (const hook of reconnectHooks) {
        try {
          hook();
        } catch {
          // a subscriber's re-read failing must not take the listener down with it
        }
      }
    }
    listenerConnectedBefore = true;
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
      const detach = guardCheckedOut(client);
      const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
      try {
        await tx.query('BEGIN');
        const result = await work(tx);
        await tx.query('COMMIT');
        detach();
        client.release();
        return result;
      } catch (error) {
        // A client whose connection failed must not go back into the pool; the server rolls its
        // transaction back when the session ends, so skip a ROLLBACK that could only time out.
        const broken = isConnectionFailure(error) || error instanceof StorageUnavailableError;
        const rolledBack =
          !broken &&
          (await client.query('ROLLBACK').then(
            () => true,
            () => false,
          ));
        detach();
        client.release(!rolledBack);
        throw error;
      }
    },
    async withAdvisoryLock(lockId, work) {
      const client = await pool.connect().catch(wrap);
      const detach = guardCheckedOut(client);
      let broken = false;
      const tx: Queryable = {
        async query<Row extends object>(sql: string, params?: readonly unknown[]) {
          try {
            return await run<Row>(client, sql, params);
          } catch (error) {
            broken ||= error instanceof StorageUnavailableError;
            throw error;
          }
        },
      };
      try {
        // Lock first: concurrent CREATE SCHEMA IF NOT EXISTS is not safe (the losers get 23505), so
        // instances starting together on a new schema create it one at a time.
        await tx.query('SELECT pg_advisory_lock($1)', [lockId]);
        try {
          await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          return await work(tx);
        } finally {
          await tx.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
        }
      } finally {
        detach();
        client.release(broken);
      }
    },
    async notify(channel, payload) {
      await run(pool, 'SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async listen(channel, onPayload, onReconnect) {
      let set = handlers.get(channel);
      const first = set === undefined;
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(onPayload);
      // A distinct function per subscription, so unsubscribing removes exactly this one.
      const hook = onReconnect ? () => onReconnect() : undefined;
      if (hook) reconnectHooks.add(hook);
      let client: pg.Client;
      try {
        client = await ensureListener();
        if (first) await client.query(`LISTEN ${quoteChannel(channel)}`);
      } catch (error) {
        set.delete(onPayload);
        if (hook) reconnectHooks.delete(hook);
        if (set.size === 0) handlers.delete(channel);
        return wrap(error);
      }
      return async () => {
        set.delete(onPayload);
        if (hook) reconnectHooks.delete(hook);
        if (set.size === 0) {
          handlers.delete(channel);
          await listener?.query(`UNLISTEN ${quoteChannel(channel)}`).catch(() => undefined);
        }
      };
    },
    async close() {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      handlers.clear();
      reconnectHooks.clear();
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
      await pool.end();
    },
  };
  return database;
}

/**
 * pg-pool removes its own `error` listener from a client while it is checked out, and pg emits
 * `error` when the socket dies — even while a query is running, which rejects on its own. Without a
 * listener that event is an uncaught exception: a database restart in the middle of a transaction
 * would kill the process. Returns the function that removes the guard before release.
 */
function guardCheckedOut(client: pg.PoolClient): () => void {
  const ignore = () => undefined;
  client.on('error', ignore);
  return () => client.removeListener('error', ignore);
}

function quoteChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  return channel;
}
