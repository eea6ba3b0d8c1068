import { TokenServerError } from '../errors.js';

/** Splits an RFC 6749 §3.3 scope string; refuses anything that is not space-separated scope tokens. */
export function parseScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(' ').filter(Boolean);
  if (parts.some((part) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(part))) {
    throw new TokenServerError('invalid_scope', 'scope must be space-separated scope tokens');
  }
  return [...new Set(parts)];
}

/**
 * The scope to grant: what was asked for, which must be within `allowed`, or `fallback` when nothing
 * was asked for. Never widens.
 */
export function grantScope(
  requested: string[] | undefined,
  allowed: readonly string[],
  fallback: readonly string[],
): string[] {
  if (requested === undefined || requested.length === 0) return [...fallback];
  const outside = requested.filter((scope) => !allowed.includes(scope));
  if (outside.length > 0)
    throw new TokenServerError('invalid_scope', `scope not allowed: ${outside.join(' ').slice(0, 200)}`);
  return requested;
}
