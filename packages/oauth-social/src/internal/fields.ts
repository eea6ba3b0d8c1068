import { OAuthError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** A string field; numbers are accepted and stringified (ids such as Weibo's `uid` arrive either way). */
export function readString(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A numeric field; numeric strings are accepted because Douyin and Alipay send `"expires_in": "7200"`. */
export function readNumber(object: JsonObject | undefined, key: string): number | undefined {
  const value = object?.[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function readBoolean(object: JsonObject | undefined, key: string): boolean | undefined {
  const value = object?.[key];
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return undefined;
}

export function requireString(
  provider: string,
  object: JsonObject | undefined,
  key: string,
  payload: unknown,
): string {
  const value = readString(object, key);
  if (value === undefined) {
    throw new OAuthError('OAUTH_BAD_RESPONSE', `${provider}: the response has no "${key}"`, {
      provider,
      payload,
    });
  }
  return value;
}

/** Splits a scope string on commas and/or spaces (WeChat and Douyin use commas, OAuth uses spaces). */
export function splitScopes(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(/[\s,]+/).filter((scope) => scope !== '');
}
