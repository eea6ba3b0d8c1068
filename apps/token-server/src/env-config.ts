import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ClientInput } from './clients/client.js';
import { compileAllowList } from './clients/ip-allow-list.js';
import {
  type DatabaseOptions,
  DEFAULT_ARGON2,
  DEFAULT_LIFETIMES,
  DEFAULT_LIMITS,
  type Lifetimes,
  type Limits,
  parseIssuer,
  parseTrustProxy,
  type SeedData,
  type SeedUser,
  type TokenServerOptions,
} from './config.js';
import { ConfigError } from './errors.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './keys/signing-key.js';
import type { LoginPageOptions } from './login-page/login-page-options.js';
import { isSecretReference, resolveSecret as resolveSecretReference } from './secret-reference.js';
import { type SocialOptions, socialSectionFromFile } from './social/social-config.js';
import type { PasswordPolicy } from './users/password-policy.js';
import { passwordPolicyFromFile } from './users/password-policy-config.js';
import {
  type VerificationSettings,
  verificationSectionsFromFile,
} from './verification/verification-config.js';

/** The environment as a plain record (`process.env`, or a test's own). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * One environment variable per lifetime. A `Record` over the lifetime keys, so a lifetime added to
 * DEFAULT_LIFETIMES without a variable fails the type check instead of being silently unsettable.
 */
export const LIFETIME_VARIABLES: { readonly [K in keyof Lifetimes]: string } = {
  accessToken: 'LINGPAI_ACCESS_TOKEN_TTL',
  clientCredentials: 'LINGPAI_CLIENT_CREDENTIALS_TTL',
  refreshToken: 'LINGPAI_REFRESH_TOKEN_TTL',
  refreshFamily: 'LINGPAI_REFRESH_FAMILY_TTL',
  authorizationCode: 'LINGPAI_AUTHORIZATION_CODE_TTL',
  deviceCode: 'LINGPAI_DEVICE_CODE_TTL',
  deviceInterval: 'LINGPAI_DEVICE_INTERVAL',
  interaction: 'LINGPAI_INTERACTION_TTL',
  loginSession: 'LINGPAI_LOGIN_SESSION_TTL',
  idToken: 'LINGPAI_ID_TOKEN_TTL',
  jwksMaxAge: 'LINGPAI_JWKS_MAX_AGE',
  sudoToken: 'LINGPAI_SUDO_TOKEN_TTL',
  anonymousIdle: 'LINGPAI_ANONYMOUS_IDLE_TTL',
  anonymousHandoff: 'LINGPAI_ANONYMOUS_HANDOFF_TTL',
};

/** Every `LINGPAI_*` variable the server reads; anything else with the prefix is probably a typo. */
export const KNOWN_LINGPAI_VARIABLES: readonly string[] = [
  'LINGPAI_ISSUER',
  'LINGPAI_ENV_ID',
  'LINGPAI_SECRET',
  'LINGPAI_DATA_DIR',
  'LINGPAI_CONFIG',
  'LINGPAI_SIGNING_ALG',
  'LINGPAI_LOG_LEVEL',
  'LINGPAI_SHUTDOWN_TIMEOUT',
  'LINGPAI_LOGIN_PAGE',
  'LINGPAI_LOGIN_PAGE_ROOT',
  'LINGPAI_LOGIN_PAGE_CLIENT_ID',
  'LINGPAI_LOGIN_PAGE_TOKENS',
  'LINGPAI_LOGIN_PAGE_CROSS_TAB',
  'LINGPAI_LOGIN_PAGE_CAPTCHA_MODULE',
  ...Object.values(LIFETIME_VARIABLES),
];

/** pino's levels (Fastify's logger). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The embedded database's directory when LINGPAI_DATA_DIR is unset (relative to the working directory). */
export const DEFAULT_DATA_DIR = './.lingpai/data';

export interface EnvConfig {
  /** Everything for `buildApp` except the secret, which only some commands need (`resolveSecret`). */
  options: Omit<TokenServerOptions, 'secret' | 'database'> & { secret?: string };
  database: DatabaseOptions;
  /** Set when the embedded PGlite is used: the absolute data directory. */
  dataDir: string | undefined;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** How long a SIGTERM waits for in-flight requests before forcing the exit. */
  shutdownTimeoutMs: number;
  /** Things worth saying but not worth refusing to start over (unknown variables, ignored ones). */
  warnings: string[];
}

/** Levenshtein distance, for "did you mean" on misspelt names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name nearest to `name` (for messages). */
export function nearest(name: string, known: readonly string[]): string {
  let best = known[0] ?? '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

const DURATION = /^(\d{1,9})(s|m|h|d)?$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** Seconds, or a number with a unit: `7200`, `90s`, `15m`, `2h`, `31d`. */
export function parseDuration(name: string, value: string): number {
  const match = DURATION.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[(match[2] ?? 's') as keyof typeof UNIT_SECONDS] : 0;
  if (!match || seconds <= 0) {
    throw new ConfigError(
      `${name} must be a positive number of seconds (e.g. 7200) or a number with s, m, h or d (e.g. 2h, 31d), got "${value}"`,
    );
  }
  return seconds;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 8080;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new ConfigError(`PORT must be a TCP port from 0 to 65535 (0 picks a free one), got "${value}"`);
  }
  return Number(value);
}

function parseSigningAlgorithm(name: string, value: unknown): SigningAlgorithm {
  if (typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value))
    return value as SigningAlgorithm;
  throw new ConfigError(`${name} must be one of ${SIGNING_ALGORITHMS.join(', ')}, got "${String(value)}"`);
}

function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

// ---- the config file ------------------------------------------------------------------------------

/** `secret`: a string, or `{ "env": "VAR" }` as every other secret in the file is written. */
type FieldKind = 'string' | 'strings' | 'integer' | 'boolean' | 'secret';

const CLIENT_FIELDS: Record<string, FieldKind> = {
  id: 'string',
  name: 'string',
  kind: 'string',
  grantTypes: 'strings',
  scopes: 'strings',
  defaultScopes: 'strings',
  redirectUris: 'strings',
  logoutUris: 'strings',
  corsOrigins: 'strings',
  refreshGraceSeconds: 'integer',
  firstParty: 'boolean',
  ipAllow: 'strings',
  rateLimitPerMinute: 'integer',
  authMethods: 'strings',
  secret: 'secret',
  secretEnv: 'string',
};

const USER_FIELDS: Record<string, FieldKind> = {
  username: 'string',
  password: 'secret',
  passwordEnv: 'string',
  email: 'string',
  phoneNumber: 'string',
  name: 'string',
  groups: 'strings',
};

const FILE_KEYS = [
  'clients',
  'users',
  'lifetimes',
  'limits',
  'signingAlgorithm',
  'argon2',
  'passwordPolicy',
  'social',
  'sms',
  'email',
  'verification',
  'loginPage',
];

const LOGIN_PAGE_FIELDS: Record<string, FieldKind> = {
  root: 'string',
  clientId: 'string',
  showTokens: 'boolean',
  crossTab: 'boolean',
  captchaModule: 'string',
};

/** `loginPage` in the file: `false`, or its options (`root` relative to the file's directory). */
function loginPageFromFile(value: unknown, path: string): LoginPageOptions | undefined {
  if (value === undefined) return undefined;
  if (value === false) return false;
  if (!isRecord(value))
    throw new ConfigError(
      `LINGPAI_CONFIG loginPage must be false (no login page) or an object with ${Object.keys(LOGIN_PAGE_FIELDS).join(', ')}`,
    );
  const entry = checkFields('LINGPAI_CONFIG loginPage', value, LOGIN_PAGE_FIELDS) as Exclude<
    LoginPageOptions,
    false
  >;
  return entry.root === undefined ? entry : { ...entry, root: absolute(dirname(path), entry.root) };
}

/** `1`/`true`/`on`/`yes` or `0`/`false`/`off`/`no`. */
function parseSwitch(name: string, value: string): boolean {
  if (/^(1|true|on|yes)$/i.test(value)) return true;
  if (/^(0|false|off|no)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be on or off (1/0, true/false), got "${value}"`);
}

/**
 * The login page from the variables over the file's `loginPage`: LINGPAI_LOGIN_PAGE=off serves
 * none, =on serves it even when the file says false; the other variables set one option each.
 */
function loginPageFromEnv(
  file: LoginPageOptions | undefined,
  value: (name: string) => string | undefined,
  cwd: string,
  warnings: string[],
): LoginPageOptions | undefined {
  const enabled = value('LINGPAI_LOGIN_PAGE');
  let page: LoginPageOptions | undefined = file;
  if (enabled !== undefined) page = parseSwitch('LINGPAI_LOGIN_PAGE', enabled) ? file || {} : false;
  const root = value('LINGPAI_LOGIN_PAGE_ROOT');
  const clientId = value('LINGPAI_LOGIN_PAGE_CLIENT_ID');
  const tokens = value('LINGPAI_LOGIN_PAGE_TOKENS');
  const crossTab = value('LINGPAI_LOGIN_PAGE_CROSS_TAB');
  const captchaModule = value('LINGPAI_LOGIN_PAGE_CAPTCHA_MODULE');
  const given = [root, clientId, tokens, crossTab, captchaModule].some((item) => item !== undefined);
  if (page === false) {
    if (given) warnings.push('the LINGPAI_LOGIN_PAGE_* settings are ignored: the login page is off');
    return false;
  }
  if (!given) return page;
  return {
    ...page,
    ...(root === undefined ? {} : { root: absolute(cwd, root) }),
    ...(clientId === undefined ? {} : { clientId }),
    ...(tokens === undefined ? {} : { showTokens: parseSwitch('LINGPAI_LOGIN_PAGE_TOKENS', tokens) }),
    ...(crossTab === undefined ? {} : { crossTab: parseSwitch('LINGPAI_LOGIN_PAGE_CROSS_TAB', crossTab) }),
    ...(captchaModule === undefined ? {} : { captchaModule }),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(
  where: string,
  value: unknown,
  fields: Record<string, FieldKind>,
): Record<string, unknown> {
  if (!isRecord(value)) throw new ConfigError(`${where} must be an object`);
  const known = Object.keys(fields);
  for (const [key, field] of Object.entries(value)) {
    const kind = fields[key];
    if (kind === undefined)
      throw new ConfigError(`${where}: unknown field "${key}" (did you mean "${nearest(key, known)}"?)`);
    const ok =
      kind === 'string'
        ? typeof field === 'string'
        : kind === 'secret'
          ? typeof field === 'string' || isSecretReference(field)
          : kind === 'strings'
            ? Array.isArray(field) && field.every((item) => typeof item === 'string')
            : kind === 'integer'
              ? Number.isInteger(field)
              : typeof field === 'boolean';
    if (!ok) {
      const expected = {
        string: 'a string',
        secret: 'a string or { "env": "VARIABLE_NAME" }',
        strings: 'an array of strings',
        integer: 'an integer',
        boolean: 'true or false',
      }[kind];
      throw new ConfigError(`${where}.${key} must be ${expected}`);
    }
  }
  return value;
}

/**
 * A secret either inline or, better, named — `{ "env": "VAR" }` like every other secret in the file,
 * or the older `…Env` field — so the file itself can be committed.
 */
function secretFrom(
  where: string,
  entry: Record<string, unknown>,
  field: string,
  env: Environment,
): string | undefined {
  const given = entry[field];
  const inline = isSecretReference(given)
    ? resolveSecretReference(`${where}.${field}`, given, env)
    : (given as string | undefined);
  const variable = entry[`${field}Env`] as string | undefined;
  if (inline !== undefined && variable !== undefined)
    throw new ConfigError(`${where}: give either ${field} or ${field}Env, not both`);
  if (variable === undefined) return inline;
  const value = env[variable];
  if (value === undefined || value === '')
    throw new ConfigError(`${where}.${field}Env names ${variable}, which is not set`);
  return value;
}

function numberTable<T extends string>(
  where: string,
  value: unknown,
  known: readonly T[],
): Partial<Record<T, number>> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new ConfigError(`${where} must be an object`);
  for (const [key, field] of Object.entries(value)) {
    if (!(known as readonly string[]).includes(key))
      throw new ConfigError(`${where}: unknown key "${key}" (did you mean "${nearest(key, known)}"?)`);
    if (typeof field !== 'number') throw new ConfigError(`${where}.${key} must be a number`);
  }
  return value as Partial<Record<T, number>>;
}

interface FileConfig {
  seed: SeedData;
  lifetimes: Partial<Lifetimes>;
  limits: Partial<Limits>;
  argon2: Partial<TokenServerOptions['argon2']>;
  signingAlgorithm: SigningAlgorithm | undefined;
  passwordPolicy: Partial<PasswordPolicy> | undefined;
  /** Social login platforms, secrets resolved from the environment. */
  social: SocialOptions | undefined;
  /** `sms`, `email`, `verification` (src/verification/verification-config.ts), secrets resolved. */
  verification: VerificationSettings;
  loginPage: LoginPageOptions | undefined;
}

/**
 * The optional JSON file named by LINGPAI_CONFIG: clients and users to seed, and lifetimes, limits,
 * argon2 parameters and the signing algorithm. Every unknown key is refused with the nearest known
 * one, because a misspelt `lifetimes.acessToken` silently keeping its default is worse than not starting.
 */
export function loadConfigFile(path: string, env: Environment): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `LINGPAI_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); fix the path or unset LINGPAI_CONFIG`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`LINGPAI_CONFIG: ${path} is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(raw)) throw new ConfigError(`LINGPAI_CONFIG: ${path} must hold a JSON object`);
  for (const key of Object.keys(raw)) {
    if (!FILE_KEYS.includes(key))
      throw new ConfigError(
        `LINGPAI_CONFIG: unknown key "${key}" in ${path} (did you mean "${nearest(key, FILE_KEYS)}"?)`,
      );
  }
  const clients: ClientInput[] = [];
  if (raw.clients !== undefined && !Array.isArray(raw.clients))
    throw new ConfigError('LINGPAI_CONFIG: clients must be an array');
  for (const [index, value] of ((raw.clients as unknown[] | undefined) ?? []).entries()) {
    const where = `LINGPAI_CONFIG clients[${index}]`;
    const entry = checkFields(where, value, CLIENT_FIELDS);
    if (typeof entry.id !== 'string') throw new ConfigError(`${where} needs an "id"`);
    if (!Array.isArray(entry.grantTypes) || entry.grantTypes.length === 0)
      throw new ConfigError(`${where} (${entry.id}) needs "grantTypes"`);
    const secret = secretFrom(where, entry, 'secret', env);
    if (entry.kind === 'confidential' && secret === undefined) {
      throw new ConfigError(
        `${where} (${entry.id}) is confidential: give its "secret" or "secretEnv", or register it with \`lingpai-token-server client add\`, which generates one`,
      );
    }
    if (entry.kind === 'public' && secret !== undefined)
      throw new ConfigError(`${where} (${entry.id}) is public: a public client has no secret`);
    compileAllowList((entry.ipAllow as string[] | undefined) ?? []);
    const { secretEnv: _secretEnv, secret: _secret, ...rest } = entry;
    clients.push({ ...(rest as unknown as ClientInput), ...(secret === undefined ? {} : { secret }) });
  }
  const users: SeedUser[] = [];
  if (raw.users !== undefined && !Array.isArray(raw.users))
    throw new ConfigError('LINGPAI_CONFIG: users must be an array');
  for (const [index, value] of ((raw.users as unknown[] | undefined) ?? []).entries()) {
    const where = `LINGPAI_CONFIG users[${index}]`;
    const entry = checkFields(where, value, USER_FIELDS);
    if (typeof entry.username !== 'string') throw new ConfigError(`${where} needs a "username"`);
    const password = secretFrom(where, entry, 'password', env);
    const { passwordEnv: _passwordEnv, password: _password, ...rest } = entry;
    users.push({ ...(rest as unknown as SeedUser), ...(password === undefined ? {} : { password }) });
  }
  return {
    seed: { clients, users },
    social: socialSectionFromFile(raw.social, env),
    loginPage: loginPageFromFile(raw.loginPage, path),
    verification: verificationSectionsFromFile(raw, env),
    lifetimes: numberTable(
      'LINGPAI_CONFIG lifetimes',
      raw.lifetimes,
      Object.keys(DEFAULT_LIFETIMES) as Array<keyof Lifetimes>,
    ),
    limits: numberTable(
      'LINGPAI_CONFIG limits',
      raw.limits,
      Object.keys(DEFAULT_LIMITS) as Array<keyof Limits>,
    ),
    argon2: numberTable(
      'LINGPAI_CONFIG argon2',
      raw.argon2,
      Object.keys(DEFAULT_ARGON2) as Array<keyof typeof DEFAULT_ARGON2>,
    ),
    // Validated here too, so a wrong field is refused naming the file before anything starts.
    passwordPolicy: passwordPolicyFromFile(raw.passwordPolicy),
    signingAlgorithm:
      raw.signingAlgorithm === undefined
        ? undefined
        : parseSigningAlgorithm('LINGPAI_CONFIG signingAlgorithm', raw.signingAlgorithm),
  };
}

// ---- the environment ------------------------------------------------------------------------------

/**
 * Reads the configuration from environment variables and the optional LINGPAI_CONFIG file. Precedence:
 * a variable beats the file, the file beats the defaults. Throws ConfigError naming the variable and
 * the fix; never touches the disk except to read the config file (see `resolveSecret`).
 */
export function loadEnvConfig(env: Environment, cwd: string = process.cwd()): EnvConfig {
  const warnings: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };

  for (const name of Object.keys(env)) {
    if (name.startsWith('LINGPAI_') && !KNOWN_LINGPAI_VARIABLES.includes(name)) {
      warnings.push(
        `unknown variable ${name} is ignored (did you mean ${nearest(name, KNOWN_LINGPAI_VARIABLES)}?)`,
      );
    }
  }

  const configPath = value('LINGPAI_CONFIG');
  const file = configPath ? loadConfigFile(absolute(cwd, configPath), env) : undefined;

  const lifetimes: Partial<Lifetimes> = { ...file?.lifetimes };
  for (const [key, name] of Object.entries(LIFETIME_VARIABLES) as Array<[keyof Lifetimes, string]>) {
    const raw = value(name);
    if (raw !== undefined) lifetimes[key] = parseDuration(name, raw);
  }

  const url = value('DATABASE_URL');
  const schema = value('DATABASE_SCHEMA');
  let database: DatabaseOptions;
  let dataDir: string | undefined;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new ConfigError(
        `DATABASE_SCHEMA "${schema}" must match [a-z_][a-z0-9_]* (at most 63 characters)`,
      );
    database = { url, ...(schema === undefined ? {} : { schema }) };
    if (value('LINGPAI_DATA_DIR') !== undefined)
      warnings.push('LINGPAI_DATA_DIR is ignored: DATABASE_URL is set, so the embedded database is not used');
  } else {
    dataDir = absolute(cwd, value('LINGPAI_DATA_DIR') ?? DEFAULT_DATA_DIR);
    database = { dataDir };
    if (schema !== undefined)
      warnings.push('DATABASE_SCHEMA is ignored without DATABASE_URL (the embedded database has one schema)');
  }

  const logLevel = (value('LINGPAI_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`LINGPAI_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const algorithm = value('LINGPAI_SIGNING_ALG');
  const signingAlgorithm = algorithm
    ? parseSigningAlgorithm('LINGPAI_SIGNING_ALG', algorithm)
    : file?.signingAlgorithm;
  const issuer = value('LINGPAI_ISSUER');
  const envId = value('LINGPAI_ENV_ID');
  const redisUrl = value('REDIS_URL');
  const secret = value('LINGPAI_SECRET');
  const shutdown = value('LINGPAI_SHUTDOWN_TIMEOUT');

  // Loopback by default: a first `serve` on a laptop (a generated secret, maybe seeded users) is not
  // reachable from the network before anyone meant it to be. In a container the published port
  // arrives on the container's own interface, not its loopback, so images set HOST=0.0.0.0.
  const host = value('HOST') ?? '127.0.0.1';
  const port = parsePort(value('PORT'));
  if (issuer === undefined && !['127.0.0.1', '::1', 'localhost'].includes(host)) {
    warnings.push(
      `LINGPAI_ISSUER is not set: tokens name http://127.0.0.1:${port || 8080} as their issuer; set it to the server's public origin`,
    );
  }

  const options: EnvConfig['options'] = {
    // Unset, the issuer is this listener on loopback, so a quick start's discovery document and
    // tokens agree with the URL it is reached at.
    issuer: issuer === undefined ? `http://127.0.0.1:${port || 8080}` : parseIssuer(issuer),
    ...(envId === undefined ? {} : { envId }),
    ...(secret === undefined ? {} : { secret }),
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(signingAlgorithm === undefined ? {} : { signingAlgorithm }),
    trustProxy: parseTrustProxy(value('TRUST_PROXY')),
    lifetimes,
    ...(file ? { limits: file.limits, argon2: file.argon2, seed: file.seed } : {}),
    ...(file?.passwordPolicy ? { passwordPolicy: file.passwordPolicy } : {}),
    ...(file?.social ? { social: file.social } : {}),
    ...file?.verification,
  };
  const loginPage = loginPageFromEnv(file?.loginPage, value, cwd, warnings);
  if (loginPage !== undefined) options.loginPage = loginPage;
  return {
    options,
    database,
    dataDir,
    host,
    port,
    logLevel,
    shutdownTimeoutMs:
      shutdown === undefined ? 10_000 : parseDuration('LINGPAI_SHUTDOWN_TIMEOUT', shutdown) * 1_000,
    warnings,
  };
}

/** Where the embedded setup keeps its generated secret: beside the data directory, not inside it. */
export function secretFilePath(dataDir: string): string {
  return join(dirname(dataDir), 'secret');
}

/**
 * The at-rest secret. LINGPAI_SECRET when set. Without it, PostgreSQL refuses (several instances must
 * share one secret, so a generated one would split the fleet); the embedded database generates one
 * into `<dataDir>/../secret` (mode 0600) once and reuses it, with a warning, so `serve` works with no
 * setup and a restart can still open its sealed signing keys.
 */
export function resolveSecret(config: EnvConfig, warn: (message: string) => void): string {
  if (config.options.secret !== undefined) return config.options.secret;
  if (config.dataDir === undefined) {
    throw new ConfigError(
      'LINGPAI_SECRET is required with DATABASE_URL (every instance must share it): generate one with `openssl rand -base64 32` and set it in the environment',
    );
  }
  const path = secretFilePath(config.dataDir);
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0)
      warn(`${path} is readable by other users (mode ${mode.toString(8)}): run \`chmod 600 ${path}\``);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    secret = randomBytes(32).toString('base64url');
    try {
      // `wx`: two first starts racing keep one secret (the loser reads the winner's below).
      writeFileSync(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
      warn(
        `LINGPAI_SECRET is not set: generated one into ${path} (mode 0600). Keep it with the data — the signing keys are sealed under it — and set LINGPAI_SECRET in production`,
      );
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      secret = readFileSync(path, 'utf8').trim();
    }
  }
  if (secret.length < 32)
    throw new ConfigError(
      `${path} holds a secret shorter than 32 characters: set LINGPAI_SECRET to the secret the data was sealed under`,
    );
  return secret;
}
