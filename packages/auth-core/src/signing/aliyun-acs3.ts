// Aliyun signature V3 (ACS3-HMAC-SHA256). Algorithm: help.aliyun.com/zh/sdk/product-overview/
// v3-request-structure-and-signature (see shared reference §2.2).
import { systemClock } from '../clock.js';
import { hexNonce } from '../random.js';
import { ALIYUN_KEY_PAIR, type AliyunCredentials } from './aliyun-rpc.js';
import { requireCredential, requireInput, requireRequestObject } from './errors.js';
import {
  buildCanonicalRequest,
  type CanonicalHeaders,
  canonicalQuerySortedRaw,
  collectHeaders,
  encodeRawPath,
  formatCanonicalHeaders,
  type HeaderInput,
  type QueryInput,
} from './internal/canonical.js';
import { hmacHex, isoSeconds, type SignableBody, sha256Hex } from './internal/encoding.js';
import { requireKeyPair } from './internal/key-pair.js';
import type { SigningOptions } from './options.js';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface AliyunAcs3Request {
  method: string;
  /** e.g. `dysmsapi.aliyuncs.com`. */
  host: string;
  /** Raw (unencoded) path; `/` for RPC-style APIs. */
  path?: string;
  query?: QueryInput;
  /** Extra headers; `content-type` and every `x-acs-*` header are signed. */
  headers?: Readonly<Record<string, string>>;
  body?: SignableBody;
  /** `x-acs-action`, e.g. `SendSms`. */
  action: string;
  /** `x-acs-version`, e.g. `2017-05-25`. */
  version: string;
}

export interface AliyunAcs3Signature {
  /** Everything to send, lower-case names: the caller's headers plus host, x-acs-*, authorization. */
  headers: Record<string, string>;
  canonicalQuery: string;
  canonicalRequest: string;
  stringToSign: string;
  /** Lowercase hex HMAC-SHA256. */
  signature: string;
}

/** The request fields the low-level signer reads, with the SDK's own looseness (all optional). */
export interface Acs3CanonicalInput {
  /** Used verbatim; Aliyun's SDK signs the text `undefined` when it is missing, and so does this. */
  method?: string;
  /** Canonical URI, already encoded; missing gives an empty line, as in Aliyun's SDK. */
  pathname?: string;
  query?: QueryInput;
  headers?: HeaderInput;
}

export interface Acs3Authorization {
  authorization: string;
  canonicalRequest: string;
  canonicalQuery: string;
  signedHeaders: string;
  stringToSign: string;
  signature: string;
}

function isSignedAcs3Header(lowerName: string): boolean {
  return lowerName === 'host' || lowerName === 'content-type' || lowerName.startsWith('x-acs-');
}

// Same-name headers (differing only in case): values trimmed, sorted, comma-joined (Vector F).
function joinSortedTrimmed(values: string[]): string {
  if (values.length === 1) return (values[0] as string).trim();
  return values
    .map((value) => value.trim())
    .sort()
    .join(',');
}

/**
 * The ACS3 `Authorization` of a request whose headers are already complete: what Aliyun's
 * `OpenApiUtil.getAuthorization(request, 'ACS3-HMAC-SHA256', hashedPayload, ak, sk)` computes for
 * an encoded path (`OpenApiUtil.getEncodePath`, or what `signAliyunAcs3` sends).
 *
 * One documented difference: `pathname` is used as given. The SDK first rewrites the FIRST `+`,
 * `*` and `%7E` of the path (`String#replace` with a string pattern), a no-op on any encoder's
 * output; on a hand-encoded path it would sign neither the path sent nor the doc's rule (every
 * occurrence), so it is not copied (test: signing-official-sdks "documented differences").
 */
export function computeAcs3Authorization(
  request: Acs3CanonicalInput,
  hashedPayload: string,
  accessKeyId: string,
  accessKeySecret: string,
): Acs3Authorization {
  requireCredential(
    accessKeySecret,
    'accessKeySecret',
    'computeAcs3Authorization',
    ALIYUN_KEY_PAIR.secretEnv,
  );
  const canonicalQuery = canonicalQuerySortedRaw(request.query);
  const headers: CanonicalHeaders = formatCanonicalHeaders(
    collectHeaders(request.headers, isSignedAcs3Header),
    joinSortedTrimmed,
  );
  const canonicalRequest = buildCanonicalRequest(
    String(request.method),
    request.pathname ?? '',
    canonicalQuery,
    headers,
    hashedPayload,
  );
  const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  const signature = hmacHex('sha256', accessKeySecret, stringToSign);
  return {
    authorization: `${ACS3_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${headers.signed},Signature=${signature}`,
    canonicalRequest,
    canonicalQuery,
    signedHeaders: headers.signed,
    stringToSign,
    signature,
  };
}

/**
 * Signs an ACS3 request. `x-acs-date` and `x-acs-signature-nonce` come from the clock and nonce
 * options unless the caller's headers already carry them (how a server-side check reproduces one).
 */
export function signAliyunAcs3(
  request: AliyunAcs3Request,
  credentials: AliyunCredentials,
  options: SigningOptions = {},
): AliyunAcs3Signature {
  const owner = 'signAliyunAcs3';
  requireRequestObject(request, owner);
  const { accessKeyId, accessKeySecret: secret } = requireKeyPair(credentials, owner, ALIYUN_KEY_PAIR);
  const host = requireInput(request.host, 'host', owner);
  const action = requireInput(request.action, 'action', owner);
  const version = requireInput(request.version, 'version', owner);
  const method = requireInput(request.method, 'method', owner).toUpperCase();

  const headers: Record<string, string> = {};
  if (request.headers !== undefined) {
    for (const name in request.headers) {
      const value = request.headers[name];
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
  }
  const payloadHash = sha256Hex(request.body ?? '');
  headers['host'] = host;
  headers['x-acs-action'] = action;
  headers['x-acs-version'] = version;
  headers['x-acs-date'] ??= isoSeconds((options.clock ?? systemClock).now());
  headers['x-acs-signature-nonce'] ??= (options.nonce ?? (() => hexNonce(16)))();
  headers['x-acs-content-sha256'] = payloadHash;
  if (credentials.securityToken) headers['x-acs-security-token'] = credentials.securityToken;
  delete headers['authorization'];

  const result = computeAcs3Authorization(
    { method, pathname: encodeRawPath(request.path ?? '/'), query: request.query, headers },
    payloadHash,
    accessKeyId,
    secret,
  );
  headers['authorization'] = result.authorization;
  return {
    headers,
    canonicalQuery: result.canonicalQuery,
    canonicalRequest: result.canonicalRequest,
    stringToSign: result.stringToSign,
    signature: result.signature,
  };
}
