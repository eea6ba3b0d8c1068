// Presets for the simple API-key signatures many SMS gateways and in-house APIs already use, e.g.
// `signature = sha256(api_key + timestamp + api_secret)`. They sign no method, path or body, so they
// only prove the caller knows the secret: pair `verify` with a timestamp window and a nonce store
// (or move to `signApiKeyRequest`).
import { createHash } from 'node:crypto';
import {
  API_KEY_SIGNATURE_ERROR_CODES,
  ApiKeySignatureError,
  requireCredential,
  SIGNING_ERROR_CODES,
  SignatureError,
} from './errors.js';
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
  /**
   * Lowercase hex signature. Throws `SIGNATURE_MISSING_CREDENTIALS` for an empty `apiSecret` (or
   * `apiKey`, where the formula has one) and `SIGNATURE_INVALID_INPUT` for a missing timestamp/nonce.
   */
  sign(input: LegacySignInput): string;
  /**
   * Constant-time check of a received signature (hex, any case): `false` if it does not match.
   * A missing or empty signature, key, timestamp or nonce throws `ApiKeySignatureError`
   * (`SIGNATURE_MISSING_HEADER`): a refusal, never a `TypeError`. An empty `apiSecret` throws
   * `SIGNATURE_MISSING_CREDENTIALS`, since with it anyone could compute every signature.
   */
  verify(input: LegacySignInput & { signature: string }): boolean;
}

const present = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function requireSecret(input: LegacySignInput): void {
  requireCredential(input?.apiSecret, 'apiSecret', 'legacyPresets');
}

function preset(
  formula: string,
  usesKey: boolean,
  usesNonce: boolean,
  compute: (input: LegacySignInput) => string,
): LegacyPreset {
  return {
    formula,
    sign(input) {
      requireSecret(input);
      if (usesKey && !present(input.apiKey)) {
        requireCredential(input.apiKey, 'apiKey', 'legacyPresets');
      }
      if (!present(input.timestamp) || (usesNonce && !present(input.nonce))) {
        throw new SignatureError(
          SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
          usesNonce ? 'this preset signs a timestamp and a nonce; one is missing' : 'timestamp is missing',
        );
      }
      return compute(input);
    },
    verify(input) {
      requireSecret(input);
      if (
        !present(input.signature) ||
        !present(input.timestamp) ||
        (usesKey && !present(input.apiKey)) ||
        (usesNonce && !present(input.nonce))
      ) {
        throw new ApiKeySignatureError(
          API_KEY_SIGNATURE_ERROR_CODES.SIGNATURE_MISSING_HEADER,
          'the signature, key, timestamp or nonce is missing or empty',
        );
      }
      return constantTimeEqual(input.signature.toLowerCase(), compute(input));
    },
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
  sha256KeyTimestampSecret: preset(
    'hex(sha256(apiKey + timestamp + apiSecret))',
    true,
    false,
    concatDigest('sha256'),
  ),
  /** hex(md5(apiKey + timestamp + apiSecret)); MD5 is weak, keep it only for an API that demands it. */
  md5KeyTimestampSecret: preset('hex(md5(apiKey + timestamp + apiSecret))', true, false, concatDigest('md5')),
  /** hex(HMAC-SHA256(apiSecret, timestamp + "\n" + nonce)). */
  hmacSha256TimestampNonce: preset(
    'hex(hmac_sha256(apiSecret, timestamp + "\\n" + nonce))',
    false,
    true,
    (input) => hmacHex('sha256', input.apiSecret, `${input.timestamp}\n${input.nonce}`),
  ),
} as const satisfies Record<string, LegacyPreset>;

export type LegacyPresetName = keyof typeof legacyPresets;
