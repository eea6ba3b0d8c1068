import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import {
  type Clock,
  type KeyValueStore,
  type RandomBytes,
  secureRandomBytes,
  systemClock,
} from '@lingpai/auth-core';
import { OAuthError } from './errors.js';

const DEFAULT_STATE_TTL_MS = 10 * 60_000;
const MIN_SECRET_BYTES = 32;

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** 32 random bytes, base64url: an unguessable `state` for a store-backed flow. */
export function generateState(randomBytes: RandomBytes = secureRandomBytes): string {
  return base64url(randomBytes(32));
}

/** A PKCE code verifier (RFC 7636): 32 random bytes, base64url, 43 characters. */
export function generateCodeVerifier(randomBytes: RandomBytes = secureRandomBytes): string {
  return base64url(randomBytes(32));
}

/** An OpenID Connect nonce: 32 random bytes, base64url. */
export function generateNonce(randomBytes: RandomBytes = secureRandomBytes): string {
  return base64url(randomBytes(32));
}

/** The S256 code challenge for a verifier: base64url(SHA-256(verifier)). */
export function createS256CodeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/**
 * The OpenID Connect nonce that belongs to a PKCE verifier: base64url(SHA-256("lingpai-oidc-nonce",
 * NUL, verifier)). Both state classes issue this nonce, so a code exchange that carries the
 * verifier also knows which nonce the ID token must carry, even when the caller does not pass the
 * nonce: forgetting it no longer turns the check off. One-way like the S256 challenge (which is
 * just as public), and domain-separated from it, so it reveals nothing about the verifier.
 */
export function createCodeVerifierNonce(codeVerifier: string): string {
  return createHash('sha256').update(`lingpai-oidc-nonce\0${codeVerifier}`, 'utf8').digest('base64url');
}

/** What a state value is bound to: a state issued for one provider/redirect is refused for another. */
export interface StateBinding {
  provider: string;
  redirectUri: string;
  /**
   * An opaque value tied to the browser (a session id, a cookie value). Binding to it stops login
   * CSRF: an attacker's state cannot be replayed in a victim's browser.
   */
  bind?: string;
}

export interface IssuedState {
  state: string;
  /** Send its challenge on the authorization URL; send the verifier on the code exchange. */
  codeVerifier: string;
  /**
   * For OpenID Connect providers (Google): put it on the URL, check it in the ID token. Always
   * `createCodeVerifierNonce(codeVerifier)`.
   */
  nonce: string;
  expiresAt: number;
}

export interface VerifiedState {
  codeVerifier: string;
  nonce: string;
  expiresAt: number;
}

export interface SignedStateOptions {
  /** At least 32 bytes of secret. Rotate by verifying with the old and new instances in turn. */
  secret: string | Uint8Array;
  /** Lifetime of a state value. Default 10 minutes. */
  ttlMs?: number;
  clock?: Clock;
  randomBytes?: RandomBytes;
}

function invalidState(message: string): OAuthError {
  return new OAuthError('OAUTH_INVALID_STATE', message);
}

/**
 * Stateless state: `<expiry>.<random>.<hmac>`, where the HMAC covers the expiry, the random part,
 * the provider, the redirect URI and the optional browser binding. The PKCE verifier and the OIDC
 * nonce are derived from the state with the secret, so nothing needs to be stored and neither
 * appears in the URL. It cannot stop a state being used twice within its lifetime; the platforms'
 * single-use codes and the browser binding cover that. Use `StoredOAuthState` for strict single use.
 */
export class SignedOAuthState {
  readonly #secret: KeyObject;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #randomBytes: RandomBytes;

  constructor(options: SignedStateOptions) {
    if (options === undefined || options === null || typeof options !== 'object') {
      throw new OAuthError('OAUTH_CONFIG_ERROR', 'SignedOAuthState needs options: { secret }');
    }
    const given: unknown = options.secret;
    if (given === undefined || given === null || given === '') {
      throw new OAuthError(
        'OAUTH_CONFIG_ERROR',
        `SignedOAuthState: \`secret\` is ${given === '' ? 'an empty string' : String(given)} — is STATE_SECRET set? (at least ${MIN_SECRET_BYTES} random bytes)`,
      );
    }
    if (typeof given !== 'string' && !(given instanceof Uint8Array)) {
      throw new OAuthError(
        'OAUTH_CONFIG_ERROR',
        `SignedOAuthState: \`secret\` must be a string or a Uint8Array, got a ${typeof given}`,
      );
    }
    const secret =
      typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
    if (secret.length < MIN_SECRET_BYTES) {
      throw new OAuthError(
        'OAUTH_CONFIG_ERROR',
        `SignedOAuthState: \`secret\` is ${secret.length} bytes; at least ${MIN_SECRET_BYTES} required (e.g. \`openssl rand -base64 48\`)`,
      );
    }
    this.#secret = createSecretKey(secret);
    this.#ttlMs = options.ttlMs ?? DEFAULT_STATE_TTL_MS;
    this.#clock = options.clock ?? systemClock;
    this.#randomBytes = options.randomBytes ?? secureRandomBytes;
  }

  #mac(body: string, binding: StateBinding): Buffer {
    // NUL separators: no field can contain one, so two different bindings never share a MAC input.
    return createHmac('sha256', this.#secret)
      .update(`lingpai-state\0${body}\0${binding.provider}\0${binding.redirectUri}\0${binding.bind ?? ''}`)
      .digest();
  }

  /**
   * The verifier is the first half of an HMAC-SHA512 of the state (so it needs the secret); the
   * nonce follows from the verifier (`createCodeVerifierNonce`), so the code exchange can check it.
   */
  #derive(state: string, expiresAt: number): IssuedState {
    const bytes = createHmac('sha512', this.#secret).update(`lingpai-derive\0${state}`).digest();
    const codeVerifier = bytes.subarray(0, 32).toString('base64url');
    return { state, codeVerifier, nonce: createCodeVerifierNonce(codeVerifier), expiresAt };
  }

  create(binding: StateBinding): IssuedState {
    const expiresAt = this.#clock.now() + this.#ttlMs;
    const body = `${expiresAt.toString(36)}.${base64url(this.#randomBytes(16))}`;
    return this.#derive(`${body}.${this.#mac(body, binding).toString('base64url')}`, expiresAt);
  }

  /** Checks the MAC in constant time, then the expiry. Throws `OAUTH_INVALID_STATE`. */
  verify(state: string | undefined | null, binding: StateBinding): VerifiedState {
    if (typeof state !== 'string' || state.length === 0 || state.length > 256) {
      throw invalidState('The callback has no valid state');
    }
    const parts = state.split('.');
    const [expiry, random, mac] = parts;
    if (parts.length !== 3 || expiry === undefined || random === undefined || mac === undefined) {
      throw invalidState('The state is malformed');
    }
    // Compare the text, not decoded bytes: Node's base64url decoder skips foreign characters and
    // ignores the last character's spare bits, so several strings decode to the same MAC. Accepting
    // them would let one issued state take other spellings (with other derived verifiers and nonces).
    const expected = Buffer.from(this.#mac(`${expiry}.${random}`, binding).toString('base64url'));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidState(
        'The state signature does not match (forged, or issued for another provider/redirect)',
      );
    }
    const expiresAt = Number.parseInt(expiry, 36);
    if (!Number.isSafeInteger(expiresAt) || this.#clock.now() >= expiresAt) {
      throw invalidState('The state has expired');
    }
    const { codeVerifier, nonce } = this.#derive(state, expiresAt);
    return { codeVerifier, nonce, expiresAt };
  }
}

export interface StoredStateOptions {
  store: KeyValueStore;
  ttlMs?: number;
  clock?: Clock;
  randomBytes?: RandomBytes;
  keyPrefix?: string;
}

interface StoredRecord {
  p: string;
  r: string;
  b: string;
  v: string;
  n: string;
  e: number;
  d?: Record<string, string>;
}

/**
 * Store-backed state: a random value whose verifier, nonce and binding live in a `KeyValueStore`
 * (MemoryStore, RedisStore) and are consumed exactly once (compare-and-delete).
 */
export class StoredOAuthState {
  readonly #store: KeyValueStore;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #randomBytes: RandomBytes;
  readonly #prefix: string;

  constructor(options: StoredStateOptions) {
    const store = (options as Partial<StoredStateOptions> | undefined)?.store as
      | Partial<KeyValueStore>
      | undefined;
    if (
      store === undefined ||
      store === null ||
      typeof store.get !== 'function' ||
      typeof store.compareAndDelete !== 'function'
    ) {
      throw new OAuthError(
        'OAUTH_CONFIG_ERROR',
        `StoredOAuthState: \`store\` is ${store === undefined || store === null ? String(store) : 'not a KeyValueStore'} — pass new MemoryStore() (one process) or RedisStore from @lingpai/redis`,
      );
    }
    this.#store = options.store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_STATE_TTL_MS;
    this.#clock = options.clock ?? systemClock;
    this.#randomBytes = options.randomBytes ?? secureRandomBytes;
    this.#prefix = options.keyPrefix ?? 'lingpai:oauth:state:';
  }

  async create(binding: StateBinding & { data?: Record<string, string> }): Promise<IssuedState> {
    const state = generateState(this.#randomBytes);
    const codeVerifier = generateCodeVerifier(this.#randomBytes);
    const record: StoredRecord = {
      p: binding.provider,
      r: binding.redirectUri,
      b: binding.bind ?? '',
      v: codeVerifier,
      // Tied to the verifier, as for signed state: see `createCodeVerifierNonce`.
      n: createCodeVerifierNonce(codeVerifier),
      e: this.#clock.now() + this.#ttlMs,
      ...(binding.data === undefined ? {} : { d: binding.data }),
    };
    await this.#store.set(this.#prefix + state, JSON.stringify(record), this.#ttlMs);
    return { state, codeVerifier: record.v, nonce: record.n, expiresAt: record.e };
  }

  /** Looks the state up and deletes it atomically; a second call with the same state fails. */
  async consume(
    state: string | undefined | null,
    binding: StateBinding,
  ): Promise<VerifiedState & { data: Record<string, string> }> {
    if (typeof state !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(state)) {
      throw invalidState('The callback has no valid state');
    }
    const key = this.#prefix + state;
    const value = await this.#store.get(key);
    if (value === undefined || !(await this.#store.compareAndDelete(key, value))) {
      throw invalidState('The state is unknown, expired or already used');
    }
    const record = parseRecord(value);
    if (record === undefined) throw invalidState('The stored state is not one this library wrote');
    if (
      record.p !== binding.provider ||
      record.r !== binding.redirectUri ||
      record.b !== (binding.bind ?? '')
    ) {
      throw invalidState('The state was issued for another provider, redirect URI or browser');
    }
    if (this.#clock.now() >= record.e) throw invalidState('The state has expired');
    return { codeVerifier: record.v, nonce: record.n, expiresAt: record.e, data: record.d ?? {} };
  }
}

/** A stored record, or undefined when the key holds something else (a shared store, a foreign writer). */
function parseRecord(value: string): StoredRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const record = parsed as Partial<StoredRecord>;
  return typeof record.p === 'string' &&
    typeof record.r === 'string' &&
    typeof record.b === 'string' &&
    typeof record.v === 'string' &&
    typeof record.n === 'string' &&
    typeof record.e === 'number'
    ? (record as StoredRecord)
    : undefined;
}

export interface CallbackParams {
  code: string;
  state: string | undefined;
}

/** Attacker-controlled text made safe for an error message: one line, bounded length. */
function loggable(text: string): string {
  const flat = text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/**
 * Reads a callback's query. Accepts `code`, Alipay's `auth_code` and DingTalk's `authCode`; a
 * platform `error` (user refused) becomes `OAUTH_ACCESS_DENIED`, a missing code `OAUTH_INVALID_CODE`.
 */
export function parseCallback(
  input: string | URL | URLSearchParams | Record<string, unknown>,
): CallbackParams {
  let params: URLSearchParams;
  if (input instanceof URLSearchParams) params = input;
  else if (input instanceof URL) params = input.searchParams;
  else if (typeof input === 'string') params = new URL(input, 'http://callback.invalid').searchParams;
  else {
    params = new URLSearchParams();
    for (const [key, value] of Object.entries(input)) if (typeof value === 'string') params.set(key, value);
  }
  const error = params.get('error') ?? params.get('error_code');
  if (error !== null && error !== '') {
    const description = params.get('error_description') ?? params.get('error_msg') ?? '';
    // Both values come from whoever crafted the callback URL: keep control characters (forged log
    // lines) and unbounded text out of the message; the raw values stay on platformCode/Message.
    throw new OAuthError(
      'OAUTH_ACCESS_DENIED',
      `The platform reported "${loggable(error)}" on the callback ${loggable(description)}`.trim(),
      {
        platformCode: error,
        platformMessage: description,
      },
    );
  }
  const code = params.get('code') ?? params.get('auth_code') ?? params.get('authCode');
  if (code === null || code === '') {
    throw new OAuthError(
      'OAUTH_INVALID_CODE',
      'The callback carries no authorization code (the user may have cancelled)',
    );
  }
  return { code, state: params.get('state') ?? undefined };
}
