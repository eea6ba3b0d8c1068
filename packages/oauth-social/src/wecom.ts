import { OAuthError } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { readString } from './internal/fields.js';
import { checkOptions, type RequiredCredential } from './internal/options.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import { throwIfWeChatError } from './internal/wechat-errors.js';
import type { SocialProfile } from './profile.js';
import type { AuthorizationURLInput, OAuthProvider, ValidateCodeOptions } from './provider.js';
import { OAuthTokens } from './tokens.js';
import { WeComAppToken, type WeComAppTokenOptions } from './wecom-app-token.js';

const HOSTS = {
  /** In-app (WeCom client) authorization, shared with WeChat's official-account flow. */
  open: 'https://open.weixin.qq.com',
  /** Web QR login. */
  login: 'https://login.work.weixin.qq.com',
  /** Server API. */
  qyapi: 'https://qyapi.weixin.qq.com',
} as const;

const IN_APP_AUTHORIZE_PATH = '/connect/oauth2/authorize';
const QR_LOGIN_PATH = '/wwlogin/sso/login';
const GET_USER_INFO_PATH = '/cgi-bin/auth/getuserinfo';
const GET_USER_DETAIL_PATH = '/cgi-bin/auth/getuserdetail';
const USER_GET_PATH = '/cgi-bin/user/get';

/** Prefix of a non-member's `profile.id` (`openid:<openid>`), keeping it apart from member userids. */
export const WECOM_OPENID_PREFIX = 'openid:';

export interface WeComOptions extends Omit<WeComAppTokenOptions, 'hosts'> {
  agentId: string;
  /** `qr` (default): web QR login; `in-app`: inside the WeCom client. */
  flow?: 'qr' | 'in-app';
  redirectUri?: string;
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
  /** Share one app token with other code (else one is created from corpId/corpSecret and the cache options). */
  appToken?: WeComAppToken;
}

/**
 * WeCom (企业微信) login. There is no user access token: the code is exchanged with the app's
 * corp token (`auth/getuserinfo`) for a member `userid` or, for a non-member, an `openid`. Profile
 * `id` is the userid (unique inside the corp), else `openid:<openid>` (`openId` holds the bare openid)
 * so the two id spaces cannot collide; `unionId` is never set. Details come
 * from `user/get` and, when a `user_ticket` came back (snsapi_privateinfo), `auth/getuserdetail`.
 */
// The corp secret is only needed when WeCom creates its own app token.
function wecomCredentials(options: WeComOptions | undefined): RequiredCredential[] {
  return [
    { name: 'corpId', what: 'the CorpID' },
    { name: 'agentId', what: "the app's AgentId" },
    ...(options?.appToken === undefined ? [{ name: 'corpSecret', what: "the app's Secret" }] : []),
  ];
}

export class WeCom implements OAuthProvider {
  readonly id = 'wecom' as const;
  readonly appToken: WeComAppToken;
  readonly #options: WeComOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;

  constructor(options: WeComOptions) {
    checkOptions('wecom', options, wecomCredentials(options), { flow: ['qr', 'in-app'] });
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    this.appToken =
      options.appToken ?? new WeComAppToken({ ...options, hosts: { qyapi: this.#hosts.qyapi } });
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    if ((this.#options.flow ?? 'qr') === 'qr') {
      return withQuery(this.#hosts.login + QR_LOGIN_PATH, {
        login_type: 'CorpApp',
        appid: this.#options.corpId,
        agentid: this.#options.agentId,
        redirect_uri: redirectUri,
        state: input.state,
      });
    }
    const url = withQuery(this.#hosts.open + IN_APP_AUTHORIZE_PATH, {
      appid: this.#options.corpId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: (input.scopes ?? ['snsapi_base']).join(','),
      state: input.state,
      agentid: this.#options.agentId,
    });
    url.hash = 'wechat_redirect';
    return url;
  }

  async validateAuthorizationCode(code: string, _options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    const body = await this.appToken.withAppToken(async (token) => {
      const response = await platformRequest(this.#transport, {
        provider: this.id,
        url: withQuery(this.#hosts.qyapi + GET_USER_INFO_PATH, { access_token: token, code }),
      });
      throwIfWeChatError(this.id, response.body, 'code', response.status);
      return response.body;
    });
    // Older versions answer `UserId` / `OpenId`.
    const userId = readString(body, 'userid') ?? readString(body, 'UserId');
    const openId = readString(body, 'openid') ?? readString(body, 'OpenId');
    if (userId === undefined && openId === undefined) {
      throw new OAuthError('OAUTH_BAD_RESPONSE', 'wecom: getuserinfo returned neither userid nor openid', {
        provider: this.id,
        payload: body,
      });
    }
    return new OAuthTokens(
      this.id,
      {
        openId: userId ?? openId,
        extra: {
          userId,
          openId,
          userTicket: readString(body, 'user_ticket'),
          externalUserId: readString(body, 'external_userid'),
        },
      },
      body,
      this.#transport.clock.now(),
    );
  }

  async refreshAccessToken(_refreshToken: string): Promise<OAuthTokens> {
    throw new OAuthError(
      'OAUTH_UNSUPPORTED',
      'wecom: there is no user token to refresh; the app token is cached',
      {
        provider: this.id,
      },
    );
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const userId = tokens.hasExtra('userId') ? tokens.extra('userId') : undefined;
    const openId = tokens.hasExtra('openId') ? tokens.extra('openId') : undefined;
    if (userId === undefined) {
      const nonMember = openId ?? tokens.openId();
      // Members' userids are chosen by the corp, so a bare openid could equal one: namespace it.
      return this.#profile(`${WECOM_OPENID_PREFIX}${nonMember}`, nonMember, {}, {});
    }
    const member = await this.appToken.request(USER_GET_PATH, { query: { userid: userId } });
    let detail: Record<string, unknown> = {};
    if (tokens.hasExtra('userTicket')) {
      detail = await this.appToken.request(GET_USER_DETAIL_PATH, {
        method: 'POST',
        json: { user_ticket: tokens.extra('userTicket') },
      });
    }
    return this.#profile(userId, openId, member, detail);
  }

  #profile(
    id: string,
    openId: string | undefined,
    member: Record<string, unknown>,
    detail: Record<string, unknown>,
  ): SocialProfile {
    const email =
      readString(detail, 'biz_mail') ?? readString(detail, 'email') ?? readString(member, 'email');
    return {
      provider: this.id,
      id,
      openId: openId ?? id,
      unionId: undefined,
      name: readString(member, 'name'),
      avatarUrl: readString(detail, 'avatar') ?? readString(member, 'avatar'),
      email,
      emailVerified: false,
      phone: readString(detail, 'mobile') ?? readString(member, 'mobile'),
      raw: { ...member, ...detail },
    };
  }
}
