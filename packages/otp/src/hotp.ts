import { createHmac, timingSafeEqual } from 'node:crypto';
import { OtpError } from './errors.js';
import type { ReplayGuard } from './replay-guard.js';
import { type OtpSecret, secretBytes } from './secret.js';

export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface HotpOptions {
  /** Default `SHA1`, what every authenticator app supports. */
  algorithm?: OtpAlgorithm;
  /** 6 (default), 7 or 8. */
  digits?: number;
  /**
   * Shortest shared secret accepted, in bytes. Default 16 (RFC 4226 §4: 128 bits). Set 10 (80 bits,
   * the floor) only to keep legacy enrolments working; anything shorter is `OTP_SECRET_TOO_SHORT`.
   */
  minSecretBytes?: number;
}

const NODE_ALGORITHM: Record<OtpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
const POWERS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
const MAX_COUNTER = 0xffff_ffff_ffff_ffffn;
// HOTP counters do not age; keep the last accepted counter for a long time (stores need a TTL).
const HOTP_GUARD_TTL_MS = 400 * 24 * 3600 * 1000;

export function assertAlgorithm(algorithm: string): asserts algorithm is OtpAlgorithm {
  if (!(algorithm in NODE_ALGORITHM)) {
    throw new OtpError('OTP_INVALID_ARGUMENT', `Unsupported algorithm ${JSON.stringify(algorithm)}`);
  }
}

export function assertDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new OtpError('OTP_INVALID_ARGUMENT', `digits must be 6, 7 or 8, got ${String(digits)}`);
  }
}

/** A 64-bit unsigned counter from a safe integer or a bigint. */
export function toCounter(counter: number | bigint): bigint {
  if (typeof counter === 'number' && !Number.isSafeInteger(counter)) {
    throw new OtpError('OTP_INVALID_ARGUMENT', 'counter must be a safe integer (or a bigint)');
  }
  const value = BigInt(counter);
  if (value < 0n || value > MAX_COUNTER) {
    throw new OtpError('OTP_INVALID_ARGUMENT', 'counter must fit in 64 unsigned bits');
  }
  return value;
}

export interface HotpGenerateOptions extends HotpOptions {
  /** The key bytes, or base32 text (as in otpauth URIs). */
  secret: OtpSecret;
  counter: number | bigint;
}

/**
 * RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits.
 * `hotp({ secret, counter })`, the shape `verifyHotp` takes; `hotp(secret, counter, options)` too.
 */
export function hotp(options: HotpGenerateOptions): string;
export function hotp(secret: OtpSecret, counter: number | bigint, options?: HotpOptions): string;
export function hotp(
  first: OtpSecret | HotpGenerateOptions,
  counter?: number | bigint,
  options: HotpOptions = {},
): string {
  const combined: HotpGenerateOptions = isOptionsObject(first)
    ? first
    : { ...options, secret: first, counter: counter as number | bigint };
  const algorithm = combined.algorithm ?? 'SHA1';
  const digits = combined.digits ?? 6;
  assertAlgorithm(algorithm);
  assertDigits(digits);
  const key = secretBytes(combined.secret, combined.minSecretBytes);
  return hotpUnchecked(key, toCounter(combined.counter), NODE_ALGORITHM[algorithm], digits);
}

/** True for `{ secret, … }`, false for a key (bytes or base32 text). */
export function isOptionsObject<T extends { secret: OtpSecret }>(value: OtpSecret | T): value is T {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}

export function hotpUnchecked(
  secret: Uint8Array,
  counter: bigint,
  nodeAlgorithm: string,
  digits: number,
): string {
  const message = Buffer.allocUnsafe(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(nodeAlgorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff;
  return String(binary % (POWERS[digits] ?? 1_000_000)).padStart(digits, '0');
}

export function nodeAlgorithm(algorithm: OtpAlgorithm): string {
  return NODE_ALGORITHM[algorithm];
}

/**
 * Compares `token` against every candidate without an early exit, so the time taken does not say
 * which candidate (if any) matched. Returns the index of the match, or -1.
 */
export function matchCandidates(token: string, candidates: readonly string[]): number {
  // A JSON body may carry the code as a number (and lose its leading zeros): no match, not a TypeError.
  const given = Buffer.from(typeof token === 'string' ? token : '');
  let found = -1;
  for (let i = 0; i < candidates.length; i += 1) {
    const expected = Buffer.from(candidates[i] ?? '');
    const equal = given.length === expected.length && timingSafeEqual(given, expected);
    if (equal && found === -1) found = i;
  }
  return found;
}

export interface HotpVerifyOptions extends HotpOptions {
  /** The key bytes, or base32 text (as in otpauth URIs). */
  secret: OtpSecret;
  token: string;
  /** The next counter value the server expects (the last accepted counter + 1). */
  counter: number | bigint;
  /** How many counters past `counter` to try (RFC 4226 §7.4 look-ahead). Default 0; at most 100. */
  lookAhead?: number;
  /**
   * Remembers the highest counter accepted per factor, so a counter is never accepted twice (even
   * when the caller forgets to persist the new counter). Required unless explicitly `false`.
   */
  replayGuard: ReplayGuard | false;
}

export interface HotpVerifyResult {
  valid: boolean;
  /** The counter that matched. */
  counter?: bigint;
  /** What to persist as the next expected counter (matched + 1). */
  nextCounter?: bigint;
}

/** RFC 4226 verification with look-ahead and a replay guard. */
export async function verifyHotp(options: HotpVerifyOptions): Promise<HotpVerifyResult> {
  if (options.replayGuard === undefined || options.replayGuard === null) {
    throw new OtpError(
      'OTP_REPLAY_GUARD_REQUIRED',
      'verifyHotp needs a replayGuard (or replayGuard: false if you persist counters yourself)',
    );
  }
  const algorithm = options.algorithm ?? 'SHA1';
  const digits = options.digits ?? 6;
  assertAlgorithm(algorithm);
  assertDigits(digits);
  const key = secretBytes(options.secret, options.minSecretBytes);
  const lookAhead = options.lookAhead ?? 0;
  if (!Number.isInteger(lookAhead) || lookAhead < 0 || lookAhead > 100) {
    throw new OtpError('OTP_INVALID_ARGUMENT', 'lookAhead must be an integer from 0 to 100');
  }
  const start = toCounter(options.counter);
  const candidates: string[] = [];
  for (let i = 0n; i <= BigInt(lookAhead) && start + i <= MAX_COUNTER; i += 1n) {
    candidates.push(hotpUnchecked(key, start + i, NODE_ALGORITHM[algorithm], digits));
  }
  const index = matchCandidates(options.token, candidates);
  if (index < 0) return { valid: false };
  const matched = start + BigInt(index);
  if (options.replayGuard !== false && !(await options.replayGuard.accept(matched, HOTP_GUARD_TTL_MS))) {
    return { valid: false };
  }
  return { valid: true, counter: matched, nextCounter: matched + 1n };
}
