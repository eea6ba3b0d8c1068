import { domainToASCII } from 'node:url';
import { isLingpaiError } from '@lingpai/auth-core';
import { parsePhoneNumber } from '@lingpai/sms';
import { OtpError } from './errors.js';

/** A recipient after normalization: the only form that is ever keyed, hashed or delivered to. */
export type Recipient =
  | {
      kind: 'phone' /** E.164 */;
      address: string /** ISO region, when the number has one. */;
      country?: string;
    }
  | { kind: 'email' /** lower-case local part, ASCII (punycode) domain */; address: string }
  | { kind: 'custom'; address: string };

export type RecipientKind = Recipient['kind'];

export interface PhoneOptions {
  /** Region for numbers written without `+` / `00`, e.g. `CN`. Without it such numbers are refused. */
  defaultRegion?: string;
}

/**
 * E.164 through `@lingpai/sms` (libphonenumber metadata): `+86 138-0013-8000`, `0086 13800138000` and,
 * with `defaultRegion: 'CN'`, `13800138000` all become `+8613800138000`, so re-formatting a number
 * never buys a fresh set of caps.
 */
export function normalizePhone(input: string, options: PhoneOptions = {}): Recipient & { kind: 'phone' } {
  try {
    const phone = parsePhoneNumber(
      input,
      options.defaultRegion === undefined ? {} : { defaultRegion: options.defaultRegion },
    );
    return phone.region === undefined
      ? { kind: 'phone', address: phone.e164 }
      : { kind: 'phone', address: phone.e164, country: phone.region };
  } catch (error) {
    if (isLingpaiError(error, 'SMS_CONFIG_INVALID')) {
      throw new OtpError('OTP_INVALID_ARGUMENT', error.message, { cause: error });
    }
    throw new OtpError('OTP_INVALID_RECIPIENT', 'Not a valid phone number', { cause: error });
  }
}

const LOCAL_FORBIDDEN = /[\s\p{Cc}\p{Cf}"(),:;<>@[\\\]]/u;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Email addresses compared the way people expect: trimmed, NFKC (full-width `ａ＠ｂ．ｃｏｍ` is the
 * same as `a@b.com`), local part lower-cased (every large provider ignores case there), domain
 * through IDNA to punycode (`用户@例子.中国` and its punycode spelling are one recipient).
 */
export function normalizeEmail(input: string): Recipient & { kind: 'email' } {
  const bad = (reason: string) =>
    new OtpError('OTP_INVALID_RECIPIENT', `Not a valid email address: ${reason}`);
  if (typeof input !== 'string') throw bad('not a string');
  const text = input.normalize('NFKC').trim();
  if (text.length === 0 || text.length > 320) throw bad('empty or too long');
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw bad('expected local@domain');
  const local = text.slice(0, at).toLowerCase();
  const domainInput = text
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  if (Buffer.byteLength(local) > 64) throw bad('local part longer than 64 bytes');
  if (LOCAL_FORBIDDEN.test(local)) throw bad('forbidden character in the local part');
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) throw bad('misplaced dot');
  const domain = domainToASCII(domainInput);
  if (domain === '' || domain.length > 253) throw bad('invalid domain');
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) throw bad('invalid domain');
  const address = `${local}@${domain}`;
  if (Buffer.byteLength(address) > 254) throw bad('longer than 254 bytes');
  return { kind: 'email', address };
}

// Gmail ignores dots in the local part and serves googlemail.com (its old name in DE and UK) as the
// same mailbox; Google Workspace domains do not ignore dots, so only these two domains.
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The form send limits, the resend cooldown and the "latest code" pointer are keyed on: one key per
 * mailbox rather than per spelling, so `alice+1@…`, `alice+2@…` and Gmail's `a.lice@googlemail.com`
 * do not each buy a fresh cooldown and cap. Never used for delivery or returned by `redeem`: the code
 * goes to, and proves, the address as typed (after `normalizeEmail`).
 *
 * - `+tag` is dropped on **every** domain. Gmail, Outlook.com/Hotmail/Live, iCloud, Fastmail, Proton
 *   and Exchange Online document `+` sub-addressing; elsewhere two `+` addresses may be distinct
 *   mailboxes, and counting them as one only makes a cap stricter (the safe side).
 * - Dots are removed and `googlemail.com` becomes `gmail.com` for Gmail only.
 * - Not folded: Yahoo's `base-keyword` disposable addresses and Fastmail's `user@alias.fastmail.com`
 *   subdomain form (a `-` or a subdomain is ordinary elsewhere), nor catch-all domains.
 *
 * `address` must already be normalized (`normalizeEmail(...).address`).
 */
export function foldEmailForLimits(address: string): string {
  const at = address.lastIndexOf('@');
  let local = address.slice(0, at);
  let domain = address.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    domain = 'gmail.com';
    local = local.replaceAll('.', '');
  }
  return `${local}@${domain}`;
}
