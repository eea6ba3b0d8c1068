import type { TokenFetchContext } from '@lingpai/auth-core';
import { AppToken, type AppTokenOptions, missingToken } from './app-token.js';
import { throwIfHttpError } from './internal/api-status.js';
import { resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString } from './internal/fields.js';
import { LARK_INVALID_TOKEN_CODES, throwIfLarkError } from './internal/lark-errors.js';
import { checkOptions } from './internal/options.js';
import { platformRequest, withQuery } from './internal/transport.js';
import { LARK_REGIONS, type LarkHosts } from './lark.js';

const TENANT_TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
const APP_TOKEN_PATH = '/open-apis/auth/v3/app_access_token/internal';

/**
 * Lark returns the SAME token until less than 30 minutes remain, then a new one (both stay valid),
 * and `expire` is the remaining lifetime. A margin under 30 minutes makes each refresh get a new token.
 */
const MARGIN_MS = 600_000;

export interface LarkAppTokenOptions extends AppTokenOptions {
  appId: string;
  appSecret: string;
  /** `tenant` (default): tenant_access_token of a self-built app; `app`: app_access_token. */
  kind?: 'tenant' | 'app';
  region?: keyof typeof LARK_REGIONS;
  hosts?: Partial<LarkHosts>;
}

export interface LarkApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string>;
  json?: unknown;
}

/**
 * Lark / Feishu `tenant_access_token` or `app_access_token` (self-built apps) on the shared cache.
 * 99991663 (and its siblings) means "token invalid": `withAppToken` invalidates and retries once.
 * New tokens may be JWTs of several KB; stores must not truncate them.
 */
export class LarkAppToken extends AppToken {
  readonly kind: 'tenant' | 'app';
  readonly #options: LarkAppTokenOptions;
  readonly #open: string;

  constructor(options: LarkAppTokenOptions) {
    checkOptions(
      'lark',
      options,
      [
        { name: 'appId', what: 'the App ID' },
        { name: 'appSecret', what: 'the App Secret' },
      ],
      { kind: ['tenant', 'app'], region: Object.keys(LARK_REGIONS) },
    );
    const kind = options.kind ?? 'tenant';
    super(
      {
        provider: 'lark',
        kind,
        appId: options.appId,
        secret: options.appSecret,
        scope: [options.region ?? 'feishu'],
        refreshMarginMs: MARGIN_MS,
        invalidCodes: LARK_INVALID_TOKEN_CODES,
      },
      options,
    );
    this.kind = kind;
    this.#options = options;
    this.#open = resolveHosts(LARK_REGIONS[options.region ?? 'feishu'], options.baseURL, options.hosts).open;
  }

  protected async fetchToken(context: TokenFetchContext): Promise<{ token: string; expiresIn: number }> {
    const { body, status } = await platformRequest(this.transport, {
      provider: 'lark',
      url: this.#open + (this.kind === 'tenant' ? TENANT_TOKEN_PATH : APP_TOKEN_PATH),
      json: { app_id: this.#options.appId, app_secret: this.#options.appSecret },
      signal: context.signal,
    });
    throwIfLarkError('lark', body, status, 'credential');
    const token = readString(body, this.kind === 'tenant' ? 'tenant_access_token' : 'app_access_token');
    const expiresIn = readNumber(body, 'expire');
    if (token === undefined || expiresIn === undefined || expiresIn <= 0)
      throw missingToken('lark', body, status);
    return { token, expiresIn };
  }

  /** Calls a Lark Open API with `Authorization: Bearer <token>`; `{code, msg}` errors become `OAuthError`s. */
  request<T extends JsonObject = JsonObject>(path: string, request: LarkApiRequest = {}): Promise<T> {
    return this.withAppToken(async (token) => {
      const { body, status } = await platformRequest(this.transport, {
        provider: 'lark',
        url: request.query === undefined ? this.#open + path : withQuery(this.#open + path, request.query),
        headers: { authorization: `Bearer ${token}` },
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.json === undefined ? {} : { json: request.json }),
      });
      throwIfLarkError('lark', body, status, 'api');
      throwIfHttpError('lark', path, status, body, token);
      return body as T;
    });
  }
}
