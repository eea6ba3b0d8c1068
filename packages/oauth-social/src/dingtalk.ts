import { throwIfDingTalkError } from './internal/dingtalk-errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { readBoolean, readNumber, readString, requireString } from './internal/fields.js';
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

const HOSTS = {
  /** The login / consent page. */
  login: 'https://login.dingtalk.com',
  /** v1.0 API. */
  api: 'https://api.dingtalk.com',
} as const;

const AUTHORIZE_PATH = '/oauth2/auth';
const USER_TOKEN_PATH = '/v1.0/oauth2/userAccessToken';
const ME_PATH = '/v1.0/contact/users/me';

export interface DingTalkOptions extends ProviderOptions {
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
  /** Restrict login to members of one organization (`corpId`). */
  corpId?: string;
}

/**
 * DingTalk login on the v1.0 API (`clientId` = AppKey / Client ID). `prompt=consent` is always sent:
 * without it `users/me` answers 403. The callback carries `authCode` (accept it with
 * `parseCallback`). Profile `id` is `unionId` (stable across a developer's apps), else `openId`.
 */
export class DingTalk implements OAuthProvider {
  readonly id = 'dingtalk' as const;
  readonly #options: DingTalkOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;
  readonly #subject: SubjectPreference;

  constructor(options: DingTalkOptions) {
    checkOptions('dingtalk', options, [
      { name: 'clientId', what: 'the Client ID (AppKey)' },
      { name: 'clientSecret', what: 'the Client Secret (AppSecret)' },
    ]);
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    this.#subject = options.subject ?? 'unionId';
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    const scopes = input.scopes ?? (this.#options.corpId === undefined ? ['openid'] : ['openid', 'corpid']);
    return withQuery(this.#hosts.login + AUTHORIZE_PATH, {
      redirect_uri: redirectUri,
      response_type: 'code',
      client_id: this.#options.clientId,
      scope: scopes.join(' '),
      state: input.state,
      prompt: 'consent',
      ...(this.#options.corpId === undefined ? {} : { org_type: 'management', corpId: this.#options.corpId }),
    });
  }

  validateAuthorizationCode(code: string, _options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    return this.#token({ code, grantType: 'authorization_code' }, 'code');
  }

  refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    return this.#token({ refreshToken, grantType: 'refresh_token' }, 'refresh');
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.api + ME_PATH,
      headers: { 'x-acs-dingtalk-access-token': tokens.accessToken() },
    });
    throwIfDingTalkError(this.id, body, status, 'api');
    const openId = readString(body, 'openId');
    const unionId = readString(body, 'unionId');
    const id =
      chooseSubject(this.#subject, { openId, unionId }) ?? requireString(this.id, body, 'unionId', body);
    return {
      provider: this.id,
      id,
      openId,
      unionId,
      name: readString(body, 'nick'),
      avatarUrl: readString(body, 'avatarUrl'),
      email: readString(body, 'email'),
      emailVerified: false,
      phone: readString(body, 'mobile'),
      // `visitor` marks a not-yet-joined visitor; keep it visible like WeChat's snapshot flag.
      ...(readBoolean(body, 'visitor') === true ? { snapshotUser: true } : {}),
      raw: body,
    };
  }

  async #token(params: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.api + USER_TOKEN_PATH,
      // v1.0 is camelCase JSON.
      json: { clientId: this.#options.clientId, clientSecret: this.#options.clientSecret, ...params },
    });
    throwIfDingTalkError(this.id, body, status, phase);
    const refreshToken = readString(body, 'refreshToken');
    return new OAuthTokens(
      this.id,
      {
        accessToken: requireString(this.id, body, 'accessToken', body),
        expiresIn: readNumber(body, 'expireIn'),
        refreshToken,
        // Documented as 30 days; not returned.
        refreshTokenExpiresIn: refreshToken === undefined ? undefined : 30 * 86_400,
        extra: { corpId: readString(body, 'corpId') },
      },
      body,
      this.#transport.clock.now(),
    );
  }
}
