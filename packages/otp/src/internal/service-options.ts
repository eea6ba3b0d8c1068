import { OtpError } from '../errors.js';
import type { VerificationServiceOptions } from '../verification-service.js';

const STORE_METHODS = ['createVerification', 'attempt', 'cancelVerification', 'redeemToken'] as const;
const RECIPIENT_KINDS = new Set(['phone', 'email', 'custom']);

function configError(message: string): OtpError {
  return new OtpError('OTP_INVALID_ARGUMENT', `VerificationService: ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return `a ${typeof value}`;
}

/**
 * Checks what the constructor needs before anything reads it, so a missing option says which one
 * and why ("`secret` is undefined — is OTP_SECRET set?") instead of "Cannot read properties of
 * undefined" at the first request. Range checks of the numeric options stay where they are read.
 */
export function checkServiceOptions(
  options: VerificationServiceOptions | undefined,
): asserts options is VerificationServiceOptions {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw configError('needs options: { secret, store, channels }');
  }
  const { secret, store, channels } = options;
  if (secret === undefined || secret === null || secret === '') {
    throw configError(
      `\`secret\` is ${secret === '' ? 'an empty string' : String(secret)} — is OTP_SECRET set? (at least 32 random bytes, e.g. \`openssl rand -base64 48\`)`,
    );
  }
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw configError(`\`secret\` must be a string or a Uint8Array, got ${describe(secret)}`);
  }
  if (store === undefined || store === null) {
    throw configError(
      `\`store\` is ${String(store)} — pass new MemoryOtpStore() (one process) or RedisOtpStore from @lingpai/redis (shared)`,
    );
  }
  const missing = STORE_METHODS.filter(
    (method) => typeof (store as unknown as Record<string, unknown>)[method] !== 'function',
  );
  if (missing.length > 0) {
    throw configError(
      `\`store\` is not an OtpStore (no ${missing.join(', ')}); use MemoryOtpStore or RedisOtpStore`,
    );
  }
  if (channels === undefined || channels === null || typeof channels !== 'object') {
    throw configError(
      `\`channels\` is ${describe(channels)} — e.g. { sms: createSmsChannel({ sender, templates }) }`,
    );
  }
  const names = Object.keys(channels);
  if (names.length === 0) throw configError('`channels` is empty — configure at least one (sms, email, …)');
  for (const name of names) {
    const channel = (channels as Record<string, unknown>)[name] as
      | { recipientKind?: unknown; deliver?: unknown; normalize?: unknown }
      | undefined;
    if (channel === undefined || channel === null || typeof channel !== 'object') {
      throw configError(`\`channels.${name}\` is ${describe(channel)} — did its create…Channel() call fail?`);
    }
    if (typeof channel.deliver !== 'function') {
      throw configError(`\`channels.${name}\` has no deliver(message) function`);
    }
    if (typeof channel.recipientKind !== 'string' || !RECIPIENT_KINDS.has(channel.recipientKind)) {
      throw configError(
        `\`channels.${name}.recipientKind\` must be 'phone', 'email' or 'custom', got ${JSON.stringify(channel.recipientKind) ?? 'undefined'}`,
      );
    }
    if (channel.recipientKind === 'custom' && typeof channel.normalize !== 'function') {
      throw configError(`\`channels.${name}\` is a custom channel and must implement normalize(to)`);
    }
  }
  if (options.riskCheck !== undefined && typeof options.riskCheck !== 'function') {
    throw configError('`riskCheck` must be a function (context) => "allow" | "captcha" | "deny"');
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw configError('`clock` must have now() returning milliseconds');
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw configError('`random` must be a function (size) => Uint8Array');
  }
  const phone = options.phone;
  if (phone?.defaultRegion !== undefined && !/^[A-Za-z]{2}$/.test(String(phone.defaultRegion))) {
    throw configError(
      `\`phone.defaultRegion\` must be an ISO 3166 region like "CN", got ${JSON.stringify(phone.defaultRegion)}`,
    );
  }
  if (phone?.allowedCountries !== undefined) {
    if (!Array.isArray(phone.allowedCountries)) {
      throw configError('`phone.allowedCountries` must be an array of ISO 3166 regions like ["CN", "HK"]');
    }
    for (const region of phone.allowedCountries) {
      if (typeof region !== 'string' || !/^[A-Za-z]{2}$/.test(region)) {
        throw configError(
          `\`phone.allowedCountries\` holds ${JSON.stringify(region)}; use ISO 3166 regions like "CN"`,
        );
      }
    }
  }
}

const NETWORK_CODES =
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

/**
 * The socket error code somewhere in `error`'s cause chain ("ECONNREFUSED"), for the top-level
 * message: the code says what to fix (is the server up?) without repeating hosts or addresses.
 */
export function networkCause(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    const found = NETWORK_CODES.exec(
      `${typeof code === 'string' ? code : ''} ${typeof message === 'string' ? message : ''}`,
    );
    if (found?.[1] !== undefined) return found[1];
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
