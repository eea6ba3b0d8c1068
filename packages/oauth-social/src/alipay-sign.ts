import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

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
 * The exact bytes of `"<node>": { … }` in a gateway response: Alipay signs the raw JSON text of the
 * response node, so re-serializing the parsed object would not verify. Returns undefined if absent.
 */
export function extractAlipayResponseNode(text: string, node: string): string | undefined {
  const marker = `"${node}"`;
  let index = text.indexOf(marker);
  if (index < 0) return undefined;
  index += marker.length;
  while (index < text.length && /[\s:]/.test(text.charAt(index))) index += 1;
  const start = index;
  const open = text.charAt(start);
  if (open !== '{' && open !== '[') return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
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
