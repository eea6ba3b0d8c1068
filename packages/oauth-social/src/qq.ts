import { OAuthError, type OAuthErrorCode } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString, requireString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import { chooseSubject, type SocialProfile, type SubjectPreference } from './profile.js';
import type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
import { OAuthTokens } from './tokens.js';

const HOSTS = { graph: 'https://graph.qq.com' } as const;

const AUTHORIZE_PATH = '/oauth2.0/authorize';
const TOKEN_PATH = '/oauth2.0/token';
const ME_PATH = '/oauth2.0/me';
const USER_INFO_PATH = '/user/get_user_info';

export interface QQOptions extends ProviderOptions {
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

function classify(code: number): OAuthErrorCode {
  switch (code) {
    case 100019: // code to access token error
    case 100018: // code expired? (documented as "code is expired")
      return 'OAUTH_INVALID_CODE';
    case 100020: // code is reused
      return 'OAUTH_CODE_REUSED';
    case 100014: // access token expired
    case 100015: // access token revoked
    case 100016: // access token check failed
      return 'OAUTH_INVALID_TOKEN';
    case 100013: // access token invalid
      return 'OAUTH_INVALID_TOKEN';
    case 100010: // redirect uri illegal
    case 100009: // client secret wrong? (documented as "client_secret invalid")
    case 100008: // client id does not exist
    case 100006: // illegal client_id
      return 'OAUTH_CONFIG_ERROR';
    case 100030: // user has not granted this API
      return 'OAUTH_PERMISSION_DENIED';
    default:
      return 'OAUTH_PLATFORM_ERROR';
  }
}

/**
 * QQ Connect errors: `{error, error_description}` on the oauth2.0 endpoints (we always ask for
 * `fmt=json`, otherwise QQ answers `callback( … );` JSONP or a query string) and `{ret, msg}` with
 * a non-zero `ret` on the OpenAPI. Both with HTTP 200.
 */
function throwIfQQError(body: JsonObject, phase: 'code' | 'refresh' | 'api', status: number): void {
  const error = readNumber(body, 'error') ?? readNumber(body, 'code');
  const ret = readNumber(body, 'ret');
  const failing =
    error !== undefined && error !== 0 ? error : ret !== undefined && ret !== 0 ? ret : undefined;
  if (failing === undefined && status < 400) return;
  const message = readString(body, 'error_description') ?? readString(body, 'msg') ?? '';
  let code: OAuthErrorCode = failing === undefined ? 'OAUTH_PLATFORM_ERROR' : classify(failing);
  if (phase === 'refresh' && (code === 'OAUTH_INVALID_CODE' || code === 'OAUTH_INVALID_TOKEN')) {
    code = 'OAUTH_INVALID_REFRESH_TOKEN';
  }
  // No access token is involved in a code exchange: a "token check" failure there is the app secret.
  if (phase === 'code' && code === 'OAUTH_INVALID_TOKEN') code = 'OAUTH_CONFIG_ERROR';
  // get_user_info answers ret=-1 … with a message when the token is bad; 100016-style codes cover the rest.
  throw new OAuthError(code, `qq: ${failing ?? status} ${message}`.trim(), {
    provider: 'qq',
    platformCode: failing ?? status,
    platformMessage: message,
    payload: body,
    status,
    retryable: status >= 500,
  });
}

/**
 * QQ Connect (QQ 互联). `clientId` is the APPID, `clientSecret` the APPKey. The token response has
 * no openid: `/oauth2.0/me` (with `unionid=1`) gives the openid and, when the app is bound to a
 * developer account, the unionid. Tokens live 90 days and refresh with the secret. No PKCE, no email.
 */
export class QQ implements OAuthProvider {
  readonly id = 'qq' as const;
  readonly #options: QQOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;
  readonly #subject: SubjectPreference;

  constructor(options: QQOptions) {
    checkOptions('qq', options, [
      { name: 'clientId', what: 'the APP ID' },
      { name: 'clientSecret', what: 'the APP Key' },
    ]);
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    this.#subject = options.subject ?? 'unionId';
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    return withQuery(this.#hosts.graph + AUTHORIZE_PATH, {
      response_type: 'code',
      client_id: this.#options.clientId,
      redirect_uri: redirectUri,
      state: input.state,
      scope: (input.scopes ?? ['get_user_info']).join(','),
    });
  }

  async validateAuthorizationCode(code: string, options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    // QQ checks that redirect_uri equals the one on the authorization URL.
    const redirectUri = requireRedirectUri(this.id, options.redirectUri, this.#options.redirectUri);
    return this.#token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }, 'code');
  }

  refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    return this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh');
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const accessToken = tokens.accessToken();
    const me = await platformRequest(this.#transport, {
      provider: this.id,
      url: withQuery(this.#hosts.graph + ME_PATH, { access_token: accessToken, unionid: '1', fmt: 'json' }),
    });
    throwIfQQError(me.body, 'api', me.status);
    const openId = requireString(this.id, me.body, 'openid', me.body);
    const unionId = readString(me.body, 'unionid');
    const info = await platformRequest(this.#transport, {
      provider: this.id,
      url: withQuery(this.#hosts.graph + USER_INFO_PATH, {
        access_token: accessToken,
        oauth_consumer_key: this.#options.clientId,
        openid: openId,
      }),
    });
    throwIfQQError(info.body, 'api', info.status);
    return {
      provider: this.id,
      id: chooseSubject(this.#subject, { openId, unionId }) ?? openId,
      openId,
      unionId,
      name: readString(info.body, 'nickname'),
      avatarUrl: readString(info.body, 'figureurl_qq_2') ?? readString(info.body, 'figureurl_qq_1'),
      email: undefined,
      emailVerified: false,
      phone: undefined,
      raw: { ...info.body, openid: openId, ...(unionId === undefined ? {} : { unionid: unionId }) },
    };
  }

  async #token(params: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: withQuery(this.#hosts.graph + TOKEN_PATH, {
        ...params,
        client_id: this.#options.clientId,
        client_secret: this.#options.clientSecret,
        fmt: 'json',
      }),
    });
    throwIfQQError(body, phase, status);
    return new OAuthTokens(
      this.id,
      {
        accessToken: requireString(this.id, body, 'access_token', body),
        expiresIn: readNumber(body, 'expires_in'),
        refreshToken: readString(body, 'refresh_token'),
      },
      body,
      this.#transport.clock.now(),
    );
  }
}
