import { ConfigError } from '../errors.js';
import { compileAllowList } from './ip-allow-list.js';

export const GRANT_TYPES = {
  password: 'password',
  refreshToken: 'refresh_token',
  clientCredentials: 'client_credentials',
  authorizationCode: 'authorization_code',
  deviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
} as const;
export type GrantType = (typeof GRANT_TYPES)[keyof typeof GRANT_TYPES];
const ALL_GRANTS = new Set<string>(Object.values(GRANT_TYPES));

export const CLIENT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** The scope a service account gets: CloudBase's "超级管理员". */
export const ADMIN_SCOPE = 'admin';

/** A registered client as the server uses it (never carries the secret itself). */
export interface Client {
  id: string;
  name: string;
  kind: 'public' | 'confidential';
  secretHash: string | undefined;
  authMethods: ClientAuthMethod[];
  grantTypes: GrantType[];
  scopes: string[];
  defaultScopes: string[];
  redirectUris: string[];
  logoutUris: string[];
  corsOrigins: string[];
  refreshGraceSeconds: number;
  firstParty: boolean;
  ipAllow: string[];
  rateLimitPerMinute: number | undefined;
  /** `sub` of client_credentials tokens; never a user's (users' subs are digits only). */
  serviceAccountSub: string | undefined;
}

/** What an operator gives to register a client (CLI, config file, API). */
export interface ClientInput {
  id: string;
  name?: string;
  kind: 'public' | 'confidential';
  grantTypes: string[];
  scopes?: string[];
  defaultScopes?: string[];
  redirectUris?: string[];
  logoutUris?: string[];
  corsOrigins?: string[];
  refreshGraceSeconds?: number;
  firstParty?: boolean;
  ipAllow?: string[];
  rateLimitPerMinute?: number;
  authMethods?: ClientAuthMethod[];
  /** Only from a config file that seeds a known secret (e.g. CloudBase's SecretKey); otherwise generated. */
  secret?: string;
}

/** What a client id may look like; anything else is refused before it reaches a query or a cache. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

function exactUri(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${field}: "${value}" is not an absolute URL`);
  }
  if (url.hash) throw new ConfigError(`${field}: "${value}" must not have a fragment (RFC 6749 §3.1.2)`);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
  if (url.protocol === 'http:' && !loopback) {
    throw new ConfigError(`${field}: "${value}" must be https (plain http only on loopback)`);
  }
  if (url.protocol === 'javascript:' || url.protocol === 'data:')
    throw new ConfigError(`${field}: "${value}" is not allowed`);
  return value;
}

function origin(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${field}: "${value}" is not an origin such as https://app.example.com`);
  }
  if (url.origin !== value)
    throw new ConfigError(`${field}: "${value}" must be exactly an origin (${url.origin})`);
  return value;
}

/** Validates a client registration; every problem names the field. */
export function validateClientInput(input: ClientInput): Omit<Client, 'secretHash' | 'serviceAccountSub'> {
  if (typeof input.id !== 'string' || !CLIENT_ID_PATTERN.test(input.id)) {
    throw new ConfigError(
      `client id "${String(input.id)}" must be 1–128 characters of letters, digits, '.', '_', ':' or '-'`,
    );
  }
  if (input.kind !== 'public' && input.kind !== 'confidential') {
    throw new ConfigError(`client ${input.id}: kind must be "public" or "confidential"`);
  }
  const grantTypes = [...new Set(input.grantTypes ?? [])];
  for (const grant of grantTypes) {
    if (!ALL_GRANTS.has(grant))
      throw new ConfigError(
        `client ${input.id}: unknown grant type "${grant}"; known: ${[...ALL_GRANTS].join(', ')}`,
      );
  }
  if (input.kind === 'public' && grantTypes.includes(GRANT_TYPES.clientCredentials)) {
    throw new ConfigError(
      `client ${input.id}: client_credentials needs a confidential client (a public client has no secret)`,
    );
  }
  const scopes = [...new Set(input.scopes ?? [])];
  for (const scope of [...scopes, ...(input.defaultScopes ?? [])]) {
    if (!SCOPE_TOKEN.test(scope))
      throw new ConfigError(`client ${input.id}: scope "${scope}" is not a valid scope token`);
  }
  // `admin` is the service account's scope (CloudBase's 超级管理员), granted by client_credentials.
  // A client that also signs users in would hand it to every user by default (user grants fall back
  // to the client's scopes): keep the two apart, one client for each.
  const userGrants = grantTypes.filter((grant) => grant !== GRANT_TYPES.clientCredentials);
  if (scopes.includes(ADMIN_SCOPE) && userGrants.length > 0) {
    throw new ConfigError(
      `client ${input.id}: the "${ADMIN_SCOPE}" scope is for client_credentials only, but this client also has ${userGrants.join(', ')}; register a separate client for user sign-in`,
    );
  }
  const defaultScopes = [...new Set(input.defaultScopes ?? [])];
  for (const scope of defaultScopes) {
    if (!scopes.includes(scope))
      throw new ConfigError(`client ${input.id}: default scope "${scope}" is not among its scopes`);
  }
  const grace = input.refreshGraceSeconds ?? 0;
  if (!Number.isInteger(grace) || grace < 0 || grace > 60) {
    throw new ConfigError(`client ${input.id}: refreshGraceSeconds must be an integer from 0 to 60`);
  }
  const authMethods: ClientAuthMethod[] =
    input.kind === 'public' ? ['none'] : (input.authMethods ?? ['client_secret_basic', 'client_secret_post']);
  for (const method of authMethods) {
    if (!CLIENT_AUTH_METHODS.includes(method))
      throw new ConfigError(`client ${input.id}: unknown auth method "${method}"`);
    if (input.kind === 'confidential' && method === 'none') {
      throw new ConfigError(`client ${input.id}: a confidential client cannot use auth method "none"`);
    }
  }
  if (
    input.rateLimitPerMinute !== undefined &&
    (!Number.isInteger(input.rateLimitPerMinute) || input.rateLimitPerMinute <= 0)
  ) {
    throw new ConfigError(`client ${input.id}: rateLimitPerMinute must be a positive integer`);
  }
  // Compiled here so a bad entry is refused at registration (CLI, config file, API alike), not
  // thrown by every later lookup of the client as a 500 on each of its token requests.
  compileAllowList(input.ipAllow ?? []);
  return {
    id: input.id,
    name: input.name ?? input.id,
    kind: input.kind,
    authMethods,
    grantTypes: grantTypes as GrantType[],
    scopes,
    defaultScopes,
    redirectUris: (input.redirectUris ?? []).map((uri) => exactUri(`client ${input.id} redirectUris`, uri)),
    logoutUris: (input.logoutUris ?? []).map((uri) => exactUri(`client ${input.id} logoutUris`, uri)),
    corsOrigins: (input.corsOrigins ?? []).map((value) => origin(`client ${input.id} corsOrigins`, value)),
    refreshGraceSeconds: grace,
    firstParty: input.firstParty ?? false,
    ipAllow: input.ipAllow ?? [],
    rateLimitPerMinute: input.rateLimitPerMinute,
  };
}
