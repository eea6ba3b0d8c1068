// Aliyun RPC signature v1 (HMAC-SHA1), e.g. Dysmsapi SendSms 2017-05-25.
// Algorithm: help.aliyun.com/document_detail/56189.html (see shared reference §2.1).
import { systemClock } from '../clock.js';
import { uuidNonce } from '../random.js';
import { requireCredential, requireInput, requireRequestObject } from './errors.js';
import { canonicalQuerySortedRaw } from './internal/canonical.js';
import { hmacBase64, isoSeconds, percentEncode } from './internal/encoding.js';
import { type KeyPairFields, requireKeyPair } from './internal/key-pair.js';
import type { SigningOptions } from './options.js';

export { percentEncode } from './internal/encoding.js';

/**
 * The AccessKey pair as both Aliyun signers (RPC and ACS3) check it, with the environment variables
 * Aliyun's own SDKs and CLI read it from (named in errors). Plain strings, not references to another
 * constant: a bundler cannot drop an object that reads a property, and every one-signer bundle kept it.
 */
export const ALIYUN_KEY_PAIR = {
  id: 'accessKeyId',
  secret: 'accessKeySecret',
  idEnv: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  secretEnv: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
} as const satisfies KeyPairFields<'accessKeyId', 'accessKeySecret'>;

/** An Aliyun AccessKey pair; `securityToken` for STS temporary credentials. */
export interface AliyunCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface AliyunRpcRequest {
  /** HTTP method the request is sent with (`GET` or `POST`); it is part of the signed string. */
  method: string;
  /** Business and common params (`Action`, `Version`, `Format`, `RegionId`, ...). */
  params: Readonly<Record<string, string>>;
}

export interface AliyunRpcSignature {
  /** Everything to send: the input params, the common signing params and `Signature`. */
  params: Record<string, string>;
  /** `Signature=…&k=v&…`, percent-encoded: a URL query (GET) or an `application/x-www-form-urlencoded` body (POST). */
  query: string;
  /** The sorted, encoded params without `Signature`. */
  canonicalQuery: string;
  stringToSign: string;
  /** Base64 HMAC-SHA1. */
  signature: string;
}

/** The signature of a complete param set (no params added): what Aliyun's `getRPCSignature` computes. */
export function computeAliyunRpcSignature(
  params: Readonly<Record<string, string>>,
  method: string,
  accessKeySecret: string,
): { canonicalQuery: string; stringToSign: string; signature: string } {
  requireCredential(
    accessKeySecret,
    'accessKeySecret',
    'computeAliyunRpcSignature',
    ALIYUN_KEY_PAIR.secretEnv,
  );
  // The doc sorts the names before encoding them, as ACS3 does (and every Aliyun SDK).
  let signed: Readonly<Record<string, string>> = params;
  if ('Signature' in params) {
    const { Signature: _signature, ...rest } = params;
    signed = rest;
  }
  const canonicalQuery = canonicalQuerySortedRaw(signed);
  const stringToSign = `${method}&%2F&${percentEncode(canonicalQuery)}`;
  const signature = hmacBase64('sha1', `${accessKeySecret}&`, stringToSign);
  return { canonicalQuery, stringToSign, signature };
}

/**
 * Signs an Aliyun RPC-style request. Adds `AccessKeyId`, `SignatureMethod`, `SignatureVersion`,
 * `SignatureNonce` and `Timestamp` (and `SecurityToken`); a `Timestamp` or `SignatureNonce` already in
 * `params` is kept, which is how a worked example or a server-side check reproduces a signature.
 */
export function signAliyunRpc(
  request: AliyunRpcRequest,
  credentials: AliyunCredentials,
  options: SigningOptions = {},
): AliyunRpcSignature {
  const owner = 'signAliyunRpc';
  requireRequestObject(request, owner);
  const { accessKeyId, accessKeySecret: secret } = requireKeyPair(credentials, owner, ALIYUN_KEY_PAIR);
  const method = requireInput(request.method, 'method', owner).toUpperCase();
  // Copied without `Signature` by a loop: `delete` on the copy would turn it into a slow
  // dictionary-mode object, which cost more than the HMAC.
  const params: Record<string, string> = {};
  for (const name in request.params) {
    if (name !== 'Signature') params[name] = request.params[name] as string;
  }
  params['AccessKeyId'] = accessKeyId;
  params['SignatureMethod'] = 'HMAC-SHA1';
  params['SignatureVersion'] = '1.0';
  if (params['SignatureNonce'] === undefined) params['SignatureNonce'] = (options.nonce ?? uuidNonce)();
  if (params['Timestamp'] === undefined)
    params['Timestamp'] = isoSeconds((options.clock ?? systemClock).now());
  if (credentials.securityToken) params['SecurityToken'] = credentials.securityToken;
  const { canonicalQuery, stringToSign, signature } = computeAliyunRpcSignature(params, method, secret);
  params['Signature'] = signature;
  return {
    params,
    query: `Signature=${percentEncode(signature)}&${canonicalQuery}`,
    canonicalQuery,
    stringToSign,
    signature,
  };
}
