import { normalizeEmail } from '@lingpai/otp';
import { parsePhoneNumber } from '@lingpai/sms';
import { TokenServerError } from '../errors.js';

/** A phone number as typed, in the forms the server keeps and sends. */
export interface ParsedPhone {
  /** CloudBase's form, `"+86 13800138000"`: what `users.phone_number` holds and responses echo. */
  stored: string;
  /** `"+8613800138000"`: what SMS providers and the code store key on. */
  e164: string;
  /** ISO region (`"CN"`), absent for non-geographic numbers (`+800 …`). */
  country?: string;
}

/**
 * Accepts `"+86 13800138000"`, `"+8613800138000"`, `"13800138000"` (in `defaultRegion`), spaces,
 * hyphens and full-width digits (a CJK input method in full-width mode types `１３８…`), and answers
 * every spelling of one number with one stored form, so a re-formatted number is never a second
 * account or a fresh set of send caps.
 */
export function parsePhoneInput(input: string, defaultRegion = 'CN'): ParsedPhone {
  if (typeof input !== 'string' || input.length > 64)
    throw new TokenServerError('invalid_phone_number', 'phone_number is not a valid phone number');
  try {
    const phone = parsePhoneNumber(input.normalize('NFKC'), { defaultRegion });
    const stored = `+${phone.countryCallingCode} ${phone.nationalNumber}`;
    return phone.region === undefined
      ? { stored, e164: phone.e164 }
      : { stored, e164: phone.e164, country: phone.region };
  } catch (error) {
    throw new TokenServerError('invalid_phone_number', 'phone_number is not a valid phone number', {
      cause: error,
    });
  }
}

/** The stored form of an email address: trimmed, NFKC, lower-cased, the domain in punycode. */
export function parseEmailInput(input: string): string {
  if (typeof input !== 'string')
    throw new TokenServerError('invalid_email', 'email is not a valid email address');
  try {
    return normalizeEmail(input).address;
  } catch (error) {
    throw new TokenServerError('invalid_email', 'email is not a valid email address', { cause: error });
  }
}
