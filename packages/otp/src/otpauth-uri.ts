import { base32Decode, base32Encode, normalizeBase32 } from './base32.js';
import { OtpError } from './errors.js';
import { assertAlgorithm, assertDigits, type OtpAlgorithm, toCounter } from './hotp.js';
import { type OtpSecret, secretBytes } from './secret.js';
import { MAX_TOTP_PERIOD, MIN_TOTP_PERIOD } from './totp.js';

/** What an otpauth:// URI carries (Google Authenticator "Key Uri Format"). */
export interface OtpAuthParams {
  type: 'totp' | 'hotp';
  /** The account name shown in the app, e.g. an email address. No colon. */
  account: string;
  /** Who the account is with, e.g. `Lingpai`. No colon. Written both in the label and as `issuer=`. */
  issuer?: string;
  /** The key bytes, or base32 text (written to the URI in canonical upper-case base32). */
  secret: OtpSecret;
  algorithm?: OtpAlgorithm;
  digits?: number;
  /** TOTP only; default 30, 15 to 300. */
  period?: number;
  /** HOTP only, required there. */
  counter?: number | bigint;
  /** Shortest secret accepted, bytes; default 16, at least 10 (see `HotpOptions.minSecretBytes`). */
  minSecretBytes?: number;
}

export interface ParseOtpAuthOptions {
  /**
   * Shortest secret accepted, bytes. Default 16 (RFC 4226 §4). Pass 10 to import the 80-bit secrets
   * many older enrolments carry; shorter ones are always `OTP_SECRET_TOO_SHORT`.
   */
  minSecretBytes?: number;
}

export interface ParsedOtpAuth {
  type: 'totp' | 'hotp';
  account: string;
  issuer?: string;
  secret: Uint8Array;
  algorithm: OtpAlgorithm;
  digits: number;
  period?: number;
  counter?: bigint;
}

function invalid(reason: string): OtpError {
  return new OtpError('OTP_INVALID_URI', `Invalid otpauth URI: ${reason}`);
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded, spaces as %20 (not "+",
// which several apps show literally).
function encodePart(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw invalid('issuer and account must be well-formed Unicode (no lone surrogates)');
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Builds `otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30`. */
export function buildOtpAuthUri(params: OtpAuthParams): string {
  const { type, account, issuer } = params;
  if (type !== 'totp' && type !== 'hotp') throw invalid('type must be totp or hotp');
  if (account.length === 0) throw invalid('account must not be empty');
  if (account.includes(':')) throw invalid('account must not contain ":" (it separates issuer and account)');
  // Parsers drop spaces after the separator, so a leading space could not survive a round trip.
  if (account.startsWith(' ')) throw invalid('account must not start with a space');
  if (issuer?.includes(':')) throw invalid('issuer must not contain ":"');
  // A URI hands the key to an app for years: refuse a weak one here, not at the first login.
  const key = secretBytes(params.secret, params.minSecretBytes);
  const algorithm = params.algorithm ?? 'SHA1';
  const digits = params.digits ?? 6;
  assertAlgorithm(algorithm);
  assertDigits(digits);
  const label =
    issuer === undefined || issuer === ''
      ? encodePart(account)
      : `${encodePart(issuer)}:${encodePart(account)}`;
  const query = [`secret=${base32Encode(key)}`];
  if (issuer !== undefined && issuer !== '') query.push(`issuer=${encodePart(issuer)}`);
  query.push(`algorithm=${algorithm}`, `digits=${digits}`);
  if (type === 'totp') {
    const period = params.period ?? 30;
    if (!validPeriod(period))
      throw invalid(`period must be ${MIN_TOTP_PERIOD} to ${MAX_TOTP_PERIOD} seconds`);
    query.push(`period=${period}`);
  } else {
    if (params.counter === undefined) throw invalid('hotp needs a counter');
    query.push(`counter=${toCounter(params.counter).toString()}`);
  }
  return `otpauth://${type}/${label}?${query.join('&')}`;
}

function decode(value: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? value.replace(/\+/g, ' ') : value);
  } catch {
    throw invalid('bad percent-encoding');
  }
}

/**
 * Parses an otpauth URI. Accepts `:` or `%3A` between issuer and account, spaces after it, a secret in
 * any letter case with or without padding; refuses an `issuer=` that contradicts the label, repeated
 * parameters, and anything the key cannot be used with.
 */
export function parseOtpAuthUri(uri: string, options: ParseOtpAuthOptions = {}): ParsedOtpAuth {
  const match = /^otpauth:\/\/(totp|hotp)\/([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(uri.trim());
  if (match === null) throw invalid('expected otpauth://totp/… or otpauth://hotp/…');
  const type = (match[1] ?? '').toLowerCase() as 'totp' | 'hotp';
  const label = decode(match[2] ?? '', false);
  const params = new Map<string, string>();
  for (const pair of (match[3] ?? '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), true).toLowerCase();
    if (params.has(name)) throw invalid(`parameter ${name} appears twice`);
    params.set(name, decode(eq < 0 ? '' : pair.slice(eq + 1), true));
  }
  const colon = label.indexOf(':');
  const labelIssuer = colon < 0 ? undefined : label.slice(0, colon);
  const account = colon < 0 ? label : label.slice(colon + 1).replace(/^ +/, '');
  if (account === '') throw invalid('the label has no account name');
  const paramIssuer = params.get('issuer');
  if (
    labelIssuer !== undefined &&
    paramIssuer !== undefined &&
    paramIssuer !== '' &&
    paramIssuer !== labelIssuer
  ) {
    throw invalid('issuer parameter and label prefix differ');
  }
  const issuer = paramIssuer !== undefined && paramIssuer !== '' ? paramIssuer : labelIssuer;
  const rawSecret = params.get('secret');
  if (rawSecret === undefined || rawSecret === '') throw invalid('missing secret');
  let secret: Uint8Array;
  try {
    secret = base32Decode(normalizeBase32(rawSecret));
  } catch {
    throw invalid('secret is not base32');
  }
  secretBytes(secret, options.minSecretBytes);
  const algorithm = (params.get('algorithm') ?? 'SHA1').toUpperCase();
  try {
    assertAlgorithm(algorithm);
  } catch {
    throw invalid(`unsupported algorithm ${JSON.stringify(algorithm)}`);
  }
  const digits = integerParam(params.get('digits'), 6, 'digits');
  if (digits < 6 || digits > 8) throw invalid('digits must be 6, 7 or 8');
  const result: ParsedOtpAuth = { type, account, secret, algorithm, digits };
  if (issuer !== undefined && issuer !== '') result.issuer = issuer;
  if (type === 'totp') {
    const period = integerParam(params.get('period'), 30, 'period');
    if (!validPeriod(period))
      throw invalid(`period must be ${MIN_TOTP_PERIOD} to ${MAX_TOTP_PERIOD} seconds`);
    result.period = period;
  } else {
    const counter = params.get('counter');
    if (counter === undefined || !/^\d{1,20}$/.test(counter)) throw invalid('hotp needs a decimal counter');
    const value = BigInt(counter);
    if (value > 0xffff_ffff_ffff_ffffn) throw invalid('counter exceeds 64 bits');
    result.counter = value;
  }
  return result;
}

function validPeriod(period: number): boolean {
  return Number.isInteger(period) && period >= MIN_TOTP_PERIOD && period <= MAX_TOTP_PERIOD;
}

function integerParam(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw invalid(`${name} must be a decimal integer`);
  return Number(value);
}
