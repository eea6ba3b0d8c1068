import type {
  AdminUser,
  AdminUserCreate,
  AdminUserQuery,
  AuditEntry,
  AuditQuery,
  EditContactRequest,
  Page,
  ProfileUpdate,
  ProviderBinding,
  ProviderTokenRequest,
  ProviderTokenResponse,
  ResetPasswordRequest,
  SignInRequest,
  SignUpRequest,
  UserProfile,
  UserSession,
  VerificationRequest,
  VerificationResponse,
} from './api-types.js';
import { AuthClientError } from './auth-client-error.js';
import { type AuthStorage, defaultStorage } from './auth-storage.js';
import {
  type Credentials,
  parseCredentials,
  refreshDueAt,
  type TokenResponse,
  toCredentials,
} from './credentials.js';
import { elect } from './cross-tab.js';
import { type DeviceLogin, startDeviceLogin } from './device-login.js';
import { httpCall } from './http-call.js';
import { createInteractionApi, type InteractionApi } from './interaction-api.js';
import { randomBytes } from './pkce.js';

/** The client's clock: `now()` for expiry; timers (refresh, back-off, device polls) when given. */
export interface Clock {
  now(): number;
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

export interface AuthClientOptions {
  /** The token server's origin, e.g. `http://127.0.0.1:8080` (CloudBase: `https://<env>.api.tcloudbasegateway.com`). */
  issuer: string;
  clientId: string;
  /** Confidential clients only (servers): sent as CloudBase's `client_secret`, Basic for client_credentials. */
  clientSecret?: string;
  /** Default: `localStorageAdapter()` where `localStorage` exists, else `memoryStorage()`. */
  storage?: AuthStorage;
  /** Default `lingpai:<clientId>`; the device id is kept under `<storageKey>:device_id`. */
  storageKey?: string;
  fetch?: typeof fetch;
  /** Bound on each HTTP call, ms (default 10000); per call `timeoutMs` overrides it. */
  timeoutMs?: number;
  clock?: Clock;
  random?: (n: number) => Uint8Array;
  /** One refresh across the tabs that share the storage (default: where BroadcastChannel or `storage` events exist). */
  crossTab?: boolean;
  /** How long a tab that did not win the refresh election waits for the winner's answer, ms (default 4000). */
  crossTabWaitMs?: number;
  /** Refresh ahead of expiry on a timer, and on `visibilitychange`/`online` (default: in browsers). */
  autoRefresh?: boolean;
  /** Refresh this long before the access token expires (default 60; at most half its lifetime). */
  refreshMarginSeconds?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface RequestOptions extends CallOptions {
  method?: string;
  body?: unknown;
  /** Query parameters: strings, numbers, booleans or arrays of them (repeated); undefined ones are left out. */
  query?: object;
  /**
   * `true`: the access token (refreshed when due; `unauthenticated` without one); `false` (default):
   * `?client_id=` instead, as the official client does on calls without credentials; `'optional'`:
   * the token when signed in; `'none'`: neither (same-origin interaction calls).
   */
  auth?: boolean | 'optional' | 'none';
}

export type ChangeEvent = 'signed_in' | 'refreshed' | 'signed_out';
export type ChangeListener = (event: ChangeEvent, credentials: Credentials | null) => void;

interface Failure {
  error: unknown;
  until: number;
  count: number;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unauthenticated = (description: string, cause?: unknown) =>
  new AuthClientError('unauthenticated', {
    description,
    cause,
    status: (cause as AuthClientError)?.status,
    details: (cause as AuthClientError)?.details,
  });
const changed = (a: Credentials | null, b: Credentials | null) => a?.access_token !== b?.access_token;
const invalid = (description: string) => new AuthClientError('invalid_options', { description });
const BACKOFF_CAP_MS = 30_000;
/** How long a broadcast outranks an older stored value (localStorage catches up in milliseconds). */
const HEARD_MS = 2_000;

/**
 * A client of the token server's (and CloudBase's) `/auth/v1` API that keeps a session alive:
 * it stores the credentials, refreshes them ahead of expiry — one refresh per tab, one across the
 * tabs of an origin — and attaches them to every call.
 */
export class AuthClient {
  readonly issuer: string;
  readonly clientId: string;
  /** The login page's interaction API (same origin, cookie-bound, `x-csrf-token`). */
  readonly interaction: InteractionApi;
  #secret: string | undefined;
  #storage: AuthStorage;
  #key: string;
  #fetch: typeof fetch;
  #timeoutMs: number;
  #clock: Clock;
  #random: (n: number) => Uint8Array;
  #marginMs: number;
  #waitMs: number;
  #crossTab: boolean;
  #autoRefresh: boolean;
  #owner: string;
  #last: Credentials | null | undefined;
  #listeners = new Set<ChangeListener>();
  #inflight: Promise<Credentials> | undefined;
  #epoch = 0;
  /** What another tab last broadcast it wrote, until this tab's storage has surely caught up. */
  #heard: { credentials: Credentials | null; stamp: number; until: number } | undefined;
  #stamp = 0;
  #failures = new Map<string, Failure>();
  #timer: unknown;
  #channel: BroadcastChannel | undefined;
  #cleanup: (() => void)[] = [];
  #waiters = new Set<() => void>();
  #disposed = false;

  constructor(options: AuthClientOptions) {
    const { issuer, clientId } = options ?? ({} as AuthClientOptions);
    let origin: string;
    try {
      origin = new URL(issuer).origin;
    } catch {
      throw invalid(
        `issuer must be the server's origin, e.g. 'http://127.0.0.1:8080' (got ${String(issuer)})`,
      );
    }
    if (typeof clientId !== 'string' || clientId === '') {
      throw invalid("clientId is required: the client's id, or the environment id (CloudBase's default)");
    }
    const fetcher = options.fetch ?? globalThis.fetch;
    if (typeof fetcher !== 'function') throw invalid('no global fetch here: pass options.fetch');
    for (const [name, value] of [
      ['timeoutMs', options.timeoutMs],
      ['refreshMarginSeconds', options.refreshMarginSeconds],
      ['crossTabWaitMs', options.crossTabWaitMs],
    ] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw invalid(`${name} must be a number >= 0 (got ${String(value)})`);
      }
    }
    const browser = typeof document !== 'undefined';
    this.issuer = origin;
    this.clientId = clientId;
    this.#secret = options.clientSecret;
    this.#storage = options.storage ?? defaultStorage();
    this.#key = options.storageKey ?? `lingpai:${clientId}`;
    this.#fetch = (input, init) => fetcher(input, init);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#clock = options.clock ?? Date;
    this.#random = options.random ?? randomBytes;
    this.#marginMs = (options.refreshMarginSeconds ?? 60) * 1_000;
    this.#waitMs = options.crossTabWaitMs ?? 4_000;
    const channels = typeof BroadcastChannel !== 'undefined';
    // Tabs hear each other on a BroadcastChannel, or through the `storage` event where it is missing.
    this.#crossTab = options.crossTab ?? (channels || browser);
    this.#autoRefresh = options.autoRefresh ?? browser;
    this.#owner = hex(this.#random(8));
    this.interaction = createInteractionApi((path, o) => this.request(path, o));

    if (this.#crossTab) {
      if (channels) {
        const channel = new BroadcastChannel(`lingpai-auth:${this.#key}`);
        channel.onmessage = (event: MessageEvent) => {
          const data = event.data as { stamp?: unknown; value?: unknown } | null;
          if (typeof data?.stamp === 'number') {
            this.#heard = {
              credentials: typeof data.value === 'string' ? parseCredentials(data.value) : null,
              stamp: data.stamp,
              until: this.#clock.now() + HEARD_MS,
            };
          }
          void this.#sync();
        };
        (channel as { unref?: () => void }).unref?.();
        this.#channel = channel;
      }
      this.#listen(globalThis, 'storage', (event) => {
        if ((event as StorageEvent).key === this.#key) void this.#sync();
      });
    }
    if (this.#autoRefresh) {
      const wake = () => {
        if (!browser || document.visibilityState !== 'hidden') this.#tick();
      };
      this.#listen(globalThis, 'online', wake);
      if (browser) this.#listen(document, 'visibilitychange', wake);
      this.#read().then(
        (stored) => this.#adopt(stored),
        () => undefined,
      );
    }
  }

  // ---- credentials -------------------------------------------------------------------------

  /** The stored credentials, refreshed first when due; `null` when signed out. */
  async getCredentials(): Promise<Credentials | null> {
    try {
      return await this.#fresh();
    } catch (error) {
      if ((error as AuthClientError).error === 'unauthenticated') return null;
      throw error;
    }
  }

  /** A valid access token, refreshed when due; `AuthClientError('unauthenticated')` when signed out. */
  async getAccessToken(): Promise<string> {
    return (await this.#fresh()).access_token;
  }

  /** Stores a token response (a sign-in) or clears the session (`null`), telling the other tabs. */
  async setCredentials(response: TokenResponse | null): Promise<Credentials | null> {
    this.#epoch++;
    const next = response ? toCredentials(response, this.#clock.now()) : null;
    await this.#write(next);
    return next;
  }

  /** Calls `listener` after each sign-in, refresh and sign-out (also those of other tabs). Returns the unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The `x-device-id`: generated once (32 hex characters) and kept in the storage. Read from the
   * storage on every call, never cached here: two tabs that both generated one on their first load
   * settle on the one stored last, and the server's refresh grace is per device.
   */
  async getDeviceId(): Promise<string> {
    const key = `${this.#key}:device_id`;
    const valid = (id: string | null | undefined): id is string => !!id && id.length >= 16 && id.length <= 48;
    const stored = await this.#storage.get(key);
    if (valid(stored)) return stored;
    const id = hex(this.#random(16));
    await this.#storage.set(key, id);
    const settled = await this.#storage.get(key);
    return valid(settled) ? settled : id;
  }

  /**
   * Ends the session: cleared here and in every tab at once (a refresh landing later is discarded),
   * then revoked on the server (its refresh family ends). A failed revocation is not an error: the
   * session is gone from this device either way.
   */
  async signOut(options: CallOptions = {}): Promise<void> {
    this.#epoch++;
    const current = await this.#read();
    this.#adopt(current);
    await this.#write(null);
    if (!current) return;
    await this.request('revoke', {
      ...options,
      method: 'POST',
      body: { token: current.refresh_token ?? current.access_token },
    }).catch(() => undefined);
  }

  /** Removes every timer, listener and channel (React StrictMode, hot reload, tests). */
  dispose(): void {
    this.#disposed = true;
    this.#clearTimer();
    for (const remove of this.#cleanup) remove();
    this.#cleanup = [];
    this.#channel?.close();
    this.#channel = undefined;
    this.#listeners.clear();
    for (const wake of this.#waiters) wake();
  }

  // ---- HTTP --------------------------------------------------------------------------------

  /**
   * One call of the API: `path` is relative to `/auth/v1/` (`'user/me'`) unless it starts with `/`.
   * Adds `x-request-id`, `x-device-id` and the credentials (see `RequestOptions.auth`); an access
   * token the server calls `invalid_token` is refreshed once and the call retried.
   */
  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const { auth = false } = options;
    const credentials =
      auth === true || (auth === 'optional' && (await this.#read())) ? await this.#fresh() : null;
    const url = new URL(path.startsWith('/') ? path : `/auth/v1/${path}`, this.issuer);
    for (const [name, value] of Object.entries(options.query ?? {}) as [string, unknown][]) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
    if (!credentials && auth !== 'none' && !url.searchParams.has('client_id')) {
      url.searchParams.set('client_id', this.clientId);
    }
    const headers: Record<string, string> = {
      'x-request-id': hex(this.#random(16)),
      'x-device-id': await this.getDeviceId(),
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (credentials)
      headers['authorization'] = `${credentials.token_type || 'Bearer'} ${credentials.access_token}`;
    try {
      return await httpCall<T>(this.#fetch, {
        url: url.href,
        method: options.method ?? 'GET',
        headers: { ...headers, ...options.headers },
        body: options.body,
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      });
    } catch (error) {
      // The server ended or expired the token before we expected: refresh once (unless another
      // tab already did) and retry once.
      if (
        credentials &&
        (error as AuthClientError).error === 'invalid_token' &&
        !options.headers?.authorization
      ) {
        const fresh = await this.#refresh(credentials);
        return this.request<T>(path, {
          ...options,
          auth: 'none',
          headers: {
            ...options.headers,
            authorization: `${fresh.token_type || 'Bearer'} ${fresh.access_token}`,
          },
        });
      }
      throw error;
    }
  }

  /** `POST /auth/v1/token` with CloudBase's JSON body (`client_id`, `client_secret`, the grant). */
  token(body: Record<string, unknown>, options: CallOptions = {}): Promise<TokenResponse> {
    const basic = body.grant_type === 'client_credentials' && this.#secret !== undefined;
    return this.request<TokenResponse>('token', {
      ...options,
      method: 'POST',
      body: basic ? body : { client_id: this.clientId, client_secret: this.#secret ?? '', ...body },
      headers: basic
        ? { authorization: `Basic ${btoa(`${this.clientId}:${this.#secret}`)}`, ...options.headers }
        : options.headers,
    });
  }

  /** Calls a sign-in endpoint and stores its token response (`signed_in`). */
  async signInWith(path: string, body: unknown, options: RequestOptions = {}): Promise<Credentials> {
    const response = await this.request<TokenResponse>(path, { method: 'POST', body, ...options });
    return (await this.setCredentials(response))!;
  }

  // ---- OAuth 2.0 ---------------------------------------------------------------------------

  /** The authorization endpoint's URL for the code flow with PKCE (S256). */
  authorizeUrl(params: {
    redirectUri: string;
    state: string;
    codeChallenge: string;
    scope?: string;
    [extra: string]: string | undefined;
  }): string {
    const { redirectUri, state, codeChallenge, scope, ...extra } = params;
    const url = new URL('/auth/v1/authorize', this.issuer);
    const query: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      ...extra,
    };
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, value);
    return url.href;
  }

  /** Exchanges an authorization code (with its PKCE verifier) and stores the credentials. */
  async exchangeCode(
    params: { code: string; redirectUri: string; codeVerifier: string },
    options: CallOptions = {},
  ): Promise<Credentials> {
    const response = await this.token(
      {
        grant_type: 'authorization_code',
        code: params.code,
        redirect_uri: params.redirectUri,
        code_verifier: params.codeVerifier,
      },
      options,
    );
    return (await this.setCredentials(response))!;
  }

  /** Starts the device flow (RFC 8628): show `user_code` and `verification_uri`, then `wait()`. */
  startDeviceLogin(params: { scope?: string } = {}, options: CallOptions = {}): Promise<DeviceLogin> {
    return startDeviceLogin(
      {
        call: (path, body, signal) =>
          path === 'token'
            ? this.token(body, { ...options, signal })
            : this.request(path, { ...options, method: 'POST', body, signal }),
        clientId: this.clientId,
        now: () => this.#clock.now(),
        sleep: (ms, signal) => this.#sleep(ms, signal),
        store: async (response) => (await this.setCredentials(response))!,
      },
      params,
      options.signal,
    );
  }

  // ---- CloudBase's /auth/v1 endpoints -------------------------------------------------------

  /** `POST /auth/v1/signin`: `{ username, password }` or `{ verification_token }`; stores the session. */
  signIn(body: SignInRequest, options?: CallOptions): Promise<Credentials> {
    return this.signInWith('signin', body, options);
  }

  /**
   * `POST /auth/v1/signup`; stores the session. Signed in anonymously, that user is upgraded in
   * place: its access token goes along as the official client's `anonymous_token`.
   */
  async signUp(body: SignUpRequest, options?: CallOptions): Promise<Credentials> {
    const current = await this.getCredentials().catch(() => null);
    const upgrade = current?.scope === 'anonymous' && body.anonymous_token === undefined;
    return this.signInWith(
      'signup',
      upgrade ? { ...body, anonymous_token: current.access_token } : body,
      options,
    );
  }

  /** `POST /auth/v1/signin/anonymously`: a new anonymous user (scope `anonymous`); stores the session. */
  signInAnonymously(body: { provider_token?: string } = {}, options?: CallOptions): Promise<Credentials> {
    return this.signInWith('signin/anonymously', body, options);
  }

  /** `POST /auth/v1/signin/with/provider`: a `provider_token` → the session (stored). */
  signInWithProvider(body: { provider_token: string }, options?: CallOptions): Promise<Credentials> {
    return this.signInWith('signin/with/provider', body, options);
  }

  /** `POST /auth/v1/token` with any grant (CloudBase `grantToken`); stores the session. */
  async grantToken(body: Record<string, unknown>, options?: CallOptions): Promise<Credentials> {
    return (await this.setCredentials(await this.token(body, options)))!;
  }

  /**
   * `POST /auth/v1/verification` (CloudBase `getVerification`): sends a code. `target: 'CUR_USER'`
   * goes with the access token; `captchaToken` after a `captcha_required`.
   */
  sendVerification(
    body: VerificationRequest,
    options: CallOptions & { captchaToken?: string } = {},
  ): Promise<VerificationResponse> {
    const { captchaToken, ...rest } = options;
    return this.request('verification', {
      ...rest,
      method: 'POST',
      body,
      auth: body.target === 'CUR_USER',
      headers: captchaToken ? { 'x-captcha-token': captchaToken, ...rest.headers } : rest.headers,
    });
  }

  /** `POST /auth/v1/verification/verify`: the code → a single-use `verification_token`. */
  verify(
    body: { verification_id: string; verification_code: string },
    options?: CallOptions,
  ): Promise<{ verification_token: string; expires_in: number }> {
    return this.request('verification/verify', { ...options, method: 'POST', body });
  }

  /** `POST /auth/v1/reset` (forgot password): ends every session of the user. */
  resetPassword(body: ResetPasswordRequest, options?: CallOptions): Promise<Record<string, never>> {
    return this.request('reset', { ...options, method: 'POST', body });
  }

  /** `GET /auth/v1/provider/uri` (CloudBase `genProviderRedirectUri`): the platform's authorization URL. */
  genProviderRedirectUri(
    query: { provider_id: string; redirect_uri: string; state?: string; [name: string]: string | undefined },
    options?: CallOptions,
  ): Promise<{ uri: string; signout_uri?: string }> {
    return this.request('provider/uri', { ...options, query });
  }

  /** `POST /auth/v1/provider/token`: the platform's code → a `provider_token`. */
  grantProviderToken(body: ProviderTokenRequest, options?: CallOptions): Promise<ProviderTokenResponse> {
    return this.request('provider/token', { ...options, method: 'POST', body });
  }

  /** `GET /auth/v1/user/me` (CloudBase `getUserInfo`). */
  getUserInfo(options?: CallOptions): Promise<UserProfile> {
    return this.#user('user/me', 'GET', undefined, options);
  }

  /** `DELETE /auth/v1/user/me` with a `sudo_token`: deletes the account and ends the session here. */
  async deleteMe(body: { sudo_token: string }, options?: CallOptions): Promise<void> {
    await this.#user('user/me', 'DELETE', body, options);
    await this.setCredentials(null);
  }

  /** `PATCH /auth/v1/user/profile` (CloudBase `setUserProfile`). */
  setUserProfile(body: ProfileUpdate, options?: CallOptions): Promise<UserProfile> {
    return this.#user('user/profile', 'PATCH', body, options);
  }

  /** `POST /auth/v1/user/basic/edit` (CloudBase `updateUserBasicInfo`: `nickname`, `avatar_url`, …). */
  updateUserBasicInfo(body: Record<string, unknown>, options?: CallOptions): Promise<Record<string, never>> {
    return this.#user('user/basic/edit', 'POST', body, options);
  }

  /** `POST /auth/v1/user/sudo`: a password, `verification_token` or `provider_token` → a `sudo_token`. */
  sudo(
    body: { password?: string; verification_token?: string; provider_token?: string },
    options?: CallOptions,
  ): Promise<{ sudo_token: string; expires_in: number }> {
    return this.#user('user/sudo', 'POST', body, options);
  }

  /** `PATCH /auth/v1/user/password`: `new_password` with `old_password` or `sudo_token`. */
  setPassword(
    body: { new_password: string; old_password?: string; sudo_token?: string },
    options?: CallOptions,
  ): Promise<Record<string, never>> {
    return this.#user('user/password', 'PATCH', body, options);
  }

  /** `PATCH /auth/v1/user/contact` (CloudBase `editContact`): a new phone or email, proven by a code. */
  editContact(body: EditContactRequest, options?: CallOptions): Promise<Record<string, never>> {
    return this.#user('user/contact', 'PATCH', body, options);
  }

  /** `GET /auth/v1/user/provider`: every configured platform, bound or not. */
  getProviders(options?: CallOptions): Promise<{ total: number; data: ProviderBinding[] }> {
    return this.#user('user/provider', 'GET', undefined, options);
  }

  /** `POST /auth/v1/user/provider/bind`: binds the identity of a `provider_token`. */
  bindWithProvider(body: { provider_token: string }, options?: CallOptions): Promise<Record<string, never>> {
    return this.#user('user/provider/bind', 'POST', body, options);
  }

  /** `DELETE /auth/v1/user/provider/:id`. */
  unbindProvider(providerId: string, options?: CallOptions): Promise<Record<string, never>> {
    return this.#user(`user/provider/${encodeURIComponent(providerId)}`, 'DELETE', undefined, options);
  }

  /** `GET /auth/v1/user/sessions`: the user's sessions, most recently used first. */
  getSessions(options?: CallOptions): Promise<{ total: number; data: UserSession[] }> {
    return this.#user('user/sessions', 'GET', undefined, options);
  }

  /** `DELETE /auth/v1/user/sessions/:id` (`'others'`: every session but this one). */
  endSession(sessionId: string, options?: CallOptions): Promise<{ ended?: number }> {
    return this.#user(`user/sessions/${encodeURIComponent(sessionId)}`, 'DELETE', undefined, options);
  }

  /** `DELETE /auth/v1/user/authorized/devices/:device_id` (CloudBase `revokeDevice`). */
  revokeDevice(deviceId: string, options?: CallOptions): Promise<Record<string, never>> {
    return this.#user(
      `user/authorized/devices/${encodeURIComponent(deviceId)}`,
      'DELETE',
      undefined,
      options,
    );
  }

  /** `DELETE /auth/v1/user/revoke/all` (CloudBase `revokeAllDevices`): every session, this one too. */
  async revokeAllDevices(options?: CallOptions): Promise<void> {
    await this.#user('user/revoke/all', 'DELETE', undefined, options);
    await this.setCredentials(null);
  }

  /** `POST /auth/v1/user/device/authorize` (CloudBase `authorizeDevice`): approves a device's `user_code`. */
  authorizeDevice(
    body: { user_code: string; scope?: string; state?: string },
    options?: CallOptions,
  ): Promise<Record<string, unknown>> {
    return this.#user('user/device/authorize', 'POST', body, options);
  }

  /** `GET /auth/v1/user/query` (CloudBase `queryUserProfile`; an admin token). */
  queryUserProfile(
    query: { id?: string | string[]; username?: string; email?: string; phone_number?: string },
    options?: CallOptions,
  ): Promise<{ total: number; data: UserProfile[] }> {
    return this.request('user/query', { ...options, auth: true, query });
  }

  /** `GET /auth/v1/userinfo`: the OpenID Connect claims of the session's scopes. */
  userinfo(options?: CallOptions): Promise<Record<string, unknown>> {
    return this.request('userinfo', { ...options, auth: true });
  }

  /** `GET /auth/v1/token/introspect`: the access token's own description (`{}` once it is dead). */
  introspect(options?: CallOptions): Promise<Record<string, unknown>> {
    return this.request('token/introspect', { ...options, auth: true });
  }

  /** `POST /auth/v1/revoke` of any token (RFC 7009; a refresh or access token ends its session). */
  revoke(token: string, options?: CallOptions): Promise<Record<string, never>> {
    return this.request('revoke', { ...options, method: 'POST', body: { token } });
  }

  /**
   * `POST /auth/v1/user/signout` (CloudBase's `signOut({ redirect_uri, state })`): ends the session on
   * the server and here, and answers where to send the browser.
   */
  async signOutRedirect(
    body: { redirect_uri?: string; state?: string } = {},
    options?: CallOptions,
  ): Promise<{ redirect_uri?: string }> {
    this.#epoch++;
    try {
      return await this.#user('user/signout', 'POST', body, options);
    } finally {
      await this.setCredentials(null);
    }
  }

  /**
   * The admin API (a client_credentials token with the `admin` scope: construct the client with
   * `clientSecret` and call `grantToken({ grant_type: 'client_credentials', scope: 'admin' })`).
   */
  readonly admin = {
    listUsers: (query: AdminUserQuery = {}, options?: CallOptions): Promise<Page<AdminUser>> =>
      this.request('admin/users', { ...options, auth: true, query }),
    getUser: (sub: string, options?: CallOptions): Promise<AdminUser> =>
      this.#user(`admin/users/${encodeURIComponent(sub)}`, 'GET', undefined, options),
    createUser: (body: AdminUserCreate, options?: CallOptions): Promise<AdminUser> =>
      this.#user('admin/users', 'POST', body, options),
    blockUser: (
      sub: string,
      options?: CallOptions,
    ): Promise<{ sub: string; status: string; ended_sessions: number }> =>
      this.#user(`admin/users/${encodeURIComponent(sub)}/block`, 'POST', {}, options),
    unblockUser: (sub: string, options?: CallOptions): Promise<{ sub: string; status: string }> =>
      this.#user(`admin/users/${encodeURIComponent(sub)}/unblock`, 'POST', {}, options),
    endUserSessions: (sub: string, options?: CallOptions): Promise<{ sub: string; ended_sessions: number }> =>
      this.#user(`admin/users/${encodeURIComponent(sub)}/sessions/end`, 'POST', {}, options),
    audit: (query: AuditQuery = {}, options?: CallOptions): Promise<Page<AuditEntry>> =>
      this.request('admin/audit', { ...options, auth: true, query }),
  };

  #user<T>(path: string, method: string, body: unknown, options?: CallOptions): Promise<T> {
    return this.request<T>(path, { ...options, method, body, auth: true });
  }

  // ---- the session machinery ---------------------------------------------------------------

  /**
   * The stored credentials — or what another tab just broadcast, if that is newer. Chromium keeps
   * localStorage per renderer process and syncs it between tabs asynchronously, unordered with
   * BroadcastChannel messages: a tab woken by "I refreshed" still read the old token in 80 of 200
   * tries and refreshed it a second time. So the broadcast carries what was written, and for a
   * moment it outranks an older stored value (each write is stamped `stored_at`).
   */
  async #read(): Promise<Credentials | null> {
    const stored = parseCredentials(await this.#storage.get(this.#key));
    const heard = this.#heard;
    if (heard && this.#clock.now() < heard.until && heard.stamp > (stored?.stored_at ?? 0)) {
      return heard.credentials;
    }
    return stored;
  }

  async #write(next: Credentials | null): Promise<void> {
    // Stamps only ever grow, even if the clock steps back, so "newer" is well defined across tabs.
    const stamp = Math.max(this.#clock.now(), this.#stamp + 1, (this.#heard?.stamp ?? 0) + 1);
    this.#stamp = stamp;
    let value: string | null = null;
    if (next) {
      next.stored_at = stamp;
      value = JSON.stringify(next);
      await this.#storage.set(this.#key, value);
    } else await this.#storage.remove(this.#key);
    this.#channel?.postMessage({ stamp, value });
    this.#last ??= null;
    this.#adopt(next);
  }

  /**
   * Takes `next` as what is stored now: tells the listeners what changed, re-arms the timer. The
   * first look at the storage (`#last` undefined) is no event: that session was there before us.
   */
  #adopt(next: Credentials | null): void {
    const last = this.#last;
    this.#last = next;
    if (last !== undefined && changed(last, next)) {
      const event: ChangeEvent = !next
        ? 'signed_out'
        : !last || (last.sub !== undefined && last.sub !== next.sub)
          ? 'signed_in'
          : 'refreshed';
      if (!next || event === 'signed_in') this.#failures.clear();
      for (const listener of this.#listeners) {
        // After the current call returns: a listener that calls the client cannot deadlock it.
        void Promise.resolve().then(() => listener(event, next));
      }
    }
    this.#schedule(next);
  }

  /** Another tab changed the storage (broadcast or `storage` event). */
  async #sync(): Promise<void> {
    if (this.#disposed) return;
    try {
      this.#adopt(await this.#read());
    } catch {
      // An unreadable storage now is the next call's error, not an unhandled rejection here.
    }
    for (const wake of this.#waiters) wake();
  }

  async #fresh(): Promise<Credentials> {
    const current = await this.#read();
    this.#adopt(current);
    if (!current) throw unauthenticated('not signed in');
    if (this.#clock.now() < refreshDueAt(current, this.#marginMs)) return current;
    try {
      return await this.#refresh(current);
    } catch (error) {
      // A failed refresh ahead of expiry does not end a session whose access token still works.
      if ((error as AuthClientError).error !== 'unauthenticated' && this.#clock.now() < current.expires_at) {
        return current;
      }
      throw error;
    }
  }

  /** One refresh in flight in this client; `seen` is the credentials the caller found due or refused. */
  #refresh(seen: Credentials): Promise<Credentials> {
    this.#inflight ??= this.#rotate(seen).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #rotate(seen: Credentials): Promise<Credentials> {
    const epoch = this.#epoch;
    const current = await this.#read();
    if (!current) throw unauthenticated('signed out');
    // Another tab (or a sign-in) has replaced what the caller saw: use it, unless it is due too.
    if (changed(current, seen) && this.#clock.now() < refreshDueAt(current, this.#marginMs)) {
      return this.#took(current);
    }
    const key = current.refresh_token ?? current.access_token;
    const failed = this.#failures.get(key);
    if (failed && this.#clock.now() < failed.until) throw failed.error;
    if (!this.#crossTab) return this.#grant(current, key, epoch);
    const now = this.#clock.now();
    const replaced = async () => {
      const stored = await this.#read();
      return changed(stored, current) ? stored : undefined;
    };
    return elect(
      this.#key,
      this.#storage,
      this.#owner,
      now + this.#waitMs,
      now,
      async () => {
        const stored = await replaced();
        return stored === undefined ? this.#grant(current, key, epoch) : this.#took(stored);
      },
      async () => {
        // Another tab refreshes: wait (bounded) for its broadcast, then take its result — or, if it
        // never answers (frozen, closed), refresh ourselves; the server's grace makes that safe.
        let stored = await replaced();
        if (stored === undefined) {
          await this.#waitForChange(current);
          stored = await replaced();
        }
        return stored === undefined ? this.#grant(current, key, epoch) : this.#took(stored);
      },
    );
  }

  #took(stored: Credentials | null): Credentials {
    this.#adopt(stored);
    if (!stored) throw unauthenticated('signed out');
    return stored;
  }

  async #waitForChange(current: Credentials): Promise<void> {
    await new Promise<void>((resolve) => {
      let handle: unknown;
      const done = () => {
        this.#clear(handle);
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
      handle = this.#setTimer(done, this.#waitMs);
      if (this.#disposed || changed(this.#last ?? null, current)) done();
    });
  }

  async #grant(current: Credentials, key: string, epoch: number): Promise<Credentials> {
    let response: TokenResponse;
    try {
      if (current.refresh_token) {
        response = await this.token({ grant_type: 'refresh_token', refresh_token: current.refresh_token });
      } else if (this.#secret !== undefined) {
        // A client_credentials session renews by asking again.
        response = await this.token({ grant_type: 'client_credentials', scope: current.scope });
      } else {
        throw unauthenticated('the session expired and has no refresh token');
      }
    } catch (error) {
      const code = (error as AuthClientError).error;
      if (code === 'invalid_grant' || code === 'unauthenticated') {
        // Compare-and-delete: clear only what failed. Another tab may have rotated meanwhile (its
        // credentials are good), or signed in as someone else.
        const stored = await this.#read();
        if (changed(stored, current)) return this.#took(stored);
        const ended = unauthenticated('the session has ended; sign in again', error);
        this.#failures.set(key, { error: ended, until: Number.POSITIVE_INFINITY, count: 0 });
        await this.#write(null);
        throw ended;
      }
      // Anything else keeps the session: back off (with jitter) before this token is tried again,
      // so a failing server sees no refresh storm.
      const count = (this.#failures.get(key)?.count ?? 0) + 1;
      const base = Math.min(BACKOFF_CAP_MS, 1_000 * 2 ** (count - 1));
      const jitter = 0.5 + (this.#random(1)[0] ?? 0) / 510;
      this.#failures.set(key, { error, until: this.#clock.now() + base * jitter, count });
      this.#schedule(current);
      throw error;
    }
    // The commit guard: a sign-out (here or in another tab) or a newer session that landed while
    // the request was out wins; this rotation is discarded.
    const stored = await this.#read();
    if (epoch !== this.#epoch || !stored) throw unauthenticated('signed out during the refresh');
    if (changed(stored, current)) return this.#took(stored);
    const next = toCredentials(
      { ...response, refresh_token: response.refresh_token ?? current.refresh_token },
      this.#clock.now(),
    );
    if (!next.refresh_token) delete next.refresh_token;
    this.#failures.delete(key);
    await this.#write(next);
    return next;
  }

  #schedule(credentials: Credentials | null): void {
    if (!this.#autoRefresh || this.#disposed) return;
    this.#clearTimer();
    if (!credentials) return;
    const failed = this.#failures.get(credentials.refresh_token ?? credentials.access_token);
    if (failed?.until === Number.POSITIVE_INFINITY) return;
    const at = Math.max(refreshDueAt(credentials, this.#marginMs), failed?.until ?? 0);
    const delay = Math.min(2 ** 31 - 1, Math.max(0, at - this.#clock.now()));
    // Unref'd: a pending refresh never keeps a Node process alive.
    this.#timer = this.#setTimer(() => this.#tick(), delay, true);
  }

  #tick(): void {
    if (this.#disposed) return;
    this.#fresh().then(
      () => undefined,
      () => undefined,
    );
  }

  #setTimer(callback: () => void, ms: number, unref = false): unknown {
    const handle = this.#clock.setTimeout ? this.#clock.setTimeout(callback, ms) : setTimeout(callback, ms);
    if (unref) (handle as { unref?: () => void })?.unref?.();
    return handle;
  }

  #clear(handle: unknown): void {
    if (this.#clock.clearTimeout) this.#clock.clearTimeout(handle);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clear(this.#timer);
    this.#timer = undefined;
  }

  #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AuthClientError('aborted', { cause: signal.reason }));
      const onAbort = () => {
        this.#clear(handle);
        reject(new AuthClientError('aborted', { cause: signal?.reason }));
      };
      const handle = this.#setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #listen(target: EventTarget | undefined, type: string, handler: (event: Event) => void): void {
    if (!target?.addEventListener) return;
    target.addEventListener(type, handler);
    this.#cleanup.push(() => target.removeEventListener(type, handler));
  }
}
