// Basics: errors, time, randomness, HTTP.
export { createManualClock, systemClock } from './clock.js';
export type { Clock, ManualClock } from './clock.js';
export { CONFIG_ERROR_CODE, ConfigError } from './config-error.js';
export { isLingpaiError, LingpaiError } from './errors.js';
export type { LingpaiErrorOptions } from './errors.js';
export { HttpError, httpRequest, isRetryableStatus, parseJsonBody, requestJson } from './http-client.js';
export type { FetchLike, HttpErrorCode, HttpErrorOptions, HttpRequest, HttpResponse } from './http-client.js';
export { hexNonce, secureRandomBytes, uuidNonce } from './random.js';
export type { NonceSource, RandomBytes } from './random.js';

// Stores.
export { MEMORY_STORE_DEFAULT_MAX_ENTRIES, MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export type { CounterStore, KeyValueStore, Lock, LockStore, SharedStore } from './store.js';
export {
  assertKey,
  assertTtl,
  StoreArgumentError,
  StoreFullError,
  StoreUnavailableError,
  StoreValueError,
} from './store-errors.js';

// Signing.
export { ACS3_ALGORITHM, computeAcs3Authorization, signAliyunAcs3 } from './signing/aliyun-acs3.js';
export type {
  Acs3Authorization,
  Acs3CanonicalInput,
  AliyunAcs3Request,
  AliyunAcs3Signature,
} from './signing/aliyun-acs3.js';
export { computeAliyunRpcSignature, percentEncode, signAliyunRpc } from './signing/aliyun-rpc.js';
export type { AliyunCredentials, AliyunRpcRequest, AliyunRpcSignature } from './signing/aliyun-rpc.js';
export {
  API_KEY_SIGNATURE_ERROR_CODES,
  ApiKeySignatureError,
  SIGNING_ERROR_CODES,
  SignatureError,
} from './signing/errors.js';
export type { ApiKeySignatureErrorCode, SigningErrorCode } from './signing/errors.js';
export {
  computeHuaweiPasswordDigest,
  HUAWEI_WSSE_AUTHORIZATION,
  parseHuaweiWsseHeader,
  signHuaweiWsse,
  verifyHuaweiPasswordDigest,
} from './signing/huawei-wsse.js';
export type {
  HuaweiDigestEncoding,
  HuaweiWsseCredentials,
  HuaweiWsseOptions,
  HuaweiWsseSignature,
  HuaweiWsseToken,
} from './signing/huawei-wsse.js';
export type { SigningOptions } from './signing/options.js';
export { signTencentTc3, TC3_ALGORITHM, TC3_DEFAULT_CONTENT_TYPE } from './signing/tencent-tc3.js';
export type {
  Tc3SignedHeaders,
  TencentCredentials,
  TencentTc3Request,
  TencentTc3Signature,
} from './signing/tencent-tc3.js';
export { signAwsSigV4 } from './signing/aws-sigv4.js';
export type {
  AwsCredentials,
  AwsSigV4Options,
  AwsSigV4Request,
  AwsSigV4Signature,
} from './signing/aws-sigv4.js';
export type { HeaderInput, QueryInput } from './signing/internal/canonical.js';
export type { SignableBody } from './signing/internal/encoding.js';
export { signVolcengine } from './signing/volcengine.js';
export type { VolcengineCredentials, VolcengineRequest, VolcengineSignature } from './signing/volcengine.js';
export {
  API_KEY_CANONICAL_VERSION,
  API_KEY_DEFAULTS,
  apiKeyCanonicalString,
  createApiKeyVerifier,
  DEFAULT_API_KEY_HEADERS,
  signApiKeyRequest,
} from './signing/api-key.js';
export type {
  ApiKeyAlgorithm,
  ApiKeyCredentials,
  ApiKeyHeaderNames,
  ApiKeyIncomingRequest,
  ApiKeyNonceStore,
  ApiKeyRequest,
  ApiKeySignature,
  ApiKeySignOptions,
  ApiKeyVerifier,
  ApiKeyVerifierOptions,
} from './signing/api-key.js';
export { legacyPresets } from './signing/api-key-legacy.js';
export type { LegacyPreset, LegacyPresetName, LegacySignInput } from './signing/api-key-legacy.js';
export { basicAuthorization, parseBasicAuthorization } from './signing/http-basic.js';
export { computeTwilioSignature, verifyTwilioSignature } from './signing/twilio-webhook.js';
export type { TwilioParams, VerifyTwilioSignatureInput } from './signing/twilio-webhook.js';

// Token cache.
export { TOKEN_CACHE_DEFAULTS, TokenCache } from './token-cache.js';
export type {
  FetchedToken,
  TokenCacheOptions,
  TokenCacheRetryOptions,
  TokenEntry,
  TokenFetchContext,
} from './token-cache.js';
export { TOKEN_CACHE_ERROR_CODES, TokenCacheError } from './token-cache-errors.js';
export type { TokenCacheErrorCode, TokenCacheErrorOptions } from './token-cache-errors.js';
export type { TokenCacheErrorStage, TokenCacheEvent, TokenFetchReason } from './token-cache-events.js';
