import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { readTopLevelMembers } from './internal/json-members.js';

/**
 * The string Alipay signs: every parameter except `sign` (and empty values), sorted by key in
 * ASCII order, joined as `key=value` with `&`, values NOT URL-encoded.
 */
export function alipaySignContent(params: Record<string, string | undefined>): string {
  return Object.keys(params)
    .filter((key) => key !== 'sign' && params[key] !== undefined && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

function pemBody(key: string, label: string): string {
  const lines = key.replace(/\s+/g, '').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Accepts a PEM or the bare base64 key the Alipay console hands out (PKCS#8 or PKCS#1). */
export function loadAlipayPrivateKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  if (key.includes('-----BEGIN')) return createPrivateKey(key);
  try {
    return createPrivateKey(pemBody(key, 'PRIVATE KEY'));
  } catch {
    return createPrivateKey(pemBody(key, 'RSA PRIVATE KEY'));
  }
}

/** Accepts a PEM or the bare base64 (SubjectPublicKeyInfo) Alipay public key. */
export function loadAlipayPublicKey(key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  return createPublicKey(key.includes('-----BEGIN') ? key : pemBody(key, 'PUBLIC KEY'));
}

/** RSA2 = SHA256withRSA (PKCS#1 v1.5) over the UTF-8 content, base64. */
export function signAlipayRsa2(content: string, privateKey: string | KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(loadAlipayPrivateKey(privateKey), 'base64');
}

export function verifyAlipayRsa2(content: string, signature: string, publicKey: string | KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(content, 'utf8')
      .verify(loadAlipayPublicKey(publicKey), signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * The exact text of the `node` member of a gateway response: Alipay signs the raw JSON text of the
 * response node, so re-serializing the parsed object would not verify. Only a direct member of the
 * top-level object counts (never a same-named key nested in another value or inside a string), and
 * a response with any top-level key twice has no answer (a signed node followed by a forged one of
 * the same name is the classic wrapping attack). Undefined if absent, ambiguous, not an object, or
 * not one well-formed JSON object.
 */
export function extractAlipayResponseNode(text: string, node: string): string | undefined {
  const read = readTopLevelMembers(text);
  if (!read.ok) return undefined;
  const value = read.members.get(node);
  return value?.startsWith('{') === true ? value : undefined;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8, no DST), the gateway's `timestamp` format. */
export function alipayTimestamp(epochMs: number): string {
  const beijing = new Date(epochMs + 8 * 3_600_000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${beijing.getUTCFullYear()}-${pad(beijing.getUTCMonth() + 1)}-${pad(beijing.getUTCDate())} ` +
    `${pad(beijing.getUTCHours())}:${pad(beijing.getUTCMinutes())}:${pad(beijing.getUTCSeconds())}`
  );
}
