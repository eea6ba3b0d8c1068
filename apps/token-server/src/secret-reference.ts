import { ConfigError } from './errors.js';

/**
 * A secret in the config file is never written there: the file names the environment variable that
 * holds it, `{ "env": "ALIYUN_SMS_SECRET" }`, so the file can be committed and the secret cannot.
 */
export interface SecretReference {
  env: string;
}

export function isSecretReference(value: unknown): value is SecretReference {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { env?: unknown }).env === 'string'
  );
}

/**
 * The value of a secret field: a reference read from `env` (missing or empty → a ConfigError that
 * names both the field and the variable), or — only where the caller allows it, as in code that
 * builds options itself — a literal string.
 */
export function resolveSecret(
  where: string,
  value: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { allowLiteral?: boolean } = {},
): string {
  if (isSecretReference(value)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(value.env)) {
      throw new ConfigError(`${where}: "${value.env}" is not an environment variable name (use A–Z, 0–9, _)`);
    }
    const resolved = env[value.env];
    if (resolved === undefined || resolved === '') {
      throw new ConfigError(
        `${where}: the environment variable ${value.env} is not set; set it or fix the name`,
      );
    }
    return resolved;
  }
  if (typeof value === 'string' && options.allowLiteral) {
    if (value === '') throw new ConfigError(`${where} is empty`);
    return value;
  }
  throw new ConfigError(
    `${where} must be { "env": "VARIABLE_NAME" } naming the environment variable that holds the secret`,
  );
}
