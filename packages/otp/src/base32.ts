import { OtpError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i += 1) DECODE[ALPHABET.charCodeAt(i)] = i;

// Characters in the last 8-character group -> how many "=" a correctly padded string has.
const PADDING_FOR_REMAINDER: Record<number, number> = { 0: 0, 2: 6, 4: 4, 5: 3, 7: 1 };

export interface Base32EncodeOptions {
  /** Append `=` to a multiple of 8 characters (RFC 4648 §6). Default false: otpauth URIs omit it. */
  padding?: boolean;
}

/** RFC 4648 §6 base32 (upper case). */
export function base32Encode(bytes: Uint8Array, options: Base32EncodeOptions = {}): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  if (options.padding === true) out += '='.repeat(PADDING_FOR_REMAINDER[out.length % 8] ?? 0);
  return out;
}

/**
 * Strict RFC 4648 §6 decoding: upper-case alphabet only; padding either absent or exactly right
 * (never partial); lengths that no byte string encodes to are rejected; the unused trailing bits must
 * be zero, so every byte string has exactly one accepted spelling (with and without padding).
 * Use `normalizeBase32` first for human input (spaces, lower case).
 */
export function base32Decode(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end -= 1;
  const padded = text.length - end;
  const remainder = end % 8;
  const expectedPadding = PADDING_FOR_REMAINDER[remainder];
  if (expectedPadding === undefined) throw invalid(`a length of ${end} characters is not a valid encoding`);
  if (padded !== 0 && padded !== expectedPadding) throw invalid('wrong amount of "=" padding');
  const out = new Uint8Array(Math.floor((end * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < end; i += 1) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (value < 0) throw invalid(`invalid character at position ${i}`);
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index] = (buffer >>> bits) & 0xff;
      index += 1;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0)
    throw invalid('non-zero trailing bits (not the canonical spelling)');
  return out;
}

/** For secrets typed or pasted by people: drops spaces and hyphens, upper-cases, removes trailing `=`. */
export function normalizeBase32(text: string): string {
  return text
    .replace(/[\s-]+/g, '')
    .toUpperCase()
    .replace(/=+$/, '');
}

function invalid(reason: string): OtpError {
  return new OtpError('OTP_INVALID_BASE32', `Invalid base32: ${reason}`);
}
