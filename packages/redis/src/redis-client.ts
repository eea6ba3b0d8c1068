import { type Cluster, Redis, type RedisOptions } from 'ioredis';

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
  client.on('error', options.onError ?? (() => undefined));
  return client;
}
