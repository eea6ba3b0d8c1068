// Presets for the simple API-key signatures many SMS gateways and in-house APIs already use, e.g.
// `signature = sha256(api_key + timestamp + api_secret)`. They sign no method, path or body, so they
// only prove the caller knows the secret: pair `verify` with a timestamp window and a nonce store
// (or move to `signApiKeyRequest`).
import { createHash } from 'node:crypto';
import { SIGNING_ERROR_CODES, SignatureError } from './errors.js';
import { constantTimeEqual, hmacHex } from './internal/encoding.js';

export interface LegacySignInput {
  apiKey: string;
  apiSecret: string;
  /** As sent by the caller (usually unix seconds or milliseconds). */
  timestamp: string;
  /** Only for presets that sign a nonce. */
  nonce?: string;
}

export interface LegacyPreset {
  /** The formula, as documentation. */
  readonly formula: string;
  /** Lowercase hex signature. */
  sign(input: LegacySignInput): string;
  /** Constant-time check of a received signature (hex, any case). */
  verify(input: LegacySignInput & { signature: string }): boolean;
}

function preset(formula: string, sign: (input: LegacySignInput) => string): LegacyPreset {
  return {
    formula,
    sign,
    verify: (input) => constantTimeEqual(input.signature.toLowerCase(), sign(input)),
  };
}

function concatDigest(algorithm: string) {
  return (input: LegacySignInput) =>
    createHash(algorithm)
      .update(input.apiKey + input.timestamp + input.apiSecret, 'utf8')
      .digest('hex');
}

export const legacyPresets = {
  /** hex(sha256(apiKey + timestamp + apiSecret)). */
  sha256KeyTimestampSecret: preset('hex(sha256(apiKey + timestamp + apiSecret))', concatDigest('sha256')),
  /** hex(md5(apiKey + timestamp + apiSecret)); MD5 is weak, keep it only for an API that demands it. */
  md5KeyTimestampSecret: preset('hex(md5(apiKey + timestamp + apiSecret))', concatDigest('md5')),
  /** hex(HMAC-SHA256(apiSecret, timestamp + "\n" + nonce)). */
  hmacSha256TimestampNonce: preset('hex(hmac_sha256(apiSecret, timestamp + "\\n" + nonce))', (input) => {
    if (input.nonce === undefined || input.nonce.length === 0) {
      throw new SignatureError(
        SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
        'this preset signs a nonce; none given',
      );
    }
    return hmacHex('sha256', input.apiSecret, `${input.timestamp}\n${input.nonce}`);
  }),
} as const satisfies Record<string, LegacyPreset>;

export type LegacyPresetName = keyof typeof legacyPresets;
