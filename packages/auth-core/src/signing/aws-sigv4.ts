// AWS Signature Version 4 (header form), e.g. for SNS Publish. Algorithm and vectors: the AWS SigV4
// test suite (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html).
import { systemClock } from '../clock.js';
import { requireInput, requireRequestObject } from './errors.js';
import {
  canonicalQueryFromSearch,
  canonicalUri,
  type HeaderInput,
  parseRequestUrl,
} from './internal/canonical.js';
import type { SignableBody } from './internal/encoding.js';
import { type KeyPairFields, requireKeyPair } from './internal/key-pair.js';
import { signV4, type V4Dialect } from './internal/v4-family.js';
import type { SigningOptions } from './options.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** STS session token; sent and signed as `X-Amz-Security-Token`. */
  sessionToken?: string;
}

export interface AwsSigV4Request {
  method: string;
  /** Absolute URL including the query string, e.g. `https://sns.us-east-1.amazonaws.com/`. */
  url: string;
  /** Signed unless hop-by-hop; a `string[]` value is a header sent several times (joined with `,`). */
  headers?: HeaderInput;
  body?: SignableBody;
  /** e.g. `sns`. */
  service: string;
  /** e.g. `us-east-1`. */
  region: string;
}

export interface AwsSigV4Options extends SigningOptions {
  /**
   * Percent-encode the (already URL-encoded) path once more. AWS requires it for every service but
   * S3. Default true. Turn it off for S3, and to reproduce suite vectors whose raw request line holds
   * characters that `URL` has already encoded once.
   */
  uriEscapePath?: boolean;
  /** Collapse empty path segments (`//a//` → `/a/`). Default true; S3 keys need false. */
  normalizePath?: boolean;
  /** Also send and sign `X-Amz-Content-Sha256` (S3 needs it). Default false. */
  signContentSha256?: boolean;
  /** Use this payload hash instead of hashing the body, e.g. `UNSIGNED-PAYLOAD`. */
  payloadHash?: string;
}

export interface AwsSigV4Signature {
  /** Everything to send: the caller's headers plus Host, X-Amz-Date, X-Amz-Security-Token?, Authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  /** Lowercase hex HMAC-SHA256. */
  signature: string;
}

// Headers a proxy may add, drop or rewrite; signing them only makes requests fail.
const AWS_UNSIGNED = new Set([
  'authorization',
  'connection',
  'expect',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

const AWS_KEY_PAIR: KeyPairFields<'accessKeyId', 'secretAccessKey'> = {
  id: 'accessKeyId',
  secret: 'secretAccessKey',
  idEnv: 'AWS_ACCESS_KEY_ID',
  secretEnv: 'AWS_SECRET_ACCESS_KEY',
};

const AWS_DIALECT: V4Dialect = {
  algorithm: 'AWS4-HMAC-SHA256',
  keyPrefix: 'AWS4',
  terminator: 'aws4_request',
  dateHeader: 'X-Amz-Date',
  tokenHeader: 'X-Amz-Security-Token',
  unsigned: AWS_UNSIGNED,
};

/** Signs a request with AWS SigV4 in the `Authorization` header. */
export function signAwsSigV4(
  request: AwsSigV4Request,
  credentials: AwsCredentials,
  options: AwsSigV4Options = {},
): AwsSigV4Signature {
  const owner = 'signAwsSigV4';
  requireRequestObject(request, owner);
  const { accessKeyId, secretAccessKey } = requireKeyPair(credentials, owner, AWS_KEY_PAIR);
  const method = requireInput(request.method, 'method', owner).toUpperCase();
  const service = requireInput(request.service, 'service', owner);
  const region = requireInput(request.region, 'region', owner);
  const url = parseRequestUrl(request.url);
  const result = signV4(AWS_DIALECT, {
    method,
    host: url.host,
    canonicalUri: canonicalUri(url.pathname, options.normalizePath ?? true, options.uriEscapePath ?? true),
    canonicalQuery: canonicalQueryFromSearch(url.search.slice(1)),
    headers: request.headers,
    body: request.body,
    service,
    region,
    accessKeyId,
    secretAccessKey,
    sessionToken: credentials.sessionToken,
    epochMs: (options.clock ?? systemClock).now(),
    contentHashHeader: options.signContentSha256 ? 'X-Amz-Content-Sha256' : undefined,
    payloadHash: options.payloadHash,
  });
  return {
    headers: result.headers,
    canonicalRequest: result.canonicalRequest,
    stringToSign: result.stringToSign,
    signature: result.signature,
  };
}
