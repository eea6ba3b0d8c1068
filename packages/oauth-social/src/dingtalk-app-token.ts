import type { TokenFetchContext } from '@lingpai/auth-core';
import { AppToken, type AppTokenOptions, missingToken } from './app-token.js';
import { OAuthError } from './errors.js';
import { throwIfHttpError } from './internal/api-status.js';
import { throwIfDingTalkError } from './internal/dingtalk-errors.js';
import { resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { platformRequest, withQuery } from './internal/transport.js';

const HOSTS = { api: 'https://api.dingtalk.com' } as const;

const APP_TOKEN_PATH = '/v1.0/oauth2/accessToken';
const MARGIN_MS = 300_000;

export interface DingTalkAppTokenOptions extends AppTokenOptions {
  appKey: string;
  appSecret: string;
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

export interface DingTalkApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, string>;
  json?: unknown;
}

/**
 * DingTalk v1.0 app `accessToken` (for `api.dingtalk.com`; the legacy `oapi` token is a different
 * token space). While valid, DingTalk returns the same token and renews it. An API answering 401
 * (`InvalidAuthentication`) counts as "token invalid" for `withAppToken`.
 */
export class DingTalkAppToken extends AppToken {
  readonly #options: DingTalkAppTokenOptions;
  readonly #api: string;

  constructor(options: DingTalkAppTokenOptions) {
    checkOptions('dingtalk', options, [
      { name: 'appKey', what: 'the AppKey (Client ID)' },
      { name: 'appSecret', what: 'the AppSecret (Client Secret)' },
    ]);
    super(
      {
        provider: 'dingtalk',
        kind: 'app',
        appId: options.appKey,
        secret: options.appSecret,
        refreshMarginMs: MARGIN_MS,
        invalidCodes: ['InvalidAuthentication', 'InvalidAuthentication.AccessToken', '40014', '42001', '88'],
      },
      options,
    );
    this.#options = options;
    this.#api = resolveHosts(HOSTS, options.baseURL, options.hosts).api;
  }

  /** The platform codes, plus any 401 `OAUTH_INVALID_TOKEN` (v1.0 APIs name the code inconsistently). */
  override isTokenInvalid(error: unknown): boolean {
    if (super.isTokenInvalid(error)) return true;
    return error instanceof OAuthError && error.code === 'OAUTH_INVALID_TOKEN' && error.status === 401;
  }

  protected async fetchToken(context: TokenFetchContext): Promise<{ token: string; expiresIn: number }> {
    const { body, status } = await platformRequest(this.transport, {
      provider: 'dingtalk',
      url: this.#api + APP_TOKEN_PATH,
      json: { appKey: this.#options.appKey, appSecret: this.#options.appSecret },
      signal: context.signal,
    });
    throwIfDingTalkError('dingtalk', body, status, 'credential');
    const token = readString(body, 'accessToken');
    const expiresIn = readNumber(body, 'expireIn');
    if (token === undefined || expiresIn === undefined || expiresIn <= 0)
      throw missingToken('dingtalk', body, status);
    return { token, expiresIn };
  }

  /** Calls a v1.0 API with `x-acs-dingtalk-access-token`; 4xx bodies become `OAuthError`s. */
  request<T extends JsonObject = JsonObject>(path: string, request: DingTalkApiRequest = {}): Promise<T> {
    return this.withAppToken(async (token) => {
      const { body, status } = await platformRequest(this.transport, {
        provider: 'dingtalk',
        url: request.query === undefined ? this.#api + path : withQuery(this.#api + path, request.query),
        headers: { 'x-acs-dingtalk-access-token': token },
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.json === undefined ? {} : { json: request.json }),
      });
      throwIfDingTalkError('dingtalk', body, status, 'api');
      throwIfHttpError('dingtalk', path, status, body, token);
      return body as T;
    });
  }
}
