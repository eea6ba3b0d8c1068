import { type RandomBytes, secureRandomBytes } from '@lingpai/auth-core';
import { OtpError } from './errors.js';

/**
 * Code alphabets. Letters leave out I, L and O (read as 1 and 0); the mixed set also leaves out the
 * digits 0 and 1 for the same reason. Input is upper-cased before comparison, so case never matters.
 */
export const CODE_ALPHABETS = {
  numeric: '0123456789',
  letters: 'ABCDEFGHJKMNPQRSTUVWXYZ',
  mixed: '23456789ABCDEFGHJKMNPQRSTUVWXYZ',
} as const;

export type CodeAlphabet = keyof typeof CODE_ALPHABETS;

export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;

export function assertCodeFormat(length: number, alphabet: string): void {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new OtpError(
      'OTP_INVALID_ARGUMENT',
      `code length must be ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}, got ${String(length)}`,
    );
  }
  if (!(alphabet in CODE_ALPHABETS)) {
    throw new OtpError('OTP_INVALID_ARGUMENT', `unknown code alphabet ${JSON.stringify(alphabet)}`);
  }
}

/**
 * A uniformly random code. Rejection sampling: a byte is used only if it falls below the largest
 * multiple of the alphabet size, so `byte % size` has no modulo bias (for digits: bytes 250–255 are
 * thrown away).
 */
export function generateCode(
  length = 6,
  alphabet: CodeAlphabet = 'numeric',
  random: RandomBytes = secureRandomBytes,
): string {
  assertCodeFormat(length, alphabet);
  const chars = CODE_ALPHABETS[alphabet];
  const size = chars.length;
  const limit = 256 - (256 % size);
  let out = '';
  while (out.length < length) {
    // Ask for a little more than needed so one call usually suffices.
    const bytes = random(length * 2);
    for (const byte of bytes) {
      if (byte >= limit) continue;
      out += chars[byte % size];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * What a person typed, made comparable: NFKC (a CJK input method in full-width mode types `１２３４５６`),
 * spaces and hyphens dropped, upper case.
 */
export function normalizeCodeInput(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\s-]+/g, '')
    .toUpperCase();
}
