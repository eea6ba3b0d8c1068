import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { type ConnectionContext, RedisConfigError } from './redis-errors.js';

/** What every lingpai Redis adapter accepts: a standalone/Sentinel client or a Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Bound on every command, including time spent queued while reconnecting. Default 1,000 ms. */
  commandTimeoutMs?: number;
  /** Bound on establishing a connection. Default 1,000 ms. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts; reconnecting never stops. Default 1,000 ms. */
  reconnectMaxDelayMs?: number;
  /** Called with connection errors (ioredis emits them as events); default: ignored, commands report them. */
  onError?: (error: Error) => void;
  /** Extra ioredis options; they win over the defaults above. */
  redisOptions?: RedisOptions;
}

export const REDIS_CLIENT_DEFAULTS = {
  commandTimeoutMs: 1_000,
  connectTimeoutMs: 1_000,
  reconnectMaxDelayMs: 1_000,
} as const;

/**
 * An ioredis client configured to fail fast and heal by itself, which is what a token or OTP store
 * needs: a command never waits longer than `commandTimeoutMs` (queued or sent), each command is tried
 * on at most one reconnection, unanswered commands are not re-sent after a reconnect (a late
 * INCR would count twice), and the client keeps reconnecting so the store recovers when Redis returns.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const maxDelay = options.reconnectMaxDelayMs ?? REDIS_CLIENT_DEFAULTS.reconnectMaxDelayMs;
  assertRedisUrl('createRedisClient', url);
  const client = new Redis(url, {
    commandTimeout: options.commandTimeoutMs ?? REDIS_CLIENT_DEFAULTS.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs ?? REDIS_CLIENT_DEFAULTS.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    // Queue while (re)connecting rather than fail instantly at startup; commandTimeout bounds the wait.
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxDelay),
    ...options.redisOptions,
  });
  // Without a listener ioredis prints every connection error; commands already report them as errors.
  // The last one is kept so a command that fails while disconnected can say why ("ECONNREFUSED"),
  // which ioredis's own rejection ("max retries per request") does not.
  const onError = options.onError;
  const state: { lastError?: Error } = {};
  lastConnectionErrors.set(client, state);
  client.on('error', (error: Error) => {
    state.lastError = error;
    onError?.(error);
  });
  client.on('ready', () => {
    delete state.lastError;
  });
  return client;
}

// Clients made by `createRedisClient` -> their last connection error since they were last ready.
// Clients passed in are not listened to: adding an 'error' listener would change how they log.
const lastConnectionErrors = new WeakMap<RedisClient, { lastError?: Error }>();

/** Where `client` connects (no credentials) and its last connection error, for error messages. */
export function connectionContext(client: RedisClient): ConnectionContext {
  const lastError = lastConnectionErrors.get(client)?.lastError;
  return { endpoint: describeEndpoint(client), ...(lastError === undefined ? {} : { lastError }) };
}

function describeEndpoint(client: RedisClient): string | undefined {
  if (client.isCluster) return 'the Redis Cluster';
  const options = (client as Redis).options as RedisOptions | undefined;
  if (options === undefined) return undefined;
  if (typeof options.path === 'string' && options.path !== '') return `redis+unix://${options.path}`;
  if (options.sentinels !== undefined && options.sentinels !== null && options.sentinels.length > 0) {
    return `Redis Sentinel master ${String(options.name ?? '')}`.trim();
  }
  const host = options.host ?? '127.0.0.1';
  const scheme = options.tls === undefined ? 'redis' : 'rediss';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${options.port ?? 6379}`;
}

/**
 * Refuses a URL ioredis would misread. ioredis takes any string: `undefined` becomes
 * "localhost:6379" and `http://host` is connected to as if it were Redis, so a missing REDIS_URL
 * or a copied HTTP URL would surface later as timeouts against the wrong server.
 */
function assertRedisUrl(owner: string, url: unknown): asserts url is string {
  if (url === undefined || url === null) {
    throw new RedisConfigError(`${owner}: \`url\` is ${String(url)} — is REDIS_URL set?`);
  }
  if (typeof url !== 'string') {
    throw new RedisConfigError(
      `${owner}: \`url\` must be a string like redis://127.0.0.1:6379, got a ${typeof url}`,
    );
  }
  if (url.trim() === '') {
    throw new RedisConfigError(`${owner}: \`url\` is an empty string — is REDIS_URL set?`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it may hold a password.
    throw new RedisConfigError(
      `${owner}: \`url\` is not a URL; write it as redis://[user:password@]host:port[/db] or rediss://…`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisConfigError(
      `${owner}: \`url\` has the scheme "${parsed.protocol}"; a Redis URL starts with redis:// (or rediss:// for TLS)`,
    );
  }
}

/** What a store accepts to reach Redis: exactly one of a client and a URL. */
export interface RedisConnectionOptions {
  client?: RedisClient;
  url?: string | undefined;
  clientOptions?: RedisClientOptions;
}

/**
 * The client a store runs on, from its options, checked at construction: exactly one of `client` and
 * `url`, a real ioredis client, a `redis:`/`rediss:` URL. `owned` is true when the store created it.
 */
export function clientFromOptions(
  owner: string,
  options: RedisConnectionOptions | undefined,
): { client: RedisClient; owned: boolean } {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new RedisConfigError(`${owner} needs options: { url: process.env.REDIS_URL } or { client }`);
  }
  const hasClient = options.client !== undefined && options.client !== null;
  if (hasClient && options.url !== undefined) {
    throw new RedisConfigError(`${owner}: pass exactly one of \`client\` and \`url\`, not both`);
  }
  if (hasClient) {
    const client = options.client as RedisClient;
    if (
      typeof (client as { get?: unknown }).get !== 'function' ||
      typeof client.defineCommand !== 'function'
    ) {
      throw new RedisConfigError(`${owner}: \`client\` must be an ioredis Redis or Cluster instance`);
    }
    return { client, owned: false };
  }
  if (!('url' in options) && !('client' in options)) {
    throw new RedisConfigError(`${owner}: pass \`url\` (redis://127.0.0.1:6379) or an ioredis \`client\``);
  }
  assertRedisUrl(owner, options.url);
  return { client: createRedisClient(options.url, options.clientOptions), owned: true };
}
