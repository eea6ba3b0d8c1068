import { OAuthError } from '../errors.js';

/** A credential a constructor cannot run without, and what it is on the platform's console. */
export interface RequiredCredential {
  name: string;
  /** e.g. "the AppSecret"; said in the message so the reader knows which console field it is. */
  what: string;
  /** Accept a `KeyObject` too (Alipay keys). */
  keyObject?: boolean;
}

function configError(provider: string, message: string): OAuthError {
  return new OAuthError('OAUTH_CONFIG_ERROR', `${provider}: ${message}`, { provider });
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (value === '') return 'an empty string';
  return `a ${typeof value}`;
}

function checkUrl(provider: string, name: string, value: unknown, example: string): void {
  if (value === undefined) return;
  let parsed: URL | undefined;
  try {
    parsed = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw configError(
      provider,
      `\`${name}\` must be an absolute http(s) URL such as ${example}, got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}`,
    );
  }
}

/**
 * Checks a provider's or app token's options at construction, so a missing credential says which
 * one and why ("`clientSecret` is undefined — the AppSecret; is the variable you read it from
 * set?") instead of a `TypeError` at the first login, and a malformed `baseURL`, host, timeout or
 * enum value is refused rather than used.
 */
export function checkOptions(
  provider: string,
  options: unknown,
  credentials: readonly RequiredCredential[],
  enums: Readonly<Record<string, readonly string[]>> = {},
): void {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw configError(provider, `needs options: { ${credentials.map((c) => c.name).join(', ')} }`);
  }
  const record = options as Record<string, unknown>;
  for (const credential of credentials) {
    const value = record[credential.name];
    const isKeyObject =
      credential.keyObject === true &&
      typeof value === 'object' &&
      value !== null &&
      'asymmetricKeyType' in value;
    if (isKeyObject) continue;
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw configError(
        provider,
        `\`${credential.name}\` must be a string (${credential.what}), got ${describe(value)}`,
      );
    }
    if (typeof value !== 'string' || value.trim() === '') {
      throw configError(
        provider,
        `\`${credential.name}\` is ${describe(value)} — ${credential.what}; is the environment variable you read it from set?`,
      );
    }
  }
  checkUrl(provider, 'baseURL', record.baseURL, `http://127.0.0.1:4010/${provider}`);
  const hosts = record.hosts;
  if (hosts !== undefined) {
    if (hosts === null || typeof hosts !== 'object') {
      throw configError(
        provider,
        '`hosts` must be an object of host overrides, e.g. { api: "https://proxy.example" }',
      );
    }
    for (const [key, value] of Object.entries(hosts)) {
      if (value !== undefined) checkUrl(provider, `hosts.${key}`, value, 'https://proxy.example');
    }
  }
  if (record.redirectUri !== undefined) {
    // Platforms compare redirect URIs byte for byte with the console; a relative one never matches.
    let absolute = false;
    try {
      absolute = typeof record.redirectUri === 'string' && new URL(record.redirectUri).protocol !== '';
    } catch {
      absolute = false;
    }
    if (!absolute) {
      throw configError(
        provider,
        `\`redirectUri\` must be the absolute URL registered on the platform, got ${typeof record.redirectUri === 'string' ? JSON.stringify(record.redirectUri) : describe(record.redirectUri)}`,
      );
    }
  }
  const timeoutMs = record.timeoutMs;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    throw configError(
      provider,
      `\`timeoutMs\` must be a positive number of milliseconds, got ${String(timeoutMs)}`,
    );
  }
  if (record.fetch !== undefined && typeof record.fetch !== 'function') {
    throw configError(provider, '`fetch` must be a function like globalThis.fetch');
  }
  const clock = record.clock as { now?: unknown } | undefined;
  if (clock !== undefined && (clock === null || typeof clock.now !== 'function')) {
    throw configError(provider, '`clock` must have now() returning milliseconds');
  }
  if (record.randomBytes !== undefined && typeof record.randomBytes !== 'function') {
    throw configError(provider, '`randomBytes` must be a function (size) => Uint8Array');
  }
  const allEnums: Record<string, readonly string[]> = { subject: ['unionId', 'openId'], ...enums };
  for (const [name, allowed] of Object.entries(allEnums)) {
    const value = record[name];
    if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
      throw configError(
        provider,
        `\`${name}\` must be ${allowed.map((v) => `'${v}'`).join(' or ')}, got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}`,
      );
    }
  }
}
