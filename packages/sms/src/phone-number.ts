import {
  type CountryCode,
  isSupportedCountry,
  type PhoneNumber as LibPhoneNumber,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/max';
import { SmsError } from './sms-error.js';

export interface ParsePhoneNumberOptions {
  /**
   * ISO 3166-1 alpha-2 region used for numbers written without `+` or `00` (e.g. `'CN'`). Without
   * it such numbers are rejected: a country is never guessed from the digit count.
   */
  defaultRegion?: string;
  /**
   * `'valid'` (default) checks the number against the region's numbering plan (full metadata);
   * `'possible'` only checks its length, for ranges newer than the metadata.
   */
  validation?: 'valid' | 'possible';
}

/** How a provider wants the number written. */
export type PhoneNumberFormat =
  /** `+8613800138000` */
  | 'e164'
  /** `008613800138000` (international prefix `00`) */
  | 'idd00'
  /** `8613800138000` (E.164 without `+`; MoceanAPI, Vonage) */
  | 'digits'
  /** `13800138000` (national significant number, no trunk prefix) */
  | 'national';

/** A parsed, validated phone number. Immutable; `toString()` and `toJSON()` give E.164. */
export class PhoneNumber {
  /** `+8613800138000` */
  readonly e164: string;
  /** Country calling code without `+`: `'86'`. */
  readonly countryCallingCode: string;
  /** ISO region when the number identifies one (`'CN'`); undefined for non-geographic numbers. */
  readonly region: string | undefined;
  /** National significant number: `'13800138000'`. */
  readonly nationalNumber: string;

  private constructor(parsed: LibPhoneNumber) {
    this.e164 = parsed.number;
    this.countryCallingCode = parsed.countryCallingCode;
    this.region = parsed.country;
    this.nationalNumber = parsed.nationalNumber;
  }

  /**
   * Parses `input` to E.164. Accepts `+86 138 0013 8000`, `0086…`, and national forms when a
   * `defaultRegion` is given. Throws `SmsError('SMS_INVALID_NUMBER')`.
   */
  static parse(input: string | PhoneNumber, options: ParsePhoneNumberOptions = {}): PhoneNumber {
    if (input instanceof PhoneNumber) return input;
    if (typeof input !== 'string') throw invalid('a phone number must be a string');
    const trimmed = input.trim();
    if (trimmed.length === 0 || trimmed.length > 40) throw invalid('empty or overlong phone number');
    // `00` is the ITU international prefix (China, Europe); libphonenumber only reads it with a default region.
    const normalized = /^00[1-9]/.test(trimmed) ? `+${trimmed.slice(2)}` : trimmed;
    let region: CountryCode | undefined;
    if (options.defaultRegion !== undefined) {
      const upper = options.defaultRegion.toUpperCase();
      if (!isSupportedCountry(upper)) {
        throw new SmsError(
          'SMS_CONFIG_INVALID',
          `Unknown default region ${JSON.stringify(options.defaultRegion)}`,
        );
      }
      region = upper;
    }
    // libphonenumber decides whether the text carries a country code: `(+86)138…`, `tel:+86…` and
    // `+86 138…` all do. Guessing from the first character refused the first two.
    let parsed: LibPhoneNumber;
    try {
      parsed = parsePhoneNumberWithError(
        normalized,
        region === undefined ? undefined : { defaultCountry: region },
      );
    } catch (error) {
      throw invalid(parseErrorReason(error, region !== undefined || normalized.includes('+')), error);
    }
    const ok = options.validation === 'possible' ? parsed.isPossible() : parsed.isValid();
    if (!ok) throw invalid(`not a valid number for +${parsed.countryCallingCode}`);
    return new PhoneNumber(parsed);
  }

  /** Like `parse`, but returns undefined instead of throwing. */
  static tryParse(input: string, options: ParsePhoneNumberOptions = {}): PhoneNumber | undefined {
    try {
      return PhoneNumber.parse(input, options);
    } catch {
      return undefined;
    }
  }

  /** True for mainland China (+86); Hong Kong, Macau and Taiwan have their own codes. */
  get isMainlandChina(): boolean {
    return this.countryCallingCode === '86';
  }

  format(format: PhoneNumberFormat): string {
    switch (format) {
      case 'e164':
        return this.e164;
      case 'idd00':
        return `00${this.e164.slice(1)}`;
      case 'digits':
        return this.e164.slice(1);
      case 'national':
        return this.nationalNumber;
    }
  }

  toString(): string {
    return this.e164;
  }

  toJSON(): string {
    return this.e164;
  }
}

/** Upper-cases and checks an ISO 3166-1 alpha-2 region; throws `SMS_CONFIG_INVALID` for an unknown one. */
export function normalizeRegion(region: string): CountryCode {
  const upper = region.toUpperCase();
  if (!isSupportedCountry(upper)) {
    throw new SmsError('SMS_CONFIG_INVALID', `Unknown region ${JSON.stringify(region)}`);
  }
  return upper;
}

/** Shorthand for `PhoneNumber.parse`. */
export function parsePhoneNumber(
  input: string | PhoneNumber,
  options?: ParsePhoneNumberOptions,
): PhoneNumber {
  return PhoneNumber.parse(input, options);
}

/** libphonenumber's `ParseError` codes, in this package's words. */
function parseErrorReason(error: unknown, hasCountry: boolean): string {
  const code = error instanceof Error ? error.message : '';
  switch (code) {
    case 'INVALID_COUNTRY':
      return hasCountry
        ? 'unknown country calling code'
        : 'the number has no country code: write it as +<country code><number> or set defaultRegion';
    case 'NOT_A_NUMBER':
      return 'not a phone number';
    case 'TOO_SHORT':
      return 'too short';
    case 'TOO_LONG':
      return 'too long';
    case 'INVALID_LENGTH':
      return 'wrong length';
    default:
      return 'not a phone number (unparseable)';
  }
}

function invalid(reason: string, cause?: unknown): SmsError {
  // The number itself stays out of the message: phone numbers are personal data in most logs.
  return new SmsError('SMS_INVALID_NUMBER', `Invalid phone number: ${reason}`, { cause, retryable: false });
}
