import type { Clock } from '@lingpai/auth-core';
import type { OtpStore } from '@lingpai/otp';
import { RedisOtpStore } from '@lingpai/redis';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config.js';
import { deriveKey } from '../crypto/sealing.js';
import { ConfigError } from '../errors.js';
import type { CaptchaVerifier } from '../limits/password-guard.js';
import type { Database } from '../storage/database.js';
import type { AuditLog } from '../tokens/audit-log.js';
import { PostgresOtpStore } from './postgres-otp-store.js';
import { VerificationCodes } from './verification-codes.js';
import { resolveVerificationSettings, type VerificationSettings } from './verification-config.js';

export interface VerificationDeps {
  config: ResolvedConfig;
  db: Database;
  clock: Clock;
  audit: AuditLog;
  captcha: CaptchaVerifier | undefined;
  hmacKey: Buffer;
  log: FastifyBaseLogger;
  /** The server's Redis client when REDIS_URL is set: codes then live there. */
  redis: Redis | undefined;
  /** A store to use instead (tests: an unreachable one). */
  store?: OtpStore;
}

/**
 * Validates the `sms`, `email` and `verification` settings (a wrong entry refuses the start, by
 * name) and builds `services.verification` on a store every instance shares: Redis when REDIS_URL is
 * set, otherwise the database (PostgreSQL or the embedded PGlite).
 */
export function createVerificationCodes(
  settings: VerificationSettings,
  deps: VerificationDeps,
): VerificationCodes {
  const resolved = resolveVerificationSettings(settings);
  if (resolved.requireCaptcha && deps.captcha === undefined) {
    throw new ConfigError(
      'verification.requireCaptcha is on but no captcha verifier is configured (captchaVerifier)',
    );
  }
  const store: OtpStore =
    deps.store ??
    (deps.redis
      ? new RedisOtpStore({ client: deps.redis, keyPrefix: `lingpai:otp:${deps.config.envId}:` })
      : new PostgresOtpStore(deps.db, deps.clock));
  return new VerificationCodes({
    settings: resolved,
    store,
    secret: deriveKey(deps.config.secret, 'verification codes'),
    hmacKey: deps.hmacKey,
    db: deps.db,
    clock: deps.clock,
    audit: deps.audit,
    captcha: deps.captcha,
    log: deps.log,
  });
}
