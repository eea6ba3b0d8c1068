import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { asObject, readString, requireString } from './internal/fields.js';
import { throwIfLarkError } from './internal/lark-errors.js';
import { checkOptions } from './internal/options.js';
import { rfc6749Fields } from './internal/rfc6749.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import { chooseSubject, type SocialProfile, type SubjectPreference } from './profile.js';
import type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
import { createS256CodeChallenge } from './state.js';
import { OAuthTokens } from './tokens.js';

/** Feishu (China) and Lark (international) are the same API on different hosts. */
export const LARK_REGIONS = {
  feishu: { accounts: 'https://accounts.feishu.cn', open: 'https://open.feishu.cn' },
  lark: { accounts: 'https://accounts.larksuite.com', open: 'https://open.larksuite.com' },
} as const;

export type LarkHosts = Record<keyof (typeof LARK_REGIONS)['feishu'], string>;

const AUTHORIZE_PATH = '/open-apis/authen/v1/authorize';
const TOKEN_PATH = '/open-apis/authen/v2/oauth/token';
const USER_INFO_PATH = '/open-apis/authen/v1/user_info';

export interface LarkOptions extends ProviderOptions {
  region?: keyof typeof LARK_REGIONS;
  hosts?: Partial<LarkHosts>;
}

/**
 * Lark / Feishu login on authen v2 (RFC 6749-style, PKCE). `clientId` is the App ID. A refresh
 * token comes back only with the `offline_access` scope (added by default). Refreshing rotates it:
 * store the new one and never reuse the old. Profile `id` is `union_id` (per developer) when
 * present, else `open_id` (per app); the tenant `user_id` is in `raw`. Email needs contact scopes.
 */
export class Lark implements OAuthProvider {
  readonly id = 'lark' as const;
  readonly #options: LarkOptions;
  readonly #hosts: LarkHosts;
  readonly #transport: Transport;
  readonly #subject: SubjectPreference;

  constructor(options: LarkOptions) {
    checkOptions(
      'lark',
      options,
      [
        { name: 'clientId', what: 'the App ID' },
        { name: 'clientSecret', what: 'the App Secret' },
      ],
      { region: Object.keys(LARK_REGIONS) },
    );
    this.#options = options;
    this.#hosts = resolveHosts(LARK_REGIONS[options.region ?? 'feishu'], options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    this.#subject = options.subject ?? 'unionId';
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    const scopes = input.scopes ?? ['offline_access'];
    return withQuery(this.#hosts.accounts + AUTHORIZE_PATH, {
      client_id: this.#options.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: scopes.length === 0 ? undefined : scopes.join(' '),
      state: input.state,
      ...(input.codeVerifier === undefined
        ? {}
        : { code_challenge: createS256CodeChallenge(input.codeVerifier), code_challenge_method: 'S256' }),
    });
  }

  validateAuthorizationCode(code: string, options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    const redirectUri = options.redirectUri ?? this.#options.redirectUri;
    return this.#token(
      {
        grant_type: 'authorization_code',
        code,
        ...(redirectUri === undefined ? {} : { redirect_uri: redirectUri }),
        ...(options.codeVerifier === undefined ? {} : { code_verifier: options.codeVerifier }),
      },
      'code',
    );
  }

  refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    return this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh');
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.open + USER_INFO_PATH,
      headers: { authorization: `Bearer ${tokens.accessToken()}` },
    });
    throwIfLarkError(this.id, body, status, 'api');
    const data = asObject(body.data);
    const openId = requireString(this.id, data, 'open_id', body);
    const unionId = readString(data, 'union_id');
    return {
      provider: this.id,
      id: chooseSubject(this.#subject, { openId, unionId }) ?? openId,
      openId,
      unionId,
      name: readString(data, 'name') ?? readString(data, 'en_name'),
      avatarUrl: readString(data, 'avatar_url') ?? readString(data, 'avatar_big'),
      email: readString(data, 'email') ?? readString(data, 'enterprise_email'),
      // Lark does not say whether the address was verified.
      emailVerified: false,
      phone: readString(data, 'mobile'),
      raw: data ?? {},
    };
  }

  async #token(params: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.open + TOKEN_PATH,
      json: { client_id: this.#options.clientId, client_secret: this.#options.clientSecret, ...params },
    });
    throwIfLarkError(this.id, body, status, phase);
    requireString(this.id, body, 'access_token', body);
    return new OAuthTokens(this.id, rfc6749Fields(body), body, this.#transport.clock.now());
  }
}
