import type { TokenFetchContext } from '@lingpai/auth-core';
import { AppToken, type AppTokenOptions, missingToken } from './app-token.js';
import { throwIfHttpError } from './internal/api-status.js';
import { DOUYIN_INVALID_TOKEN_CODES, throwIfDouyinError } from './internal/douyin-errors.js';
import { resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { platformRequest, withQuery } from './internal/transport.js';

const HOSTS = { open: 'https://open.douyin.com' } as const;

const CLIENT_TOKEN_PATH = '/oauth/client_token/';
/**
 * A new client_token kills the previous one after 5 minutes and only the newest two are kept, so
 * fetch rarely and from one place: refresh 5 minutes early, with little jitter.
 */
const MARGIN_MS = 300_000;

export interface DouyinClientTokenOptions extends AppTokenOptions {
  clientKey: string;
  clientSecret: string;
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

export interface DouyinApiRequest {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  json?: unknown;
}

/**
 * Douyin `client_token` (no user, no `open_id`): for APIs that touch no user data. Not the user
 * access token (see `Douyin`). Requesting it from a test environment with the production
 * `client_key` invalidates production's token: keep one shared store per `client_key`.
 */
export class DouyinClientToken extends AppToken {
  readonly #options: DouyinClientTokenOptions;
  readonly #open: string;

  constructor(options: DouyinClientTokenOptions) {
    checkOptions('douyin', options, [
      { name: 'clientKey', what: 'the client_key' },
      { name: 'clientSecret', what: 'the client_secret' },
    ]);
    super(
      {
        provider: 'douyin',
        kind: 'client',
        appId: options.clientKey,
        secret: options.clientSecret,
        refreshMarginMs: MARGIN_MS,
        invalidCodes: DOUYIN_INVALID_TOKEN_CODES,
      },
      options,
    );
    this.#options = options;
    this.#open = resolveHosts(HOSTS, options.baseURL, options.hosts).open;
  }

  protected async fetchToken(context: TokenFetchContext): Promise<{ token: string; expiresIn: number }> {
    const { body, status } = await platformRequest(this.transport, {
      provider: 'douyin',
      url: this.#open + CLIENT_TOKEN_PATH,
      json: {
        client_key: this.#options.clientKey,
        client_secret: this.#options.clientSecret,
        grant_type: 'client_credential',
      },
      signal: context.signal,
    });
    const data = throwIfDouyinError('douyin', body, status, 'credential');
    const token = readString(data, 'access_token');
    const expiresIn = readNumber(data, 'expires_in');
    if (token === undefined || expiresIn === undefined || expiresIn <= 0)
      throw missingToken('douyin', body, status);
    return { token, expiresIn };
  }

  /** Calls a Douyin Open API with the `access-token` header; `data.error_code` becomes an `OAuthError`. */
  request<T extends JsonObject = JsonObject>(path: string, request: DouyinApiRequest = {}): Promise<T> {
    return this.withAppToken(async (token) => {
      const { body, status } = await platformRequest(this.transport, {
        provider: 'douyin',
        url: request.query === undefined ? this.#open + path : withQuery(this.#open + path, request.query),
        headers: { 'access-token': token },
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.json === undefined ? {} : { json: request.json }),
      });
      throwIfDouyinError('douyin', body, status, 'api');
      throwIfHttpError('douyin', path, status, body, token);
      return body as T;
    });
  }
}
