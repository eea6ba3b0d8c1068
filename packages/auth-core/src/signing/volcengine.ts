// Volcengine (火山引擎) OpenAPI signature, e.g. SMS SendSms at sms.volcengineapi.com. SigV4-shaped:
// HMAC-SHA256, X-Date, X-Content-Sha256, scope `YYYYMMDD/<region>/<service>/request`, and the key
// derived from the raw secret (no prefix). Official signer: npm @volcengine/openapi (reference §2.6).
import { systemClock } from '../clock.js';
import { requireInput, requireRequestObject } from './errors.js';
import {
  canonicalQueryFromRecord,
  encodeRawPath,
  type HeaderInput,
  type QueryInput,
} from './internal/canonical.js';
import type { SignableBody } from './internal/encoding.js';
import { type KeyPairFields, requireKeyPair } from './internal/key-pair.js';
import { signV4, type V4Dialect } from './internal/v4-family.js';
import type { SigningOptions } from './options.js';

export interface VolcengineCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** STS session token; sent and signed as `X-Security-Token`. */
  sessionToken?: string;
}

export interface VolcengineRequest {
  method: string;
  /** e.g. `sms.volcengineapi.com`. */
  host: string;
  /** Raw (unencoded) path. Default `/`. */
  path?: string;
  /** e.g. `{ Action: 'SendSms', Version: '2020-01-01' }`. */
  query?: QueryInput;
  headers?: HeaderInput;
  body?: SignableBody;
  /** e.g. `volcSMS`. */
  service: string;
  /** e.g. `cn-north-1`; BytePlus uses `ap-singapore-1`. */
  region: string;
}

export interface VolcengineSignature {
  /** Everything to send: the caller's headers plus Host, X-Date, X-Content-Sha256, X-Security-Token?, Authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  /** Lowercase hex HMAC-SHA256. */
  signature: string;
}

const VOLCENGINE_KEY_PAIR: KeyPairFields<'accessKeyId', 'secretAccessKey'> = {
  id: 'accessKeyId',
  secret: 'secretAccessKey',
  idEnv: 'VOLC_ACCESSKEY',
  secretEnv: 'VOLC_SECRETKEY',
};

const VOLCENGINE_DIALECT: V4Dialect = {
  algorithm: 'HMAC-SHA256',
  keyPrefix: '',
  terminator: 'request',
  dateHeader: 'X-Date',
  tokenHeader: 'X-Security-Token',
  // As the official signer: these are never signed.
  unsigned: new Set(['authorization', 'content-length', 'user-agent', 'presigned-expires', 'expect']),
};

/** Signs a Volcengine OpenAPI request in the `Authorization` header. */
export function signVolcengine(
  request: VolcengineRequest,
  credentials: VolcengineCredentials,
  options: SigningOptions = {},
): VolcengineSignature {
  const owner = 'signVolcengine';
  requireRequestObject(request, owner);
  const { accessKeyId, secretAccessKey } = requireKeyPair(credentials, owner, VOLCENGINE_KEY_PAIR);
  const result = signV4(VOLCENGINE_DIALECT, {
    method: requireInput(request.method, 'method', owner).toUpperCase(),
    host: requireInput(request.host, 'host', owner),
    canonicalUri: encodeRawPath(request.path ?? '/'),
    canonicalQuery: canonicalQueryFromRecord(request.query),
    headers: request.headers,
    body: request.body,
    service: requireInput(request.service, 'service', owner),
    region: requireInput(request.region, 'region', owner),
    accessKeyId,
    secretAccessKey,
    sessionToken: credentials.sessionToken,
    epochMs: (options.clock ?? systemClock).now(),
    contentHashHeader: 'X-Content-Sha256',
    payloadHash: undefined,
  });
  return {
    headers: result.headers,
    canonicalRequest: result.canonicalRequest,
    stringToSign: result.stringToSign,
    signature: result.signature,
  };
}
