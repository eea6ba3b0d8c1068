export type { RedisClient, RedisClientOptions, RedisConnectionOptions } from './redis-client.js';
export { createRedisClient, REDIS_CLIENT_DEFAULTS } from './redis-client.js';
export type { RedisCommandRunnerOptions, RedisScript } from './redis-commands.js';
export { defineRedisScript, RedisCommandRunner } from './redis-commands.js';
export type { ConnectionContext, RedisErrorCode } from './redis-errors.js';
export {
  isRedisUnavailableError,
  REDIS_ERROR_CODES,
  RedisCommandError,
  RedisConfigError,
  toStoreError,
} from './redis-errors.js';
export type {
  RedisOtpAttemptResult,
  RedisOtpCreateResult,
  RedisOtpRecord,
  RedisOtpSendLimit,
  RedisOtpStoreOptions,
} from './redis-otp-store.js';
export { RedisOtpStore } from './redis-otp-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export { RedisStore } from './redis-store.js';
