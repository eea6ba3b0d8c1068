import type { TokenFetchContext } from '@lingpai/auth-core';
import { AppToken, type AppTokenOptions, missingToken } from './app-token.js';
import { throwIfHttpError } from './internal/api-status.js';
import { resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { platformRequest, withQuery } from './internal/transport.js';
import { throwIfWeChatError, WECHAT_INVALID_TOKEN_ERRCODES } from './internal/wechat-errors.js';

const HOSTS = { qyapi: 'https://qyapi.weixin.qq.com' } as const;

const GETTOKEN_PATH = '/cgi-bin/gettoken';
const MARGIN_MS = 300_000;

export interface WeComAppTokenOptions extends AppTokenOptions {
  corpId: string;
  /** The secret of ONE app (or the contacts secret): each secret has its own token. */
  corpSecret: string;
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

export interface WeComApiRequest {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  json?: unknown;
}

/**
 * The WeCom (企业微信) `access_token` of one app secret. gettoken returns the same token while it is
 * valid, but WeCom may revoke it early, so `withAppToken` retries once on 40001/40014/42001. The key
 * includes a fingerprint of the secret: one corp's several apps never share a token.
 */
export class WeComAppToken extends AppToken {
  readonly #options: WeComAppTokenOptions;
  readonly #api: string;

  constructor(options: WeComAppTokenOptions) {
    checkOptions('wecom', options, [
      { name: 'corpId', what: 'the CorpID' },
      { name: 'corpSecret', what: "the app's Secret" },
    ]);
    super(
      {
        provider: 'wecom',
        kind: 'corp',
        appId: options.corpId,
        secret: options.corpSecret,
        refreshMarginMs: MARGIN_MS,
        invalidCodes: WECHAT_INVALID_TOKEN_ERRCODES,
      },
      options,
    );
    this.#options = options;
    this.#api = resolveHosts(HOSTS, options.baseURL, options.hosts).qyapi;
  }

  protected async fetchToken(context: TokenFetchContext): Promise<{ token: string; expiresIn: number }> {
    const { body, status } = await platformRequest(this.transport, {
      provider: 'wecom',
      url: withQuery(this.#api + GETTOKEN_PATH, {
        corpid: this.#options.corpId,
        corpsecret: this.#options.corpSecret,
      }),
      signal: context.signal,
    });
    throwIfWeChatError('wecom', body, 'credential', status);
    const token = readString(body, 'access_token');
    const expiresIn = readNumber(body, 'expires_in');
    if (token === undefined || expiresIn === undefined || expiresIn <= 0)
      throw missingToken('wecom', body, status);
    return { token, expiresIn };
  }

  /** Calls a WeCom server API with `access_token` in the query; errcodes become `OAuthError`s. */
  request<T extends JsonObject = JsonObject>(path: string, request: WeComApiRequest = {}): Promise<T> {
    return this.withAppToken(async (token) => {
      const { body, status } = await platformRequest(this.transport, {
        provider: 'wecom',
        url: withQuery(this.#api + path, { ...request.query, access_token: token }),
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.json === undefined ? {} : { json: request.json }),
      });
      throwIfWeChatError('wecom', body, 'api', status);
      throwIfHttpError('wecom', path, status, body, token);
      return body as T;
    });
  }
}
