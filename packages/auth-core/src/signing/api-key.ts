// A generic API-key request signature for people running their own API: the client signs
// method, path, sorted query, body hash, timestamp and nonce with HMAC; the server checks the
// timestamp window, the signature, and only then remembers the nonce (so forged requests cannot
// burn nonces). Every step is in this file so a client in another language is easy to write.
import { type Clock, systemClock } from '../clock.js';
import { hexNonce, type NonceSource } from '../random.js';
import type { KeyValueStore } from '../store.js';
import {
  ApiKeySignatureError,
  API_KEY_SIGNATURE_ERROR_CODES as CODES,
  requireCredential,
  requireInput,
  SIGNING_ERROR_CODES,
  SignatureError,
} from './errors.js';
import { joinPairs, pushQueryPairs, type QueryInput } from './internal/canonical.js';
import {
  constantTimeEqual,
  hmacHex,
  percentEncode,
  type SignableBody,
  sha256Hex,
} from './internal/encoding.js';

export type ApiKeyAlgorithm = 'sha256' | 'sha384' | 'sha512';

export interface ApiKeyHeaderNames {
  keyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

/** Default header names (lower case; HTTP header names are case-insensitive). */
export const DEFAULT_API_KEY_HEADERS: Readonly<ApiKeyHeaderNames> = Object.freeze({
  keyId: 'x-api-key-id',
  timestamp: 'x-api-timestamp',
  nonce: 'x-api-nonce',
  signature: 'x-api-signature',
});

export const API_KEY_DEFAULTS = Object.freeze({
  algorithm: 'sha256' as ApiKeyAlgorithm,
  windowSeconds: 300,
  noncePrefix: 'lingpai:api-key-nonce:',
  maxNonceLength: 128,
});

export interface ApiKeyRequest {
  method: string;
  /** Absolute URL or origin-relative `/path?query`. Or give `path` (+ `query`) instead. */
  url?: string;
  path?: string;
  /** Added to the query of `url`/`path`. */
  query?: QueryInput;
  body?: SignableBody;
}

export interface ApiKeyCredentials {
  keyId: string;
  secret: string;
}

export interface ApiKeySignOptions {
  clock?: Clock;
  nonce?: NonceSource;
  algorithm?: ApiKeyAlgorithm;
  headerNames?: Partial<ApiKeyHeaderNames>;
}

export interface ApiKeySignature {
  /** The four headers to add. */
  headers: Record<string, string>;
  canonicalString: string;
  /** Lowercase hex HMAC. */
  signature: string;
  /** Unix seconds, as sent. */
  timestamp: string;
  nonce: string;
}

const PLACEHOLDER_ORIGIN = 'http://lingpai.invalid';

function splitUrl(request: ApiKeyRequest): { path: string; query: string } {
  const target = request.url ?? request.path;
  if (typeof target !== 'string' || target.length === 0) {
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, 'url or path is required');
  }
  let parsed: URL;
  try {
    parsed = new URL(target, PLACEHOLDER_ORIGIN);
  } catch (cause) {
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, 'url is not a valid URL', {
      cause,
    });
  }
  // Query: form-decoded (`+` is a space), then RFC 3986-encoded and sorted, so `%20` and `+` sign alike
  // and a proxy that re-encodes the query does not break the signature.
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of parsed.searchParams) pairs.push([percentEncode(name), percentEncode(value)]);
  // Both sources go into one list, sorted once by the same helper the SigV4-shaped schemes use.
  if (request.query !== undefined) pushQueryPairs(pairs, request.query);
  return { path: parsed.pathname, query: joinPairs(pairs) };
}

/**
 * `METHOD\nPATH\nSORTED_QUERY\nhex(sha256(body))\nTIMESTAMP\nNONCE`: METHOD upper-case, PATH as
 * `URL` percent-encodes it, SORTED_QUERY as in SigV4 (RFC 3986 `k=v` sorted by name then value).
 */
export function apiKeyCanonicalString(request: ApiKeyRequest, timestamp: string, nonce: string): string {
  const method = requireInput(request.method, 'method').toUpperCase();
  const { path, query } = splitUrl(request);
  return `${method}\n${path}\n${query}\n${sha256Hex(request.body ?? '')}\n${timestamp}\n${nonce}`;
}

/** Signs a request for an API that verifies with `createApiKeyVerifier`. */
export function signApiKeyRequest(
  request: ApiKeyRequest,
  credentials: ApiKeyCredentials,
  options: ApiKeySignOptions = {},
): ApiKeySignature {
  const keyId = requireCredential(credentials.keyId, 'keyId');
  const secret = requireCredential(credentials.secret, 'secret');
  const names = { ...DEFAULT_API_KEY_HEADERS, ...options.headerNames };
  const timestamp = String(Math.floor((options.clock ?? systemClock).now() / 1000));
  const nonce = (options.nonce ?? (() => hexNonce(16)))();
  const canonicalString = apiKeyCanonicalString(request, timestamp, nonce);
  const signature = hmacHex(options.algorithm ?? API_KEY_DEFAULTS.algorithm, secret, canonicalString);
  return {
    headers: {
      [names.keyId]: keyId,
      [names.timestamp]: timestamp,
      [names.nonce]: nonce,
      [names.signature]: signature,
    },
    canonicalString,
    signature,
    timestamp,
    nonce,
  };
}

export interface ApiKeyVerifierOptions {
  /** The secret of a key id, or `undefined` if there is no such (active) key. */
  lookupSecret: (keyId: string) => Promise<string | undefined>;
  /** Where used nonces are remembered; shared by every server instance (e.g. `RedisStore`). */
  nonceStore: Pick<KeyValueStore, 'setIfAbsent'>;
  /** Accepted clock skew either way, in seconds. Default 300. */
  windowSeconds?: number;
  clock?: Clock;
  algorithm?: ApiKeyAlgorithm;
  headerNames?: Partial<ApiKeyHeaderNames>;
  /** Store key prefix for nonces. Default `lingpai:api-key-nonce:`. */
  noncePrefix?: string;
}

/** Incoming request as a server framework hands it over (Node's `IncomingHttpHeaders` fits). */
export interface ApiKeyIncomingRequest {
  method: string;
  /** Path and query as received (`req.url`), or an absolute URL. */
  url: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body bytes or text, exactly as received. */
  body?: SignableBody;
}

export interface ApiKeyVerifier {
  /** Resolves to the verified key id, or throws `ApiKeySignatureError`. */
  verify(request: ApiKeyIncomingRequest): Promise<{ keyId: string }>;
}

type SigningHeaderValues = [string | undefined, string | undefined, string | undefined, string | undefined];

// One pass over the headers for all four names. A signing header sent twice is ambiguous: it reads
// as missing rather than guessing which copy counts.
function readSigningHeaders(
  headers: ApiKeyIncomingRequest['headers'],
  lowerNames: readonly [string, string, string, string],
): SigningHeaderValues {
  const found: SigningHeaderValues = [undefined, undefined, undefined, undefined];
  const repeated = [false, false, false, false];
  for (const name in headers) {
    const index = lowerNames.indexOf(name.toLowerCase());
    if (index === -1) continue;
    const value = headers[name];
    if (value === undefined) continue;
    let text: string | undefined;
    if (typeof value === 'string') text = value;
    else if (value.length === 1) text = value[0];
    else repeated[index] = true;
    if (found[index] !== undefined) repeated[index] = true;
    found[index] = text;
  }
  for (let i = 0; i < 4; i++) if (repeated[i] || found[i] === '') found[i] = undefined;
  return found;
}

const TIMESTAMP = /^\d{1,12}$/;
const HEX = /^[0-9a-f]+$/;

/**
 * A verifier for `signApiKeyRequest`. Checks, in order: the four headers are present
 * (`SIGNATURE_MISSING_HEADER`), the timestamp is within the window (`SIGNATURE_STALE_TIMESTAMP`),
 * the key exists (`SIGNATURE_UNKNOWN_KEY`), the signature matches in constant time
 * (`SIGNATURE_INVALID`), and only then that the nonce is new (`SIGNATURE_REUSED_NONCE`).
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const names = { ...DEFAULT_API_KEY_HEADERS, ...options.headerNames };
  const lowerNames = [
    names.keyId.toLowerCase(),
    names.timestamp.toLowerCase(),
    names.nonce.toLowerCase(),
    names.signature.toLowerCase(),
  ] as const;
  const windowSeconds = options.windowSeconds ?? API_KEY_DEFAULTS.windowSeconds;
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) {
    throw new TypeError('windowSeconds must be a positive integer');
  }
  const clock = options.clock ?? systemClock;
  const algorithm = options.algorithm ?? API_KEY_DEFAULTS.algorithm;
  const prefix = options.noncePrefix ?? API_KEY_DEFAULTS.noncePrefix;
  // A nonce must be remembered as long as its timestamp can still pass: up to `window` ahead of now
  // plus `window` behind, so twice the window.
  const nonceTtlMs = 2 * windowSeconds * 1000;

  return {
    async verify(request) {
      const [keyId, timestamp, nonce, signature] = readSigningHeaders(request.headers, lowerNames);
      if (keyId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) {
        throw new ApiKeySignatureError(
          CODES.SIGNATURE_MISSING_HEADER,
          'a signature header is missing or repeated',
        );
      }
      if (
        !TIMESTAMP.test(timestamp) ||
        Math.abs(clock.now() - Number(timestamp) * 1000) > windowSeconds * 1000
      ) {
        throw new ApiKeySignatureError(
          CODES.SIGNATURE_STALE_TIMESTAMP,
          'timestamp is outside the accepted window',
        );
      }
      const secret = await options.lookupSecret(keyId);
      if (secret === undefined || secret.length === 0) {
        throw new ApiKeySignatureError(CODES.SIGNATURE_UNKNOWN_KEY, 'unknown key id');
      }
      let expected: string;
      try {
        expected = hmacHex(algorithm, secret, apiKeyCanonicalString(request, timestamp, nonce));
      } catch (cause) {
        throw new ApiKeySignatureError(CODES.SIGNATURE_INVALID, 'request cannot be canonicalized', { cause });
      }
      const provided = signature.toLowerCase();
      if (
        nonce.length > API_KEY_DEFAULTS.maxNonceLength ||
        !HEX.test(provided) ||
        !constantTimeEqual(provided, expected)
      ) {
        throw new ApiKeySignatureError(CODES.SIGNATURE_INVALID, 'signature does not match');
      }
      const fresh = await options.nonceStore.setIfAbsent(`${prefix}${keyId}:${nonce}`, timestamp, nonceTtlMs);
      if (!fresh) throw new ApiKeySignatureError(CODES.SIGNATURE_REUSED_NONCE, 'nonce was already used');
      return { keyId };
    },
  };
}
