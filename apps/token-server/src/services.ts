import type { Clock } from '@lingpai/auth-core';
import type { FastifyBaseLogger } from 'fastify';
import type { ClientRegistry } from './clients/client-registry.js';
import type { ResolvedConfig } from './config.js';
import type { RandomSource } from './crypto/opaque-token.js';
import type { KeyRing } from './keys/key-ring.js';
import type { LimitStore } from './limits/limit-store.js';
import type { CaptchaVerifier, PasswordGuard } from './limits/password-guard.js';
import type { LoginPage } from './login-page/login-page.js';
import type { SocialLogin } from './social/social-login.js';
import type { Database } from './storage/database.js';
import type { ExpiredRowsSweeper } from './storage/expired-rows-sweeper.js';
import type { AccessTokenVerifier } from './tokens/access-token-verifier.js';
import type { AuditLog } from './tokens/audit-log.js';
import type { RevokedSessions } from './tokens/revoked-sessions.js';
import type { TokenIssuer } from './tokens/token-issuer.js';
import type { PasswordHasher } from './users/password-hasher.js';
import type { UserRepository } from './users/user-repository.js';
import type { VerificationCodes } from './verification/verification-codes.js';

/**
 * Everything a route or grant needs, built once by `buildApp` and handed to each plugin. Later
 * features (verification codes, social login) add their services here.
 */
export interface Services {
  config: ResolvedConfig;
  db: Database;
  clock: Clock;
  random: RandomSource;
  keys: KeyRing;
  clients: ClientRegistry;
  users: UserRepository;
  hasher: PasswordHasher;
  /** A hash of a random password, verified for unknown users so they cost the same as known ones. */
  dummyPasswordHash: string;
  limits: LimitStore;
  passwordGuard: PasswordGuard;
  captcha: CaptchaVerifier | undefined;
  issuer: TokenIssuer;
  verifier: AccessTokenVerifier;
  revoked: RevokedSessions;
  /** Deletes rows that can no longer change an answer (every 10 minutes; `sweep()` on demand). */
  sweeper: ExpiredRowsSweeper;
  audit: AuditLog;
  /** The configured social login platforms (`provider_id` → platform). */
  social: SocialLogin;
  /** HMAC key for limit keys and low-entropy codes (derived from the secret). */
  hmacKey: Buffer;
  log: FastifyBaseLogger;
  /** CloudBase verification codes by SMS and email (`src/verification/verification-codes.ts`). */
  verification: VerificationCodes;
  /** The login page under `/login`; undefined when `loginPage: false`. */
  loginPage: LoginPage | undefined;
}
