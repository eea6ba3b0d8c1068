export { buildApp, ROUTE_PLUGINS } from './app.js';
export type { BuildAppOptions, TokenServerApp } from './app.js';
export type { Client, ClientAuthMethod, ClientInput, GrantType } from './clients/client.js';
export { ADMIN_SCOPE, CLIENT_AUTH_METHODS, GRANT_TYPES } from './clients/client.js';
export {
  DEFAULT_ARGON2,
  DEFAULT_LIFETIMES,
  DEFAULT_LIMITS,
  parseIssuer,
  parseTrustProxy,
  resolveConfig,
} from './config.js';
export type {
  Argon2Parameters,
  DatabaseOptions,
  Lifetimes,
  Limits,
  ResolvedConfig,
  SeedData,
  SeedUser,
  TokenServerOptions,
} from './config.js';
export {
  DEFAULT_DATA_DIR,
  KNOWN_LINGPAI_VARIABLES,
  LIFETIME_VARIABLES,
  loadEnvConfig,
  resolveSecret,
} from './env-config.js';
export type { EnvConfig, Environment, LogLevel } from './env-config.js';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS, runUntilStopped, startServer } from './serve.js';
export type { RunningServer, StartServerOptions, StopOptions } from './serve.js';
export {
  ConfigError,
  ERROR_TABLE,
  isTokenServerError,
  StorageUnavailableError,
  TokenServerError,
} from './errors.js';
export type { ErrorBody, OAuthErrorName } from './errors.js';
export type { SigningAlgorithm } from './keys/signing-key.js';
export { SIGNING_ALGORITHMS } from './keys/signing-key.js';
export type { LimitStore } from './limits/limit-store.js';
export type { LoginPageOptions } from './login-page/login-page-options.js';
export {
  DEFAULT_LOGIN_PAGE_CLIENT_ID,
  LOGIN_PAGE_SCOPES,
  loginPageRedirectUri,
} from './login-page/login-page-options.js';
export { loginPageCsp } from './login-page/login-page-headers.js';
export type { CaptchaVerifier } from './limits/password-guard.js';
export type { Database, Queryable } from './storage/database.js';
export { createPgliteDatabase } from './storage/pglite-database.js';
export { createPostgresDatabase } from './storage/postgres-database.js';
export { migrate, migrationStatus } from './storage/migrations.js';
export type { TokenResponse } from './tokens/token-response.js';
export type { PasswordHasher } from './users/password-hasher.js';
export { createArgon2Hasher } from './users/password-hasher.js';
