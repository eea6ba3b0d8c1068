import { throwIfDouyinError } from './internal/douyin-errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { readNumber, readString, requireString, splitScopes } from './internal/fields.js';
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

const HOSTS = { open: 'https://open.douyin.com' } as const;

// Douyin's paths end with a slash; without it some gateways answer 404.
const AUTHORIZE_PATH = '/platform/oauth/connect/';
const ACCESS_TOKEN_PATH = '/oauth/access_token/';
const REFRESH_TOKEN_PATH = '/oauth/refresh_token/';
const USERINFO_PATH = '/oauth/userinfo/';

export interface DouyinOptions extends ProviderOptions {
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

/**
 * Douyin (抖音) user login: the user access token that carries an `open_id` (not the app-level
 * `client_token`, see `DouyinClientToken`). `clientId` is the `client_key`. The access token lives
 * 15 days and the refresh token 30; refreshing does not extend the refresh token. Profile `id` is
 * `union_id` when present, else `open_id`. No email; the mobile number, when granted, is encrypted.
 */
export class Douyin implements OAuthProvider {
  readonly id = 'douyin' as const;
  readonly #options: DouyinOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;
  readonly #subject: SubjectPreference;

  constructor(options: DouyinOptions) {
    checkOptions('douyin', options, [
      { name: 'clientId', what: 'the client_key' },
      { name: 'clientSecret', what: 'the client_secret' },
    ]);
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    this.#subject = options.subject ?? 'unionId';
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    return withQuery(this.#hosts.open + AUTHORIZE_PATH, {
      client_key: this.#options.clientId,
      response_type: 'code',
      // Douyin separates scopes with commas.
      scope: (input.scopes ?? ['user_info']).join(','),
      redirect_uri: redirectUri,
      state: input.state,
    });
  }

  /** Exchange the code once: authorizing again with the same code expires the earlier grant. */
  validateAuthorizationCode(code: string, _options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    return this.#token(
      ACCESS_TOKEN_PATH,
      {
        client_key: this.#options.clientId,
        client_secret: this.#options.clientSecret,
        code,
        grant_type: 'authorization_code',
      },
      'code',
    );
  }

  /** Needs no secret. Does not extend the refresh token (that is `/oauth/renew_refresh_token/`). */
  refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    return this.#token(
      REFRESH_TOKEN_PATH,
      { client_key: this.#options.clientId, grant_type: 'refresh_token', refresh_token: refreshToken },
      'refresh',
    );
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const accessToken = tokens.accessToken();
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.open + USERINFO_PATH,
      // The current docs put the token in an `access-token` header; older ones in the body. Send both.
      headers: { 'access-token': accessToken },
      form: { open_id: tokens.openId(), access_token: accessToken },
    });
    const data = throwIfDouyinError(this.id, body, status, 'api');
    const openId = readString(data, 'open_id') ?? tokens.openId();
    const unionId = readString(data, 'union_id');
    return {
      provider: this.id,
      id: chooseSubject(this.#subject, { openId, unionId }) ?? openId,
      openId,
      unionId,
      name: readString(data, 'nickname'),
      avatarUrl: readString(data, 'avatar_larger') ?? readString(data, 'avatar'),
      email: undefined,
      emailVerified: false,
      // `encrypt_mobile` is AES-encrypted with the client secret; decrypting is left to the caller.
      phone: undefined,
      raw: data,
    };
  }

  async #token(path: string, form: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.open + path,
      form,
    });
    const data = throwIfDouyinError(this.id, body, status, phase);
    return new OAuthTokens(
      this.id,
      {
        accessToken: requireString(this.id, data, 'access_token', body),
        expiresIn: readNumber(data, 'expires_in'),
        refreshToken: readString(data, 'refresh_token'),
        refreshTokenExpiresIn: readNumber(data, 'refresh_expires_in'),
        scopes: splitScopes(readString(data, 'scope')),
        openId: requireString(this.id, data, 'open_id', body),
        unionId: readString(data, 'union_id'),
      },
      body,
      this.#transport.clock.now(),
    );
  }
}
