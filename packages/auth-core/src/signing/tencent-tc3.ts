// Tencent Cloud API 3.0 signature TC3-HMAC-SHA256. Algorithm: cloud.tencent.com/document/api/382/52072
// and TencentCloud/signature-process-demo (see shared reference §2.3).
import { systemClock } from '../clock.js';
import { requireInput, requireRequestObject, SIGNING_ERROR_CODES, SignatureError } from './errors.js';
import { cachedSigningKey, hmacHex, isoDate, sha256Hex } from './internal/encoding.js';
import { type KeyPairFields, requireKeyPair } from './internal/key-pair.js';
import type { SigningOptions } from './options.js';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
export const TC3_DEFAULT_CONTENT_TYPE = 'application/json; charset=utf-8';

const TENCENT_KEY_PAIR: KeyPairFields<'secretId', 'secretKey'> = {
  id: 'secretId',
  secret: 'secretKey',
  idEnv: 'TENCENTCLOUD_SECRET_ID',
  secretEnv: 'TENCENTCLOUD_SECRET_KEY',
};

export interface TencentCredentials {
  secretId: string;
  secretKey: string;
  /** Session token of temporary credentials; sent as `X-TC-Token`. */
  token?: string;
}

export type Tc3SignedHeaders = 'content-type;host' | 'content-type;host;x-tc-action';

export interface TencentTc3Request {
  /** e.g. `sms.tencentcloudapi.com`. */
  host: string;
  /** `X-TC-Action`, e.g. `SendSms`. */
  action: string;
  /** `X-TC-Version`, e.g. `2021-01-11`. */
  version: string;
  /** The exact body bytes that will be sent (the hash covers them, whitespace and key order included). */
  payload: string;
  /** `X-TC-Region`, e.g. `ap-guangzhou`; omitted when undefined. */
  region?: string;
  /**
   * Default: the first label of `host` (`sms`). Required when `host` is an IP address or `localhost`
   * (a sandbox, a proxy): those name no service, so signing for "127" is refused.
   */
  service?: string;
  /** Default `POST`. */
  method?: string;
  /** Canonical query string for GET requests, exactly as sent (already URL-encoded). Default empty. */
  query?: string;
  /** Default `application/json; charset=utf-8`. */
  contentType?: string;
  /** Default `content-type;host;x-tc-action` (current docs); `content-type;host` for the older form. */
  signedHeaders?: Tc3SignedHeaders;
}

export interface TencentTc3Signature {
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  /** Lowercase hex HMAC-SHA256. */
  signature: string;
  /** Seconds since the epoch, as sent in `X-TC-Timestamp`. */
  timestamp: number;
}

/** Signs a Tencent Cloud API 3.0 request. The credential date is the UTC date of the timestamp. */
export function signTencentTc3(
  request: TencentTc3Request,
  credentials: TencentCredentials,
  options: SigningOptions = {},
): TencentTc3Signature {
  const owner = 'signTencentTc3';
  requireRequestObject(request, owner);
  const { secretId, secretKey } = requireKeyPair(credentials, owner, TENCENT_KEY_PAIR);
  const host = requireInput(request.host, 'host', owner);
  const action = requireInput(request.action, 'action', owner);
  const version = requireInput(request.version, 'version', owner);
  const service = request.service ?? serviceFromHost(host, action, owner);
  const method = (request.method ?? 'POST').toUpperCase();
  const contentType = request.contentType ?? TC3_DEFAULT_CONTENT_TYPE;
  const signedHeaders = request.signedHeaders ?? 'content-type;host;x-tc-action';

  const timestamp = Math.floor((options.clock ?? systemClock).now() / 1000);
  const date = isoDate(timestamp * 1000);
  const canonicalHeaders =
    signedHeaders === 'content-type;host'
      ? `content-type:${contentType}\nhost:${host}\n`
      : `content-type:${contentType}\nhost:${host}\nx-tc-action:${action.toLowerCase()}\n`;
  const canonicalRequest = `${method}\n/\n${request.query ?? ''}\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(request.payload)}`;
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `${TC3_ALGORITHM}\n${timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signingKey = cachedSigningKey(`TC3${secretKey}`, [date, service, 'tc3_request']);
  const signature = hmacHex('sha256', signingKey, stringToSign);

  const headers: Record<string, string> = {
    Authorization: `${TC3_ALGORITHM} Credential=${secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'Content-Type': contentType,
    Host: host,
    'X-TC-Action': action,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': version,
  };
  if (request.region !== undefined) headers['X-TC-Region'] = request.region;
  if (credentials.token) headers['X-TC-Token'] = credentials.token;
  return { headers, canonicalRequest, stringToSign, signature, timestamp };
}

/**
 * The first label of a `*.tencentcloudapi.com` host is its service. Pointed at a sandbox or proxy
 * (`127.0.0.1:8080`, `localhost:3000`, `[::1]:8080`) it would be "127" or "localhost:3000", and
 * Tencent (or a faithful fake) answers only "signature mismatch": refuse here, naming the fix.
 * Only runs when `service` is not given, so the usual production call pays one regex test.
 */
function serviceFromHost(host: string, action: string, owner: string): string {
  const label = host.split('.', 1)[0] as string;
  // All digits: the first octet of an IPv4 address. A colon: a port (localhost:3000) or an IPv6 literal.
  if (
    /^\d+$/.test(label) ||
    label.includes(':') ||
    label.startsWith('[') ||
    (label.length === 9 && label.toLowerCase() === 'localhost')
  ) {
    throw new SignatureError(
      SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
      `${owner}: \`host\` "${host}" does not start with a service name (an IP address or localhost, as for a sandbox or a proxy), so \`service\` cannot be read from it — pass the service ${action} belongs to, e.g. service: 'sms' (the first label of sms.tencentcloudapi.com)`,
    );
  }
  return label;
}
