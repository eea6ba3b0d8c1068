// A generic API-key request signature for people running their own API: the client signs
// method, host, path, query, body hash, timestamp and nonce with HMAC; the server checks the
// timestamp window, the host, the signature, and only then records the nonce (so forged requests
// cannot burn nonces), at most `maxNoncesPerKey` per key id (so one key cannot fill the store).
// Every step is in this file and internal/request-target.ts, so a client in another language is easy
// to write.
import { type Clock, systemClock } from '../clock.js';
import { ConfigError, describeValue } from '../config-error.js';
import { isLingpaiError } from '../errors.js';
import { hexNonce, type NonceSource } from '../random.js';
import type { CounterStore, KeyValueStore } from '../store.js';
import {
  ApiKeySignatureError,
  API_KEY_SIGNATURE_ERROR_CODES as CODES,
  requireInput,
  requireRequestObject,
  SIGNING_ERROR_CODES,
  SignatureError,
} from './errors.js';
import type { QueryInput } from './internal/canonical.js';
import {
  constantTimeEqual,
  hmacHex,
  percentEncode,
  type SignableBody,
  sha256Hex,
} from './internal/encoding.js';
import { type KeyPairFields, requireKeyPair } from './internal/key-pair.js';
import {
  canonicalHost,
  canonicalPath,
  canonicalQuery,
  queryPairs,
  splitRequestTarget,
} from './internal/request-target.js';

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

/**
 * First line of the canonical string. A signature of one version never verifies as another, so the
 * format can change again without a signature of the old one meaning something new.
 */
export const API_KEY_CANONICAL_VERSION = 'LINGPAI-API-KEY-V2';

export const API_KEY_DEFAULTS = Object.freeze({
  algorithm: 'sha256' as ApiKeyAlgorithm,
  windowSeconds: 300,
  noncePrefix: 'lingpai:api-key-nonce:',
  maxNonceLength: 128,
  /** Nonces one key id may record per nonce lifetime (2 × `windowSeconds`). */
  maxNoncesPerKey: 10_000,
});

export interface ApiKeyRequest {
  method: string;
  /** Absolute URL, or origin-relative `/path?query` (then give `host`). Or give `path` (+ `query`) instead. */
  url?: string;
  path?: string;
  /**
   * The host the request is sent to, as its `Host` header will say (`api.example.com`, with `:port`
   * when it is not the scheme's default). Required unless `url` is absolute; if both are given they
   * must agree.
   */
  host?: string;
  /** Added to the query of `url`/`path`, after it, in the record's order. */
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

const API_KEY_PAIR: KeyPairFields<'keyId', 'secret'> = { id: 'keyId', secret: 'secret' };

// RFC 9110 token: what a method may be. Also keeps a newline out of the canonical string.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The routed request, canonical: what a signature pins. */
interface RoutedRequest {
  method: string;
  host: string | undefined;
  path: string;
  query: string;
}

function routedRequest(method: string, target: string, extraQuery?: QueryInput): RoutedRequest {
  if (!METHOD.test(method)) {
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, 'method is not an HTTP token');
  }
  const raw = splitRequestTarget(target);
  const pairs = queryPairs(raw.query);
  if (extraQuery !== undefined) {
    for (const name in extraQuery) {
      const value = extraQuery[name];
      if (value === undefined) continue;
      if (typeof value === 'string') pairs.push([name, value]);
      else for (const item of value) pairs.push([name, item]);
    }
  }
  return {
    method: method.toUpperCase(),
    host: raw.host,
    path: canonicalPath(raw.path),
    query: canonicalQuery(pairs),
  };
}

function formatCanonical(
  routed: RoutedRequest,
  host: string,
  body: SignableBody | undefined,
  timestamp: string,
  nonce: string,
): string {
  return `${API_KEY_CANONICAL_VERSION}\n${routed.method}\n${host}\n${routed.path}\n${routed.query}\n${sha256Hex(body ?? '')}\n${timestamp}\n${nonce}`;
}

/**
 * `LINGPAI-API-KEY-V2\nMETHOD\nHOST\nPATH\nQUERY\nhex(sha256(body))\nTIMESTAMP\nNONCE`: METHOD upper
 * case; HOST lower case with a non-default port; PATH the raw wire path (escapes upper-cased, nothing
 * decoded or resolved; dot segments, backslashes and a leading `//` are refused); QUERY RFC 3986
 * `k=v` (bare `k` without `=`), sorted by name, repeated names in the order sent.
 */
export function apiKeyCanonicalString(request: ApiKeyRequest, timestamp: string, nonce: string): string {
  const method = requireInput(request.method, 'method');
  const target = request.url ?? request.path;
  const routed = routedRequest(method, requireInput(target, 'url or path'), request.query);
  const given = request.host === undefined ? undefined : canonicalHost(request.host);
  if (routed.host !== undefined && given !== undefined && routed.host !== given) {
    throw new SignatureError(SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT, "host differs from the url's host");
  }
  const host = routed.host ?? given;
  if (host === undefined) {
    throw new SignatureError(
      SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
      'host is required: give an absolute url or `host`',
    );
  }
  return formatCanonical(routed, host, request.body, timestamp, nonce);
}

/** Signs a request for an API that verifies with `createApiKeyVerifier`. */
export function signApiKeyRequest(
  request: ApiKeyRequest,
  credentials: ApiKeyCredentials,
  options: ApiKeySignOptions = {},
): ApiKeySignature {
  const owner = 'signApiKeyRequest';
  requireRequestObject(request, owner);
  const { keyId, secret } = requireKeyPair(credentials, owner, API_KEY_PAIR);
  const names =
    options.headerNames === undefined
      ? DEFAULT_API_KEY_HEADERS
      : { ...DEFAULT_API_KEY_HEADERS, ...options.headerNames };
  const timestamp = String(Math.floor((options.clock ?? systemClock).now() / 1000));
  const nonce = requireInput((options.nonce ?? (() => hexNonce(16)))(), 'nonce');
  if (nonce.length > API_KEY_DEFAULTS.maxNonceLength) {
    throw new SignatureError(
      SIGNING_ERROR_CODES.SIGNATURE_INVALID_INPUT,
      `nonce is longer than ${API_KEY_DEFAULTS.maxNonceLength} characters`,
    );
  }
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

/** What the verifier needs of its nonce store: `MemoryStore` and `RedisStore` both fit. */
export type ApiKeyNonceStore = Pick<KeyValueStore, 'setIfAbsent'> & Pick<CounterStore, 'increment'>;

export interface ApiKeyVerifierOptions {
  /**
   * Every host this server answers as, as the `Host` header says it (`api.example.com`,
   * `api.example.com:8443`). A request for any other host is refused, so a signature made for
   * staging, or for another service sharing the key, does not verify here.
   */
  hosts: readonly string[];
  /** The secret of a key id, or `undefined` if there is no such (active) key. */
  lookupSecret: (keyId: string) => Promise<string | undefined>;
  /**
   * Where used nonces, and a count of them per key id, are kept; shared by every server instance
   * (e.g. `RedisStore`). Must fail closed when full (`STORE_FULL`), as `MemoryStore` does.
   */
  nonceStore: ApiKeyNonceStore;
  /** Accepted clock skew either way, in seconds. Default 300. */
  windowSeconds?: number;
  /**
   * Nonces one key id may record per 2 × `windowSeconds` (the counter's fixed window); past that its
   * requests are refused with `SIGNATURE_NONCE_LIMIT` until the window ends. A key id therefore
   * never holds more than 2 × this many nonces in the store. Default 10,000.
   */
  maxNoncesPerKey?: number;
  clock?: Clock;
  algorithm?: ApiKeyAlgorithm;
  headerNames?: Partial<ApiKeyHeaderNames>;
  /** Store key prefix for nonces and their counters. Default `lingpai:api-key-nonce:`. */
  noncePrefix?: string;
}

/** Incoming request as a server framework hands it over (Node's `IncomingHttpHeaders` fits). */
export interface ApiKeyIncomingRequest {
  method: string;
  /** Path and query exactly as received (`req.url`, not a router's rewritten or decoded path), or an absolute URL. */
  url: string;
  /** The host the request was received for, where the framework gives it apart from the headers. */
  host?: string;
  /** `Host` (or HTTP/2 `:authority`) is read from here unless `url` is absolute or `host` is given. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body bytes or text, exactly as received. */
  body?: SignableBody;
}

export interface ApiKeyVerifier {
  /** Resolves to the verified key id, or throws `ApiKeySignatureError`. */
  verify(request: ApiKeyIncomingRequest): Promise<{ keyId: string }>;
}

// One pass over the headers for all the names. A header sent twice is ambiguous: it reads as
// missing rather than guessing which copy counts.
function readHeaders(
  headers: ApiKeyIncomingRequest['headers'],
  lowerNames: readonly string[],
): Array<string | undefined> {
  const found: Array<string | undefined> = lowerNames.map(() => undefined);
  const repeated = lowerNames.map(() => false);
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
  for (let i = 0; i < found.length; i++) if (repeated[i] || found[i] === '') found[i] = undefined;
  return found;
}

const TIMESTAMP = /^\d{1,12}$/;
const HEX = /^[0-9a-f]+$/;

const VERIFIER = 'createApiKeyVerifier';

function requirePositiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      name,
      `${VERIFIER}: \`${name}\` must be a positive integer, got ${describeValue(value)}`,
    );
  }
  return value;
}

function nonceStoreFull(error: unknown): unknown {
  if (!isLingpaiError(error, 'STORE_FULL')) return error;
  return new ApiKeySignatureError(
    CODES.SIGNATURE_NONCE_STORE_FULL,
    'the nonce store is full, so the nonce cannot be recorded; request refused',
    { cause: error },
  );
}

/**
 * A verifier for `signApiKeyRequest`. Checks, in order: the four headers are present
 * (`SIGNATURE_MISSING_HEADER`), the timestamp is within the window (`SIGNATURE_STALE_TIMESTAMP`), the
 * request target can be canonicalized (`SIGNATURE_INVALID`), the host is one of `hosts`
 * (`SIGNATURE_WRONG_HOST`), the key exists (`SIGNATURE_UNKNOWN_KEY`), the signature matches in
 * constant time (`SIGNATURE_INVALID`), and only then that the key id has room for one more nonce
 * (`SIGNATURE_NONCE_LIMIT`), that the store has (`SIGNATURE_NONCE_STORE_FULL`) and that the nonce is
 * new (`SIGNATURE_REUSED_NONCE`).
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(
      'options',
      `${VERIFIER}: the options are ${describeValue(options)} — pass { hosts, lookupSecret, nonceStore }`,
    );
  }
  const names = { ...DEFAULT_API_KEY_HEADERS, ...options.headerNames };
  const lowerNames = [
    names.keyId.toLowerCase(),
    names.timestamp.toLowerCase(),
    names.nonce.toLowerCase(),
    names.signature.toLowerCase(),
    'host',
    ':authority',
  ] as const;
  if (!Array.isArray(options.hosts) || options.hosts.length === 0) {
    const got = Array.isArray(options.hosts) ? 'an empty list' : describeValue(options.hosts);
    throw new ConfigError(
      'hosts',
      `${VERIFIER}: \`hosts\` is ${got} — it is required: every Host this server answers as, e.g. hosts: ['api.example.com']`,
    );
  }
  const hosts = new Set<string>();
  for (const host of options.hosts) {
    try {
      hosts.add(canonicalHost(requireInput(host, 'host')));
    } catch {
      const shown = typeof host === 'string' ? JSON.stringify(host) : describeValue(host);
      throw new ConfigError('hosts', `${VERIFIER}: \`hosts\` has ${shown}, which is not host[:port]`);
    }
  }
  if (typeof options.lookupSecret !== 'function') {
    throw new ConfigError(
      'lookupSecret',
      `${VERIFIER}: \`lookupSecret\` is ${describeValue(options.lookupSecret)} — pass an async (keyId) => secret | undefined`,
    );
  }
  const store = options.nonceStore;
  if (store === undefined || store === null) {
    throw new ConfigError(
      'nonceStore',
      `${VERIFIER}: \`nonceStore\` is ${describeValue(store)} — it is required (without it a captured request replays): pass new MemoryStore() for one process, a RedisStore for several`,
    );
  }
  if (typeof store.setIfAbsent !== 'function' || typeof store.increment !== 'function') {
    throw new ConfigError(
      'nonceStore',
      `${VERIFIER}: \`nonceStore\` needs setIfAbsent and increment — pass a MemoryStore or RedisStore`,
    );
  }
  const windowSeconds = requirePositiveInteger(
    options.windowSeconds ?? API_KEY_DEFAULTS.windowSeconds,
    'windowSeconds',
  );
  const maxNoncesPerKey = requirePositiveInteger(
    options.maxNoncesPerKey ?? API_KEY_DEFAULTS.maxNoncesPerKey,
    'maxNoncesPerKey',
  );
  const clock = options.clock ?? systemClock;
  const algorithm = options.algorithm ?? API_KEY_DEFAULTS.algorithm;
  const prefix = options.noncePrefix ?? API_KEY_DEFAULTS.noncePrefix;
  // A nonce must be remembered as long as its timestamp can still pass: up to `window` ahead of now
  // plus `window` behind, so twice the window.
  const nonceTtlMs = 2 * windowSeconds * 1000;

  async function recordNonce(slot: string, nonce: string, timestamp: string): Promise<void> {
    const counterKey = `${slot}#count`;
    let count: number;
    try {
      count = (await store.increment(counterKey, nonceTtlMs)).count;
    } catch (error) {
      throw nonceStoreFull(error);
    }
    let recorded = false;
    try {
      if (count > maxNoncesPerKey) {
        throw new ApiKeySignatureError(
          CODES.SIGNATURE_NONCE_LIMIT,
          'this key id has recorded maxNoncesPerKey nonces in the current window',
        );
      }
      let fresh: boolean;
      try {
        fresh = await store.setIfAbsent(`${slot}:${nonce}`, timestamp, nonceTtlMs);
      } catch (error) {
        throw nonceStoreFull(error);
      }
      if (!fresh) throw new ApiKeySignatureError(CODES.SIGNATURE_REUSED_NONCE, 'nonce was already used');
      recorded = true;
    } finally {
      // Only recorded nonces count, so replaying a captured request cannot use up its key's allowance.
      if (!recorded) await store.increment(counterKey, nonceTtlMs, -1).catch(() => undefined);
    }
  }

  return {
    async verify(request) {
      const [keyId, timestamp, nonce, signature, hostHeader, authority] = readHeaders(
        request.headers,
        lowerNames,
      );
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
      let routed: RoutedRequest;
      try {
        routed = routedRequest(requireInput(request.method, 'method'), requireInput(request.url, 'url'));
      } catch (cause) {
        throw new ApiKeySignatureError(CODES.SIGNATURE_INVALID, 'request cannot be canonicalized', { cause });
      }
      const host = incomingHost(routed.host, request.host, hostHeader, authority);
      if (host === undefined || !hosts.has(host)) {
        throw new ApiKeySignatureError(
          CODES.SIGNATURE_WRONG_HOST,
          'the request is not for a host this server serves',
        );
      }
      // The key id is percent-encoded, so it holds no `:` or `#`: `a:b` + `c` and `a` + `b:c` are
      // different nonce slots, and no nonce slot is ever a counter.
      let slot: string;
      try {
        slot = `${prefix}${percentEncode(keyId)}`;
      } catch {
        throw new ApiKeySignatureError(CODES.SIGNATURE_UNKNOWN_KEY, 'unknown key id');
      }
      const secret = await options.lookupSecret(keyId);
      if (typeof secret !== 'string' || secret.length === 0) {
        throw new ApiKeySignatureError(CODES.SIGNATURE_UNKNOWN_KEY, 'unknown key id');
      }
      const expected = hmacHex(
        algorithm,
        secret,
        formatCanonical(routed, host, request.body, timestamp, nonce),
      );
      const provided = signature.toLowerCase();
      if (
        nonce.length > API_KEY_DEFAULTS.maxNonceLength ||
        !HEX.test(provided) ||
        !constantTimeEqual(provided, expected)
      ) {
        throw new ApiKeySignatureError(CODES.SIGNATURE_INVALID, 'signature does not match');
      }
      await recordNonce(slot, nonce, timestamp);
      return { keyId };
    },
  };
}

// The host the request was routed to: the absolute url's, the framework's, else `Host` (or HTTP/2's
// `:authority`; both present and different is ambiguous and reads as none).
function incomingHost(
  fromUrl: string | undefined,
  fromFramework: string | undefined,
  hostHeader: string | undefined,
  authority: string | undefined,
): string | undefined {
  if (fromUrl !== undefined) return fromUrl;
  let host = fromFramework;
  if (host === undefined) {
    if (
      hostHeader !== undefined &&
      authority !== undefined &&
      hostHeader.toLowerCase() !== authority.toLowerCase()
    )
      return undefined;
    host = hostHeader ?? authority;
  }
  if (host === undefined) return undefined;
  try {
    return canonicalHost(host);
  } catch {
    return undefined;
  }
}
