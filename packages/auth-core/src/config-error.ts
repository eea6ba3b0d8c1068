import { LingpaiError } from './errors.js';

export const CONFIG_ERROR_CODE = 'CONFIG_INVALID';

/**
 * Options a component cannot run with (`createApiKeyVerifier`, `TokenCache`, `MemoryStore`), found
 * at construction. The message names the option and the likely fix ("`nonceStore` is undefined —
 * pass a MemoryStore…"), so a deploy fails at startup instead of with "Cannot read properties of
 * undefined" at the first request. Never retryable.
 */
export class ConfigError extends LingpaiError<typeof CONFIG_ERROR_CODE> {
  /** The option at fault, as the caller spells it (`nonceStore`, `retry.attempts`). */
  readonly option: string;

  constructor(option: string, message: string) {
    super(CONFIG_ERROR_CODE, message, { retryable: false });
    this.option = option;
  }
}

/**
 * How a wrong value reads in a message: `undefined`, `null`, `an empty string`, `a number (42)`.
 * Never echoes a string's content: it may be a secret put in the wrong option.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `a ${typeof value} (${String(value)})`;
  }
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
