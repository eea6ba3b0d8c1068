import { LingpaiError, StoreUnavailableError } from '@lingpai/auth-core';

/** Codes this package throws besides auth-core's `STORE_UNAVAILABLE` and `STORE_INVALID_ARGUMENT`. */
export const REDIS_ERROR_CODES = {
  /** Redis answered with an error that retrying will not fix (WRONGTYPE, a script error, ...). */
  commandFailed: 'REDIS_COMMAND_FAILED',
} as const;

export type RedisErrorCode = (typeof REDIS_ERROR_CODES)[keyof typeof REDIS_ERROR_CODES];

/** Redis rejected a command for a reason that is not about reachability; a bug or foreign data. */
export class RedisCommandError extends LingpaiError<RedisErrorCode> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(REDIS_ERROR_CODES.commandFailed, message, options);
  }
}

// Error replies that mean "this server cannot serve you right now", not "your command is wrong".
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|NOREPLICAS|MISCONF)\b/;

/** True when `error` says the server could not be reached or could not serve (retrying later may work). */
export function isRedisUnavailableError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return TRANSIENT_REPLIES.test(error.message);
  // Everything else ioredis rejects with is about the connection: "Connection is closed.",
  // "Command timed out", MaxRetriesPerRequestError, ECONNREFUSED, "Stream isn't writeable".
  return true;
}

/**
 * Maps anything a Redis call threw to lingpai's store errors: `STORE_UNAVAILABLE` (retryable) for
 * reachability problems, `REDIS_COMMAND_FAILED` for error replies; lingpai errors pass through.
 * Other packages' Redis adapters (the OTP store) use this so every adapter fails the same way.
 */
export function toStoreError(error: unknown, operation: string): LingpaiError {
  if (error instanceof LingpaiError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (isRedisUnavailableError(error)) {
    return new StoreUnavailableError(`Redis ${operation} failed: ${detail}`, { cause: error });
  }
  return new RedisCommandError(`Redis ${operation} was rejected: ${detail}`, { cause: error });
}
