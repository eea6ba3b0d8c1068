import { type CounterStore, MemoryStore, type TokenFetchContext } from '@lingpai/auth-core';
import { AppToken, type AppTokenOptions, missingToken } from './app-token.js';
import { OAuthError } from './errors.js';
import { throwIfHttpError } from './internal/api-status.js';
import { resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { platformRequest, withQuery } from './internal/transport.js';
import { throwIfWeChatError, WECHAT_INVALID_TOKEN_ERRCODES } from './internal/wechat-errors.js';

const HOSTS = { api: 'https://api.weixin.qq.com' } as const;

const STABLE_TOKEN_PATH = '/cgi-bin/stable_token';
const CLASSIC_TOKEN_PATH = '/cgi-bin/token';

/** stable_token: the platform rotates 5 minutes before expiry, so refresh inside that window. */
const STABLE_MARGIN_MS = 240_000;
/** cgi-bin/token: a new token kills the old after a 5-minute overlap; refresh early enough to use it. */
const CLASSIC_MARGIN_MS = 300_000;
/** WeChat's limits on `force_refresh=true`: 20 a day, at least 30 s apart. */
const FORCE_REFRESH_PER_DAY = 20;
const FORCE_REFRESH_SPACING_MS = 30_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

export interface WeChatAppTokenOptions extends AppTokenOptions {
  appId: string;
  appSecret: string;
  /**
   * `stable` (default): `cgi-bin/stable_token`, which does not invalidate other servers' tokens.
   * `classic`: `cgi-bin/token`; every fetch kills the previous token after 5 minutes, so only one
   * shared cache may ever fetch for an app id.
   */
  mode?: 'stable' | 'classic';
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
  /** Counts `forceRefresh()` calls across processes. Default: `store` if it counts, else in memory. */
  counter?: CounterStore;
}

export interface WeChatApiRequest {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  json?: unknown;
}

function isCounterStore(value: unknown): value is CounterStore {
  return (
    value !== null && typeof value === 'object' && typeof (value as CounterStore).increment === 'function'
  );
}

/**
 * The WeChat official-account / mini-program `access_token` on the shared token cache. errcodes
 * 40001, 40014, 42001 (and 41001) mean "token invalid": `withAppToken` invalidates that exact token
 * and retries once. Stable and classic tokens are separate token spaces and use separate keys.
 */
export class WeChatAppToken extends AppToken {
  readonly mode: 'stable' | 'classic';
  readonly #options: WeChatAppTokenOptions;
  readonly #api: string;
  readonly #counter: CounterStore;
  #forceNext = false;

  constructor(options: WeChatAppTokenOptions) {
    checkOptions(
      'wechat',
      options,
      [
        { name: 'appId', what: 'the AppID' },
        { name: 'appSecret', what: 'the AppSecret' },
      ],
      { mode: ['stable', 'classic'] },
    );
    const mode = options.mode ?? 'stable';
    super(
      {
        provider: 'wechat',
        kind: mode,
        appId: options.appId,
        secret: options.appSecret,
        refreshMarginMs: mode === 'stable' ? STABLE_MARGIN_MS : CLASSIC_MARGIN_MS,
        invalidCodes: WECHAT_INVALID_TOKEN_ERRCODES,
      },
      options,
    );
    this.mode = mode;
    this.#options = options;
    this.#api = resolveHosts(HOSTS, options.baseURL, options.hosts).api;
    this.#counter =
      options.counter ??
      (isCounterStore(options.store) ? options.store : new MemoryStore({ clock: this.transport.clock }));
  }

  protected async fetchToken(context: TokenFetchContext): Promise<{ token: string; expiresIn: number }> {
    const force = this.#forceNext;
    this.#forceNext = false;
    const request =
      this.mode === 'stable'
        ? {
            url: this.#api + STABLE_TOKEN_PATH,
            json: {
              grant_type: 'client_credential',
              appid: this.#options.appId,
              secret: this.#options.appSecret,
              ...(force ? { force_refresh: true } : {}),
            },
          }
        : {
            url: withQuery(this.#api + CLASSIC_TOKEN_PATH, {
              grant_type: 'client_credential',
              appid: this.#options.appId,
              secret: this.#options.appSecret,
            }),
          };
    const { body, status } = await platformRequest(this.transport, {
      provider: 'wechat',
      signal: context.signal,
      ...request,
    });
    throwIfWeChatError('wechat', body, 'credential', status);
    const token = readString(body, 'access_token');
    const expiresIn = readNumber(body, 'expires_in');
    if (token === undefined || expiresIn === undefined || expiresIn <= 0)
      throw missingToken('wechat', body, status);
    return { token, expiresIn };
  }

  /**
   * Stable mode only: `force_refresh=true`, which invalidates the current token everywhere. Limited
   * locally to WeChat's own limits (20 a Beijing day, 30 s apart, counted in `counter` so all
   * processes share the budget); beyond them it throws `OAUTH_RATE_LIMITED` without calling WeChat.
   * Never called automatically: `withAppToken` uses a normal fetch after an invalid-token error.
   */
  async forceRefresh(): Promise<string> {
    if (this.mode !== 'stable') {
      throw new OAuthError('OAUTH_UNSUPPORTED', 'wechat: force_refresh exists only for stable_token', {
        provider: 'wechat',
      });
    }
    const now = this.transport.clock.now();
    // Under the cache's own store key, so `keyPrefix` namespaces the budget like the token.
    const base = `${this.cache.storeKey}:force`;
    const spacing = await this.#counter.increment(`${base}:spacing`, FORCE_REFRESH_SPACING_MS);
    if (spacing.count > 1) {
      throw new OAuthError('OAUTH_RATE_LIMITED', 'wechat: force_refresh is allowed once every 30 s', {
        provider: 'wechat',
        platformCode: 'local-force-refresh-spacing',
      });
    }
    const day = Math.floor((now + BEIJING_OFFSET_MS) / 86_400_000);
    const msLeftToday = (day + 1) * 86_400_000 - (now + BEIJING_OFFSET_MS);
    const daily = await this.#counter.increment(`${base}:day:${day}`, Math.max(1, Math.ceil(msLeftToday)));
    if (daily.count > FORCE_REFRESH_PER_DAY) {
      throw new OAuthError(
        'OAUTH_RATE_LIMITED',
        `wechat: force_refresh is limited to ${FORCE_REFRESH_PER_DAY} a day`,
        {
          provider: 'wechat',
          platformCode: 'local-force-refresh-daily',
          retryable: false,
        },
      );
    }
    const current = await this.cache.getEntry().catch(() => undefined);
    this.#forceNext = true;
    try {
      if (current !== undefined) await this.cache.invalidate(current.token);
      return await this.cache.get();
    } finally {
      this.#forceNext = false;
    }
  }

  /**
   * Calls a WeChat server API with the app token in the query (`access_token`), turning errcodes
   * into `OAuthError`s and retrying once with a fresh token on 40001/40014/42001.
   */
  request<T extends JsonObject = JsonObject>(path: string, request: WeChatApiRequest = {}): Promise<T> {
    return this.withAppToken(async (token) => {
      const { body, status } = await platformRequest(this.transport, {
        provider: 'wechat',
        url: withQuery(this.#api + path, { ...request.query, access_token: token }),
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.json === undefined ? {} : { json: request.json }),
      });
      throwIfWeChatError('wechat', body, 'api', status);
      throwIfHttpError('wechat', path, status, body, token);
      return body as T;
    });
  }
}
