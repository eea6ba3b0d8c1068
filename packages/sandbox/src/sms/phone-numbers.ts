/**
 * Recipient numbers as the providers accept them, turned into E.164. The sandbox is not a
 * numbering plan: it checks the shape (country code + subscriber digits) and, for +86, the
 * mainland mobile format, which is what the providers reject most often in practice.
 */

const E164 = /^\+[1-9]\d{6,14}$/;
const CN_MOBILE = /^1[3-9]\d{9}$/;

/** `+8613800138000`, or undefined when the shape is wrong. */
export function toE164(digitsWithCountryCode: string): string | undefined {
  const candidate = `+${digitsWithCountryCode}`;
  if (!E164.test(candidate)) return undefined;
  if (candidate.startsWith('+86') && !CN_MOBILE.test(candidate.slice(3))) return undefined;
  // North America (+1): always ten digits after the country code.
  if (candidate.startsWith('+1') && candidate.length !== 12) return undefined;
  return candidate;
}

/**
 * Aliyun and Tencent (domestic): `+86…`, `0086…`, `86…` or the bare 11-digit mainland number;
 * international numbers as `+cc…` or `00cc…` (Aliyun also takes `cc…` without a prefix).
 */
export function parseChinaFirstNumber(raw: string): string | undefined {
  const value = raw.trim();
  if (value.startsWith('+')) return toE164(value.slice(1));
  if (value.startsWith('00')) return toE164(value.slice(2));
  if (CN_MOBILE.test(value)) return toE164(`86${value}`);
  if (/^\d+$/.test(value)) return toE164(value);
  return undefined;
}

/** Providers that take `+E.164` only (Twilio, Huawei, AWS SNS). */
export function parsePlusE164(raw: string): string | undefined {
  const value = raw.trim();
  return value.startsWith('+') ? toE164(value.slice(1)) : undefined;
}

/** Providers that take digits with the country code and an optional `+` (Mocean, Vonage). */
export function parseDigitsNumber(raw: string): string | undefined {
  const value = raw.trim();
  return toE164(value.startsWith('+') ? value.slice(1) : value);
}
