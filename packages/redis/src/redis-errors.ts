import { LingpaiError, StoreUnavailableError } from '@lingpai/auth-core';

/** Codes this package throws besides auth-core's `STORE_UNAVAILABLE` and `STORE_INVALID_ARGUMENT`. */
export const REDIS_ERROR_CODES = {
  /** Redis answered with an error that retrying will not fix (WRONGTYPE, a script error, ...). */
  commandFailed: 'REDIS_COMMAND_FAILED',
  /** The store's options are wrong (no `url`, a non-`redis:` scheme, both `url` and `client`). */
  config: 'REDIS_CONFIG_ERROR',
} as const;

export type RedisErrorCode = (typeof REDIS_ERROR_CODES)[keyof typeof REDIS_ERROR_CODES];

/** Redis rejected a command for a reason that is not about reachability; a bug or foreign data. */
export class RedisCommandError extends LingpaiError<RedisErrorCode> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(REDIS_ERROR_CODES.commandFailed, message, options);
  }
}

/**
 * Options a Redis store cannot run with, found at construction: the message names the option and
 * the likely cause (`url` undefined: is REDIS_URL set?), so a deploy fails at startup, not at the
 * first request.
 */
export class RedisConfigError extends LingpaiError<RedisErrorCode> {
  constructor(message: string) {
    super(REDIS_ERROR_CODES.config, message);
  }
}

// Error replies that mean "this server cannot serve you right now", not "your command is wrong".
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|NOREPLICAS|MISCONF)\b/;

// ioredis (and redis-errors) error classes that only ever mean the connection failed or was closed.
const CONNECTION_ERROR_NAMES = new Set([
  'MaxRetriesPerRequestError',
  'AbortError', // "Command aborted due to connection close", "Cluster is ended."
  'InterruptError',
  'ClusterAllFailedError',
  'ParserError', // the reply stream is corrupt; ioredis drops the connection
]);

// Plain `Error`s ioredis rejects commands with when the connection is closed, not ready or too slow.
const CONNECTION_MESSAGES =
  /^(Connection is closed\.|Command timed out|Stream isn't writeable|Cluster isn't ready|Cluster is (disconnected|disconnecting|ended)\.|None of startup nodes is available|Failed to refresh slots cache\.|Node is disconnected|Too many Cluster redirections|Socket timeout\.|connect ETIMEDOUT|Ready check failed)/;

// Socket errors from Node (`error.code`), should a command ever be rejected with one directly.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
]);

/**
 * True when `error` says the server could not be reached, closed the connection, did not answer in
 * time, or answered that it cannot serve right now: retrying later may work. Anything else, a
 * `TypeError` from a bug included, is false.
 */
export function isRedisUnavailableError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return TRANSIENT_REPLIES.test(error.message);
  if (CONNECTION_ERROR_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error.constructor === Error && CONNECTION_MESSAGES.test(error.message);
}

/**
 * Maps what a Redis call threw to what the store should throw: `STORE_UNAVAILABLE` (retryable) for
 * reachability problems, `REDIS_COMMAND_FAILED` for error replies; lingpai errors and everything
 * else (programming errors such as `TypeError`) are returned as they are, so a bug is not retried.
 * Other packages' Redis adapters (the OTP store) use this so every adapter fails the same way.
 */
export function toStoreError(error: unknown, operation: string, connection?: ConnectionContext): unknown {
  if (error instanceof LingpaiError) return error;
  if (isRedisUnavailableError(error)) {
    return new StoreUnavailableError(`Redis ${operation} failed: ${unavailableDetail(error, connection)}`, {
      cause: error,
    });
  }
  if (isReplyError(error)) {
    return new RedisCommandError(`Redis ${operation} was rejected: ${error.message}`, { cause: error });
  }
  return error;
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Where a client connects and why its last connection attempt failed, for error messages. */
export interface ConnectionContext {
  /** `redis://host:port` (never credentials), `a Redis Cluster`, … */
  endpoint?: string;
  /** The last connection error the client reported since it was last ready, if anyone recorded it. */
  lastError?: Error;
}

// ioredis rejects a queued command with "Reached the max retries per request limit" or "Connection
// is closed." when the real cause was a refused or unresolvable connection: say that instead.
function unavailableDetail(error: unknown, connection: ConnectionContext | undefined): string {
  const detail = error instanceof Error ? error.message : String(error);
  if (connection?.endpoint === undefined) return detail;
  const code = socketCode(connection.lastError) ?? socketCode(error);
  if (code !== undefined) return `cannot connect to ${connection.endpoint} (${code})`;
  if (error instanceof Error && CONNECTION_ERROR_NAMES.has(error.name)) {
    return `cannot reach ${connection.endpoint} (${detail})`;
  }
  return `${detail} (${connection.endpoint})`;
}

function socketCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code) ? code : undefined;
}
