import { OAuthError } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { readBoolean, readNumber, readString, requireString, splitScopes } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import { throwIfWeChatError } from './internal/wechat-errors.js';
import { chooseSubject, type SocialProfile, type SubjectPreference } from './profile.js';
import type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
import { OAuthTokens } from './tokens.js';

const HOSTS = {
  /** Authorization pages. */
  open: 'https://open.weixin.qq.com',
  /** Token, userinfo, code2session. */
  api: 'https://api.weixin.qq.com',
} as const;

const QRCONNECT_PATH = '/connect/qrconnect';
const OFFICIAL_ACCOUNT_AUTHORIZE_PATH = '/connect/oauth2/authorize';
const ACCESS_TOKEN_PATH = '/sns/oauth2/access_token';
const REFRESH_TOKEN_PATH = '/sns/oauth2/refresh_token';
const USERINFO_PATH = '/sns/userinfo';
const CODE2SESSION_PATH = '/sns/jscode2session';

/**
 * - `website`: Open Platform website QR login (`qrconnect`, scope `snsapi_login`).
 * - `official-account`: web authorization inside the WeChat browser (`snsapi_base` / `snsapi_userinfo`).
 * - `mini-program`: `wx.login()` code → `code2session` (no authorization URL, no profile API).
 */
export type WeChatPlatform = 'website' | 'official-account' | 'mini-program';

export interface WeChatOptions extends ProviderOptions {
  platform?: WeChatPlatform;
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
  /** `lang` for `sns/userinfo` and the QR page. Default `zh_CN`. */
  lang?: string;
}

/**
 * WeChat login. `clientId` is the AppID, `clientSecret` the AppSecret. Profile `id` is the unionid
 * when WeChat returned one (the app is bound to an Open Platform account, and for `snsapi_base` never
 * since 2017-12), else the openid. Snapshot-page users (`is_snapshotuser=1`) carry virtual ids and
 * are flagged `snapshotUser`.
 */
export class WeChat implements OAuthProvider {
  readonly id = 'wechat' as const;
  readonly platform: WeChatPlatform;
  readonly #options: WeChatOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;
  readonly #subject: SubjectPreference;

  constructor(options: WeChatOptions) {
    checkOptions(
      'wechat',
      options,
      [
        { name: 'clientId', what: 'the AppID' },
        { name: 'clientSecret', what: 'the AppSecret' },
      ],
      { platform: ['website', 'official-account', 'mini-program'] },
    );
    this.#options = options;
    this.platform = options.platform ?? 'website';
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    this.#subject = options.subject ?? 'unionId';
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    if (this.platform === 'mini-program') {
      throw new OAuthError('OAUTH_UNSUPPORTED', 'wechat: a mini program logs in with wx.login(), not a URL', {
        provider: this.id,
      });
    }
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    const website = this.platform === 'website';
    const scopes = input.scopes ?? [website ? 'snsapi_login' : 'snsapi_userinfo'];
    // WeChat documents this parameter order and rejects some reorderings; URLSearchParams keeps it.
    const url = withQuery(this.#hosts.open + (website ? QRCONNECT_PATH : OFFICIAL_ACCOUNT_AUTHORIZE_PATH), {
      appid: this.#options.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: scopes.join(','),
      state: input.state,
      ...(website && this.#options.lang !== undefined ? { lang: this.#options.lang } : {}),
    });
    // Without the fragment the in-WeChat browser shows an error page instead of redirecting.
    url.hash = 'wechat_redirect';
    return url;
  }

  async validateAuthorizationCode(code: string, _options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    if (this.platform === 'mini-program') return this.#code2Session(code);
    const url = withQuery(this.#hosts.api + ACCESS_TOKEN_PATH, {
      appid: this.#options.clientId,
      secret: this.#options.clientSecret,
      code,
      grant_type: 'authorization_code',
    });
    return this.#tokenRequest(url, 'code');
  }

  /** Refreshing needs no secret; while the access token is still valid WeChat only extends it. */
  async refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    if (this.platform === 'mini-program') {
      throw new OAuthError('OAUTH_UNSUPPORTED', 'wechat: mini-program sessions cannot be refreshed', {
        provider: this.id,
      });
    }
    const url = withQuery(this.#hosts.api + REFRESH_TOKEN_PATH, {
      appid: this.#options.clientId,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    return this.#tokenRequest(url, 'refresh');
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const openId = tokens.openId();
    const tokenUnionId = tokens.unionId();
    const snapshotUser = tokens.hasExtra('snapshotUser');
    const scopes = tokens.scopes();
    // snsapi_base and mini programs have no profile API: the ids are all there is.
    const canReadProfile =
      this.platform !== 'mini-program' &&
      (scopes.length === 0 || scopes.includes('snsapi_userinfo') || scopes.includes('snsapi_login'));
    if (!canReadProfile || snapshotUser) {
      return this.#profile({ openId, unionId: tokenUnionId, snapshotUser, raw: {} });
    }
    const url = withQuery(this.#hosts.api + USERINFO_PATH, {
      access_token: tokens.accessToken(),
      openid: openId,
      lang: this.#options.lang ?? 'zh_CN',
    });
    const { body, status } = await platformRequest(this.#transport, { provider: this.id, url });
    throwIfWeChatError(this.id, body, 'api', status);
    const avatar = readString(body, 'headimgurl');
    return this.#profile({
      openId: readString(body, 'openid') ?? openId,
      unionId: readString(body, 'unionid') ?? tokenUnionId,
      name: readString(body, 'nickname'),
      avatarUrl: avatar,
      snapshotUser,
      raw: body,
    });
  }

  #profile(input: {
    openId: string;
    unionId: string | undefined;
    name?: string | undefined;
    avatarUrl?: string | undefined;
    snapshotUser: boolean;
    raw: Record<string, unknown>;
  }): SocialProfile {
    return {
      provider: this.id,
      id: chooseSubject(this.#subject, input) ?? input.openId,
      openId: input.openId,
      unionId: input.unionId,
      name: input.name,
      avatarUrl: input.avatarUrl,
      email: undefined,
      emailVerified: false,
      phone: undefined,
      snapshotUser: input.snapshotUser,
      raw: input.raw,
    };
  }

  async #tokenRequest(url: URL, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, { provider: this.id, url });
    throwIfWeChatError(this.id, body, phase, status);
    requireString(this.id, body, 'access_token', body);
    const snapshot = readBoolean(body, 'is_snapshotuser') === true;
    return new OAuthTokens(
      this.id,
      {
        accessToken: readString(body, 'access_token'),
        expiresIn: readNumber(body, 'expires_in'),
        refreshToken: readString(body, 'refresh_token'),
        // WeChat's refresh_token lives 30 days and is not returned with a lifetime.
        refreshTokenExpiresIn: readString(body, 'refresh_token') === undefined ? undefined : 30 * 86_400,
        scopes: splitScopes(readString(body, 'scope')),
        openId: requireString(this.id, body, 'openid', body),
        unionId: readString(body, 'unionid'),
        extra: snapshot ? { snapshotUser: '1' } : undefined,
      },
      body,
      this.#transport.clock.now(),
    );
  }

  async #code2Session(jsCode: string): Promise<OAuthTokens> {
    const url = withQuery(this.#hosts.api + CODE2SESSION_PATH, {
      appid: this.#options.clientId,
      secret: this.#options.clientSecret,
      js_code: jsCode,
      grant_type: 'authorization_code',
    });
    const { body, status } = await platformRequest(this.#transport, { provider: this.id, url });
    throwIfWeChatError(this.id, body, 'code', status);
    // session_key is a secret for decrypting wx.getPhoneNumber & co: never send it to the client.
    return new OAuthTokens(
      this.id,
      {
        openId: requireString(this.id, body, 'openid', body),
        unionId: readString(body, 'unionid'),
        extra: { sessionKey: requireString(this.id, body, 'session_key', body) },
      },
      body,
      this.#transport.clock.now(),
    );
  }
}
