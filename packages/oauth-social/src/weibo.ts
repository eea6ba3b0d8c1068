import { OAuthError, type OAuthErrorCode } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { type JsonObject, readNumber, readString, requireString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import type { SocialProfile } from './profile.js';
import type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
import { OAuthTokens } from './tokens.js';

const HOSTS = { api: 'https://api.weibo.com' } as const;

const AUTHORIZE_PATH = '/oauth2/authorize';
const TOKEN_PATH = '/oauth2/access_token';
const USER_SHOW_PATH = '/2/users/show.json';

export interface WeiboOptions extends ProviderOptions {
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

function classify(
  code: number | undefined,
  error: string | undefined,
  phase: 'code' | 'api',
): OAuthErrorCode {
  switch (code) {
    case 21325: // invalid_grant: the code is invalid, expired or used
      return phase === 'code' ? 'OAUTH_INVALID_CODE' : 'OAUTH_INVALID_TOKEN';
    case 21314: // token used
    case 21315: // token expired
    case 21316: // token revoked
    case 21317: // token rejected
    case 21327: // expired_token
    case 21332: // invalid_access_token
    case 21301: // auth failed
      return 'OAUTH_INVALID_TOKEN';
    case 21322: // redirect_uri_mismatch
    case 21323: // invalid_request
    case 21324: // invalid_client
    case 21326: // unauthorized_client
      return 'OAUTH_CONFIG_ERROR';
    case 10022: // IP requests out of rate limit
    case 10023: // user requests out of rate limit
    case 10024: // user requests for this API out of rate limit
      return 'OAUTH_RATE_LIMITED';
    case 10014: // insufficient app permissions
      return 'OAUTH_PERMISSION_DENIED';
    default:
      return error === 'invalid_grant' && phase === 'code' ? 'OAUTH_INVALID_CODE' : 'OAUTH_PLATFORM_ERROR';
  }
}

/** Weibo errors: `{error, error_code, request, error_uri}`, usually with HTTP 400/403. */
function throwIfWeiboError(body: JsonObject, status: number, phase: 'code' | 'api'): void {
  const errorCode = readNumber(body, 'error_code');
  const error = readString(body, 'error');
  if (errorCode === undefined && error === undefined && status < 400) return;
  const code = classify(errorCode, error, phase);
  throw new OAuthError(code, `weibo: ${errorCode ?? status} ${error ?? ''}`.trim(), {
    provider: 'weibo',
    platformCode: errorCode ?? error ?? status,
    platformMessage: error ?? '',
    payload: body,
    status,
    retryable: code === 'OAUTH_RATE_LIMITED' || status >= 500,
  });
}

/**
 * Sina Weibo. `clientId` is the App Key. The token response carries the user's `uid` (a string);
 * web apps get no refresh token (the mobile SDK only), so `refreshAccessToken` is unsupported.
 * Profile `id` is the uid. No email (the email API needs special approval).
 */
export class Weibo implements OAuthProvider {
  readonly id = 'weibo' as const;
  readonly #options: WeiboOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;

  constructor(options: WeiboOptions) {
    checkOptions('weibo', options, [
      { name: 'clientId', what: 'the App Key' },
      { name: 'clientSecret', what: 'the App Secret' },
    ]);
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    return withQuery(this.#hosts.api + AUTHORIZE_PATH, {
      client_id: this.#options.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      state: input.state,
      ...(input.scopes === undefined || input.scopes.length === 0 ? {} : { scope: input.scopes.join(',') }),
    });
  }

  async validateAuthorizationCode(code: string, options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    const redirectUri = requireRedirectUri(this.id, options.redirectUri, this.#options.redirectUri);
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.api + TOKEN_PATH,
      form: {
        client_id: this.#options.clientId,
        client_secret: this.#options.clientSecret,
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
      },
    });
    throwIfWeiboError(body, status, 'code');
    return new OAuthTokens(
      this.id,
      {
        accessToken: requireString(this.id, body, 'access_token', body),
        expiresIn: readNumber(body, 'expires_in'),
        openId: requireString(this.id, body, 'uid', body),
      },
      body,
      this.#transport.clock.now(),
    );
  }

  async refreshAccessToken(_refreshToken: string): Promise<OAuthTokens> {
    throw new OAuthError(
      'OAUTH_UNSUPPORTED',
      'weibo: web applications get no refresh token; log the user in again',
      {
        provider: this.id,
      },
    );
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const uid = tokens.openId();
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: withQuery(this.#hosts.api + USER_SHOW_PATH, { access_token: tokens.accessToken(), uid }),
    });
    throwIfWeiboError(body, status, 'api');
    const id = readString(body, 'idstr') ?? readString(body, 'id') ?? uid;
    return {
      provider: this.id,
      id,
      openId: id,
      unionId: undefined,
      name: readString(body, 'screen_name') ?? readString(body, 'name'),
      avatarUrl:
        readString(body, 'avatar_hd') ??
        readString(body, 'avatar_large') ??
        readString(body, 'profile_image_url'),
      email: undefined,
      emailVerified: false,
      phone: undefined,
      raw: body,
    };
  }
}
