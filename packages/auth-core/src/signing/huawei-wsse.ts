// Huawei Cloud SMS (MSGSMS) WSSE UsernameToken authentication.
// Doc: support.huaweicloud.com/api-msgsms/sms_05_0046 (see shared reference §2.6).
import { createHash } from 'node:crypto';
import { systemClock } from '../clock.js';
import { hexNonce } from '../random.js';
import { constantTimeEqual, isoSeconds } from './internal/encoding.js';
import { type KeyPairFields, requireKeyPair } from './internal/key-pair.js';
import type { SigningOptions } from './options.js';

export const HUAWEI_WSSE_AUTHORIZATION = 'WSSE realm="SDP",profile="UsernameToken",type="Appkey"';

/**
 * How the SHA-256 digest becomes `PasswordDigest`.
 * - `hex-base64` (default): Base64 of the lowercase *hex* digest text. The doc's formula says
 *   Base64(SHA256(...)), but its own example digest decodes to 64 hex characters, and Huawei's demo
 *   code and easy-sms do exactly this; it is what the platform accepts.
 * - `base64`: Base64 of the 32 raw digest bytes (what the formula literally says; SMS4J does this).
 */
export type HuaweiDigestEncoding = 'hex-base64' | 'base64';

const HUAWEI_KEY_PAIR: KeyPairFields<'appKey', 'appSecret'> = { id: 'appKey', secret: 'appSecret' };

export interface HuaweiWsseCredentials {
  appKey: string;
  appSecret: string;
}

export interface HuaweiWsseOptions extends SigningOptions {
  digestEncoding?: HuaweiDigestEncoding;
}

export interface HuaweiWsseSignature {
  headers: { Authorization: string; 'X-WSSE': string };
  passwordDigest: string;
  nonce: string;
  /** `yyyy-MM-ddTHH:mm:ssZ`, UTC. */
  created: string;
}

export interface HuaweiWsseToken {
  username: string;
  passwordDigest: string;
  nonce: string;
  created: string;
}

/** `PasswordDigest` for a nonce, a creation time and the app secret. */
export function computeHuaweiPasswordDigest(
  nonce: string,
  created: string,
  appSecret: string,
  encoding: HuaweiDigestEncoding = 'hex-base64',
): string {
  const hash = createHash('sha256').update(nonce + created + appSecret);
  return encoding === 'base64'
    ? hash.digest('base64')
    : Buffer.from(hash.digest('hex'), 'latin1').toString('base64');
}

/** Builds the `Authorization` and `X-WSSE` headers for one request (a fresh nonce each time). */
export function signHuaweiWsse(
  credentials: HuaweiWsseCredentials,
  options: HuaweiWsseOptions = {},
): HuaweiWsseSignature {
  const owner = 'signHuaweiWsse';
  const { appKey, appSecret } = requireKeyPair(credentials, owner, HUAWEI_KEY_PAIR);
  const nonce = (options.nonce ?? (() => hexNonce(16)))();
  const created = isoSeconds((options.clock ?? systemClock).now());
  const passwordDigest = computeHuaweiPasswordDigest(nonce, created, appSecret, options.digestEncoding);
  return {
    headers: {
      Authorization: HUAWEI_WSSE_AUTHORIZATION,
      'X-WSSE': `UsernameToken Username="${appKey}",PasswordDigest="${passwordDigest}",Nonce="${nonce}",Created="${created}"`,
    },
    passwordDigest,
    nonce,
    created,
  };
}

const WSSE_FIELD = /(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g;

/** Parses an `X-WSSE` header (quoted or bare values); `undefined` unless all four fields are present. */
export function parseHuaweiWsseHeader(header: string): HuaweiWsseToken | undefined {
  const trimmed = header.trim();
  if (!trimmed.startsWith('UsernameToken')) return undefined;
  const fields = new Map<string, string>();
  for (const match of trimmed.slice('UsernameToken'.length).matchAll(WSSE_FIELD)) {
    fields.set((match[1] as string).toLowerCase(), match[2] ?? match[3] ?? '');
  }
  const username = fields.get('username');
  const passwordDigest = fields.get('passworddigest');
  const nonce = fields.get('nonce');
  const created = fields.get('created');
  if (!username || !passwordDigest || !nonce || !created) return undefined;
  return { username, passwordDigest, nonce, created };
}

/** Server side: recomputes the digest of a parsed token and compares in constant time. */
export function verifyHuaweiPasswordDigest(
  token: HuaweiWsseToken,
  appSecret: string,
  encoding: HuaweiDigestEncoding = 'hex-base64',
): boolean {
  return constantTimeEqual(
    token.passwordDigest,
    computeHuaweiPasswordDigest(token.nonce, token.created, appSecret, encoding),
  );
}
