import type { Clock } from '@lingpai/auth-core';
import type { ClientInput } from './clients/client.js';
import type { RandomSource } from './crypto/opaque-token.js';
import { ConfigError } from './errors.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './keys/signing-key.js';
import type { LoginPageOptions } from './login-page/login-page-options.js';
import type { SocialOptions } from './social/social-config.js';
import type { Database } from './storage/database.js';
import type { PasswordPolicy } from './users/password-policy.js';
import { resolvePasswordPolicy } from './users/password-policy-config.js';
import type { VerificationSettings } from './verification/verification-config.js';

/**
 * Every lifetime, in seconds, with the default and where it comes from. One place, cited, like
 * oidc-provider's defaults file.
 */
export const DEFAULT_LIFETIMES = {
  /** CloudBase: `expires_in: 7200`. */
  accessToken: 7_200,
  /** client_credentials access tokens (CloudBase: 7200). */
  clientCredentials: 7_200,
  /** CloudBase: "refresh_token … 过期时间默认为31天". */
  refreshToken: 31 * 86_400,
  /** Absolute cap of a refresh family, however often it rotates (Logto's Grant TTL). */
  refreshFamily: 180 * 86_400,
  /** oidc-provider's default; RFC 6749 §4.1.2 recommends at most 10 minutes. */
  authorizationCode: 60,
  /** CloudBase device flow spec: `expires_in 600`. */
  deviceCode: 600,
  /** RFC 8628 §3.2 default polling interval. */
  deviceInterval: 5,
  /** A login page interaction. */
  interaction: 600,
  /** The login page's session cookie (lets a second authorize skip the login). */
  loginSession: 14 * 86_400,
  /** ID tokens (OIDC). */
  idToken: 3_600,
  /** How long verifiers may cache the JWKS; a new key waits this long before it signs. */
  jwksMaxAge: 300,
  /** An anonymous user with no sign-in and no refresh for this long is deleted by the sweeper. */
  anonymousIdle: 30 * 86_400,
  /** How long an anonymous user's `anonymous_sub` waits for the next sign-in after a refused upgrade. */
  anonymousHandoff: 86_400,
  /** A `sudo_token` (POST /auth/v1/user/sudo): one sensitive change, soon after a re-check. */
  sudoToken: 600,
} as const;

export type Lifetimes = { -readonly [K in keyof typeof DEFAULT_LIFETIMES]: number };

/** Brute-force and rate limits. Windows in seconds. */
export const DEFAULT_LIMITS = {
  /** Failed password tries per (username, IP) before a lockout with growing delays starts. */
  passwordFailuresPerUserIp: 5,
  /** The window those failures are counted in. */
  passwordFailureWindow: 900,
  /** First lockout; doubles with each further failure. */
  passwordLockoutBase: 2,
  /** Longest lockout. */
  passwordLockoutMax: 900,
  /** Failed tries per username (any IP) in the window before a captcha is required. */
  passwordFailuresPerUser: 20,
  /** Failed password tries per IP (any username) per window before the IP is refused. */
  passwordFailuresPerIp: 100,
  /** Wrong device user codes per IP per window (RFC 8628 §5.1). */
  userCodeFailuresPerIp: 10,
  /** Window of the user-code limit. */
  userCodeFailureWindow: 900,
  /** client_credentials issuances per client per minute, when the client sets no limit of its own. */
  clientCredentialsPerMinute: 6_000,
  /** Anonymous sign-ins (new anonymous users) per IP (IPv6: /64, the /48 gets 16×) per window. */
  anonymousSignInsPerIp: 30,
  /** The window of the anonymous sign-in limit. */
  anonymousSignInWindow: 3_600,
  /**
   * Social logins started per IP (IPv6: /64, the /48 gets 16×) per window: each one is a row and,
   * for a mini program, a call to the platform.
   */
  socialLoginsPerIp: 300,
  /** The window of the social login limit. */
  socialLoginWindow: 600,
  /**
   * Device codes created per IP (IPv6: /64, the /48 gets 16×) per window: each one is a row that
   * lives 10 minutes, and a flood of them would fill the table and the user-code space.
   */
  deviceCodesPerIp: 60,
  /** The window of the device code limit. */
  deviceCodeWindow: 600,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** argon2id parameters: OWASP's first recommended set (19 MiB, 2 passes, 1 lane). */
export const DEFAULT_ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export type Argon2Parameters = { memoryCost: number; timeCost: number; parallelism: number };

export interface DatabaseOptions {
  /** PostgreSQL URL. Unset: the embedded PGlite at `dataDir`. */
  url?: string;
  /** Schema holding the tables on PostgreSQL. Default `public`. */
  schema?: string;
  /** PGlite data directory; `undefined` with no `url` keeps the database in memory. */
  dataDir?: string;
  /** PostgreSQL pool size. Default 20. */
  poolSize?: number;
  /** Bound on one statement. Default 5,000 ms. */
  statementTimeoutMs?: number;
  /** Bound on getting a connection. Default 2,000 ms. */
  connectTimeoutMs?: number;
}

/** What `buildApp` accepts. Only `secret` has no default outside the embedded setup. */
export interface TokenServerOptions extends VerificationSettings {
  /** Public origin of the server, no path (tokens' `iss`). Default `http://127.0.0.1:8080`. */
  issuer?: string;
  /** The environment id: the default `client_id` (a public client) and the tokens' `aud`. Default `lingpai`. */
  envId?: string;
  /** At-rest encryption secret (≥ 32 characters). */
  secret: string;
  /** A ready database, or how to open one. */
  database?: Database | DatabaseOptions;
  /** Apply pending migrations at start (under an advisory lock). Default true. */
  autoMigrate?: boolean;
  /** Redis URL for limits and revocation broadcasts shared by instances. */
  redisUrl?: string;
  signingAlgorithm?: SigningAlgorithm;
  lifetimes?: Partial<Lifetimes>;
  limits?: Partial<Limits>;
  argon2?: Partial<Argon2Parameters>;
  /** `TRUST_PROXY`: false (default), a hop count, or CIDRs/addresses of trusted proxies. */
  trustProxy?: boolean | number | string | string[];
  /** Fastify logger: false, true, or pino options. Default: info-level JSON with secrets redacted. */
  logger?: boolean | Record<string, unknown>;
  /** Largest accepted request body in bytes. Default 64 KiB. */
  bodyLimit?: number;
  clock?: Clock;
  random?: RandomSource;
  /** How often every instance re-reads the revoked sessions and keys (seconds). Default 30. */
  resyncIntervalSeconds?: number;
  /**
   * Clients and users registered at start when missing (the `LINGPAI_CONFIG` file). Seeding never
   * changes an existing registration: a seeded client that disagrees with the stored one refuses to
   * start, an existing username is left as it is.
   */
  seed?: SeedData;
  /**
   * Social login platforms by CloudBase `provider_id` (`src/social/social-config.ts`); validated at
   * start, a wrong or missing entry names itself.
   */
  social?: SocialOptions;
  /** What a new password must satisfy (sign-up, forgot password). */
  passwordPolicy?: Partial<PasswordPolicy>;
  /**
   * The login page served under `/login` (`src/login-page/login-page-options.ts`): on by default
   * with `@lingpai/login-page`'s build; `false` serves nothing there and registers no page client.
   */
  loginPage?: LoginPageOptions;
}

/** A user the config file seeds. The password is hashed at start and never stored in the clear. */
export interface SeedUser {
  username: string;
  password?: string;
  email?: string;
  phoneNumber?: string;
  name?: string;
  groups?: string[];
}

export interface SeedData {
  /** Confidential clients must carry their `secret` here: there is nowhere to show a generated one. */
  clients?: ClientInput[];
  users?: SeedUser[];
}

export interface ResolvedConfig {
  issuer: string;
  envId: string;
  secret: string;
  signingAlgorithm: SigningAlgorithm;
  lifetimes: Lifetimes;
  limits: Limits;
  argon2: Argon2Parameters;
  trustProxy: boolean | number | string | string[];
  bodyLimit: number;
  autoMigrate: boolean;
  resyncIntervalSeconds: number;
  redisUrl: string | undefined;
  passwordPolicy: PasswordPolicy;
}

function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    throw new ConfigError(
      `${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` at most ${max}` : ''}, got ${String(value)}`,
    );
  }
  return value;
}

/** `LINGPAI_ISSUER` must be an origin: scheme, host and optional port, nothing else. */
export function parseIssuer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `LINGPAI_ISSUER "${value}" is not a URL; use an origin such as https://auth.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`LINGPAI_ISSUER must be http(s), got ${url.protocol}`);
  }
  if (
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new ConfigError(
      `LINGPAI_ISSUER "${value}" must be an origin with no path, query or credentials (e.g. ${url.origin})`,
    );
  }
  return url.origin;
}

/** Validates options once, at start; every message names the fix. */
export function resolveConfig(options: TokenServerOptions): ResolvedConfig {
  if (typeof options.secret !== 'string' || options.secret.length < 32) {
    throw new ConfigError(
      'secret must be at least 32 characters — is LINGPAI_SECRET set? (generate one with `openssl rand -base64 32`)',
    );
  }
  const envId = options.envId ?? 'lingpai';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(envId)) {
    throw new ConfigError(
      `envId "${envId}" must be 1–128 characters of letters, digits, '.', '_' or '-' (LINGPAI_ENV_ID)`,
    );
  }
  const signingAlgorithm = options.signingAlgorithm ?? 'RS256';
  if (!SIGNING_ALGORITHMS.includes(signingAlgorithm)) {
    throw new ConfigError(
      `signingAlgorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}, got ${String(signingAlgorithm)}`,
    );
  }
  const lifetimes: Lifetimes = { ...DEFAULT_LIFETIMES };
  for (const [name, value] of Object.entries(options.lifetimes ?? {})) {
    if (!(name in DEFAULT_LIFETIMES))
      throw new ConfigError(
        `unknown lifetime "${name}"; known: ${Object.keys(DEFAULT_LIFETIMES).join(', ')}`,
      );
    lifetimes[name as keyof Lifetimes] = positiveInteger(`lifetimes.${name}`, value);
  }
  if (lifetimes.refreshToken > lifetimes.refreshFamily) {
    throw new ConfigError('lifetimes.refreshToken cannot exceed lifetimes.refreshFamily');
  }
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(options.limits ?? {})) {
    if (!(name in DEFAULT_LIMITS))
      throw new ConfigError(`unknown limit "${name}"; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    limits[name as keyof Limits] = positiveInteger(`limits.${name}`, value);
  }
  const argon2 = { ...DEFAULT_ARGON2, ...options.argon2 };
  positiveInteger('argon2.memoryCost', argon2.memoryCost);
  positiveInteger('argon2.timeCost', argon2.timeCost);
  positiveInteger('argon2.parallelism', argon2.parallelism, 16);
  return {
    issuer: parseIssuer(options.issuer ?? 'http://127.0.0.1:8080'),
    envId,
    secret: options.secret,
    signingAlgorithm,
    lifetimes,
    limits,
    argon2,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: positiveInteger('bodyLimit', options.bodyLimit ?? 65_536),
    autoMigrate: options.autoMigrate ?? true,
    resyncIntervalSeconds: positiveInteger('resyncIntervalSeconds', options.resyncIntervalSeconds ?? 30),
    redisUrl: options.redisUrl,
    passwordPolicy: resolvePasswordPolicy(options.passwordPolicy),
  };
}

/** `TRUST_PROXY`: unset/`false` → off; a number → hop count; otherwise comma-separated CIDRs. */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') {
    throw new ConfigError(
      "TRUST_PROXY=true would trust any client-supplied X-Forwarded-For; give a hop count or the proxies' CIDRs",
    );
  }
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}
