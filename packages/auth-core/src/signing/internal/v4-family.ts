// The one implementation behind AWS SigV4 and Volcengine: both hash a canonical request, sign
// `ALGORITHM\nDATETIME\nSCOPE\nhex(sha256(creq))` with an HMAC-SHA256 key derived as
// secret → date → region → service → terminator, and send `ALGO Credential=…, SignedHeaders=…, Signature=…`.
import {
  buildCanonicalRequest,
  collectHeaders,
  formatCanonicalHeaders,
  type HeaderInput,
  joinTrimmedCollapsed,
} from './canonical.js';
import { cachedSigningKey, compactIsoSeconds, hmacHex, type SignableBody, sha256Hex } from './encoding.js';

export interface V4Dialect {
  /** `AWS4-HMAC-SHA256` / `HMAC-SHA256`. */
  algorithm: string;
  /** Prepended to the secret for the first HMAC: `AWS4` / empty. */
  keyPrefix: string;
  /** Last scope element: `aws4_request` / `request`. */
  terminator: string;
  /** Header carrying the datetime: `X-Amz-Date` / `X-Date`. */
  dateHeader: string;
  /** Header carrying a session token: `X-Amz-Security-Token` / `X-Security-Token`. */
  tokenHeader: string;
  /** Lower-case names never signed (hop-by-hop or rewritten by proxies). */
  unsigned: ReadonlySet<string>;
}

export interface V4Input {
  method: string;
  host: string;
  /** Canonical URI, already normalized and encoded. */
  canonicalUri: string;
  canonicalQuery: string;
  headers: HeaderInput | undefined;
  body: SignableBody | undefined;
  service: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  epochMs: number;
  /** Header to carry hex(sha256(body)) and sign it (`X-Amz-Content-Sha256`, `X-Content-Sha256`), if any. */
  contentHashHeader: string | undefined;
  /** Use this instead of hashing the body (e.g. `UNSIGNED-PAYLOAD`). */
  payloadHash: string | undefined;
}

export interface V4Result {
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  authorization: string;
  scope: string;
}

export function signV4(dialect: V4Dialect, input: V4Input): V4Result {
  const datetime = compactIsoSeconds(input.epochMs);
  const date = datetime.slice(0, 8);
  const payloadHash = input.payloadHash ?? sha256Hex(input.body ?? '');

  // Outgoing headers: the caller's (minus ones we set), then ours. Names we set replace any case variant.
  const lowerDate = dialect.dateHeader.toLowerCase();
  const lowerToken = dialect.tokenHeader.toLowerCase();
  const lowerHash = input.contentHashHeader?.toLowerCase();
  const headers: Record<string, string> = {};
  let hasHost = false;
  if (input.headers !== undefined) {
    for (const name in input.headers) {
      const value = input.headers[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (lower === lowerDate || lower === 'authorization' || lower === lowerToken || lower === lowerHash)
        continue;
      if (lower === 'host') hasHost = true;
      headers[name] = typeof value === 'string' ? value : value.join(',');
    }
  }
  if (!hasHost) headers['Host'] = input.host;
  headers[dialect.dateHeader] = datetime;
  if (input.sessionToken) headers[dialect.tokenHeader] = input.sessionToken;
  if (input.contentHashHeader !== undefined) headers[input.contentHashHeader] = payloadHash;

  // Canonical headers come from the caller's original values (so repeated headers keep their order).
  const grouped = collectHeaders(
    input.headers,
    (lower) => !dialect.unsigned.has(lower) && lower !== lowerDate,
  );
  if (!grouped.has('host')) grouped.set('host', [input.host]);
  grouped.set(lowerDate, [datetime]);
  if (input.sessionToken) grouped.set(lowerToken, [input.sessionToken]);
  else grouped.delete(lowerToken);
  if (lowerHash !== undefined) grouped.set(lowerHash, [payloadHash]);
  const canonicalHeaders = formatCanonicalHeaders(grouped, joinTrimmedCollapsed);

  const canonicalRequest = buildCanonicalRequest(
    input.method,
    input.canonicalUri,
    input.canonicalQuery,
    canonicalHeaders,
    payloadHash,
  );
  const scope = `${date}/${input.region}/${input.service}/${dialect.terminator}`;
  const stringToSign = `${dialect.algorithm}\n${datetime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signingKey = cachedSigningKey(dialect.keyPrefix + input.secretAccessKey, [
    date,
    input.region,
    input.service,
    dialect.terminator,
  ]);
  const signature = hmacHex('sha256', signingKey, stringToSign);
  const authorization = `${dialect.algorithm} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${canonicalHeaders.signed}, Signature=${signature}`;
  headers['Authorization'] = authorization;
  return { headers, canonicalRequest, stringToSign, signature, authorization, scope };
}
