// Option checks run when a provider or sender is built, so a missing environment variable fails at
// start-up with the field's name and its likely cause instead of `Cannot read properties of
// undefined` at the first send. Messages name the field and describe the value's kind; they never
// quote the value itself (it may be a secret).
import { SmsError } from '../sms-error.js';

/** The usual environment variable for a credential, quoted in the "is it set?" hint. */
export type EnvHint = string | undefined;

function describe(value: unknown): string {
  if (value === undefined) return 'is undefined';
  if (value === null) return 'is null';
  if (typeof value === 'string') return value.length === 0 ? 'is an empty string' : 'is a string';
  if (Array.isArray(value)) return 'is an array';
  return `is a ${typeof value}`;
}

export function configError(message: string): SmsError {
  return new SmsError('SMS_CONFIG_INVALID', message, { retryable: false });
}

/** `options` must be an object: `createAliyunProvider()` with nothing names what it needs. */
export function requireOptions<T>(kind: string, factory: string, options: T, needs: string): NonNullable<T> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw configError(`${kind}: the options object ${describe(options)} — call ${factory}({ ${needs} })`);
  }
  return options as NonNullable<T>;
}

/** A required non-empty string; the message names the field and, for credentials, the usual variable. */
export function requireString(kind: string, field: string, value: unknown, env?: EnvHint): string {
  if (typeof value === 'string' && value.length > 0) return value;
  const hint =
    env !== undefined && (value === undefined || value === '')
      ? ` — is ${env} set?`
      : typeof value === 'string' || value === undefined
        ? ''
        : ' — it must be a string';
  throw configError(`${kind}: \`${field}\` ${describe(value)}${hint}`);
}

/** An optional string: absent is fine, anything else must be a non-empty string. */
export function optionalString(
  kind: string,
  field: string,
  value: unknown,
  env?: EnvHint,
): string | undefined {
  if (value === undefined) return undefined;
  return requireString(kind, field, value, env);
}

/** One of a fixed set; an unknown value is refused, not silently replaced by the default. */
export function oneOf<const T extends string>(
  kind: string,
  field: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const shown = typeof value === 'string' ? JSON.stringify(value) : describe(value).replace(/^is /, '');
  throw configError(
    `${kind}: \`${field}\` is ${shown}, not one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`,
  );
}

/** An optional absolute http(s) URL (callbacks, base URLs). */
export function optionalUrl(kind: string, field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw configError(`${kind}: \`${field}\` ${describe(value)}, not a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(
      `${kind}: \`${field}\` is not an absolute URL — write it with its scheme, e.g. https://api.example.com`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`${kind}: \`${field}\` must be an http: or https: URL, not ${url.protocol}`);
  }
  return value;
}

/** An optional function (fetch, clock.now, log). */
export function optionalFunction<T>(kind: string, field: string, value: T): T {
  if (value !== undefined && typeof value !== 'function') {
    throw configError(`${kind}: \`${field}\` ${describe(value)}, not a function`);
  }
  return value;
}
