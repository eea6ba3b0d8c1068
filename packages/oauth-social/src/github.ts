import { OAuthError, type OAuthErrorCode } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import {
  asObject,
  type JsonObject,
  readBoolean,
  readNumber,
  readString,
  splitScopes,
} from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import {
  createTransport,
  platformRequest,
  sendPlatformRequest,
  type Transport,
  unexpectedBody,
  withQuery,
} from './internal/transport.js';
import type { SocialProfile } from './profile.js';
import type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
import { createS256CodeChallenge } from './state.js';
import { OAuthTokens } from './tokens.js';

const HOSTS = {
  /** Authorize and token endpoints. */
  web: 'https://github.com',
  /** REST API. */
  api: 'https://api.github.com',
} as const;

const AUTHORIZE_PATH = '/login/oauth/authorize';
const TOKEN_PATH = '/login/oauth/access_token';
const USER_PATH = '/user';
const EMAILS_PATH = '/user/emails';

// GitHub rejects API calls without a User-Agent.
const USER_AGENT = 'lingpai-oauth-social';

export interface GitHubOptions extends ProviderOptions {
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
}

/**
 * GitHub OAuth apps and GitHub Apps. Profile `id` is the numeric user id (logins can be renamed).
 * Token errors arrive with HTTP 200 and an `error` field. `/user/emails` (needs the `user:email` scope)
 * is read whenever the token may: it gives a public `/user` email its `verified` flag, and when there is
 * no public email the primary verified address (else any verified one). Without that scope a public
 * email is returned with `emailVerified: false`, since `/user` alone does not say.
 */
export class GitHub implements OAuthProvider {
  readonly id = 'github' as const;
  readonly #options: GitHubOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;

  constructor(options: GitHubOptions) {
    checkOptions('github', options, [
      { name: 'clientId', what: 'the OAuth app Client ID' },
      { name: 'clientSecret', what: 'the Client secret' },
    ]);
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    return withQuery(this.#hosts.web + AUTHORIZE_PATH, {
      client_id: this.#options.clientId,
      redirect_uri: redirectUri,
      scope: (input.scopes ?? ['read:user', 'user:email']).join(' '),
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
        code,
        ...(redirectUri === undefined ? {} : { redirect_uri: redirectUri }),
        ...(options.codeVerifier === undefined ? {} : { code_verifier: options.codeVerifier }),
      },
      'code',
    );
  }

  /** Only for expiring user tokens (GitHub Apps): a refresh rotates both tokens. */
  refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    return this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh');
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const userBody = await this.#api(USER_PATH, tokens.accessToken());
    const user = asObject(userBody) ?? {};
    const id = readString(user, 'id');
    if (id === undefined) {
      throw new OAuthError('OAUTH_BAD_RESPONSE', 'github: /user has no id', {
        provider: this.id,
        payload: user,
      });
    }
    const publicEmail = readString(user, 'email');
    const emails = await this.#emails(tokens);
    const list = emails === undefined ? [] : emails.map(asObject);
    let email = publicEmail;
    let emailVerified = false;
    if (publicEmail !== undefined) {
      // `/user` carries no verified flag; the list does. Without it the flag stays false (documented).
      const wanted = publicEmail.toLowerCase();
      const entry = list.find((item) => readString(item, 'email')?.toLowerCase() === wanted);
      emailVerified = readBoolean(entry, 'verified') === true;
    } else {
      const primary = list.find(
        (entry) => readBoolean(entry, 'primary') === true && readBoolean(entry, 'verified') === true,
      );
      const chosen = primary ?? list.find((entry) => readBoolean(entry, 'verified') === true);
      if (chosen !== undefined) {
        email = readString(chosen, 'email');
        emailVerified = email !== undefined;
      }
    }
    return {
      provider: this.id,
      id,
      openId: id,
      unionId: undefined,
      name: readString(user, 'name') ?? readString(user, 'login'),
      avatarUrl: readString(user, 'avatar_url'),
      email,
      emailVerified,
      phone: undefined,
      raw: emails === undefined ? user : { ...user, emails },
    };
  }

  /**
   * `/user/emails`, or undefined when the token may not read it: skipped when the granted scopes are
   * known and include neither `user:email` nor `user`; a 403/404 (GitHub Apps without the email
   * permission) is tolerated.
   */
  async #emails(tokens: OAuthTokens): Promise<unknown[] | undefined> {
    const scopes = tokens.scopes();
    if (scopes.length > 0 && !scopes.includes('user:email') && !scopes.includes('user')) return undefined;
    try {
      const body = await this.#api(EMAILS_PATH, tokens.accessToken());
      return Array.isArray(body) ? body : undefined;
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'OAUTH_PERMISSION_DENIED') return undefined;
      throw error;
    }
  }

  async #token(params: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.web + TOKEN_PATH,
      headers: { 'user-agent': USER_AGENT },
      form: { client_id: this.#options.clientId, client_secret: this.#options.clientSecret, ...params },
    });
    // GitHub answers token errors with HTTP 200 and {"error": "..."}.
    const error = readString(body, 'error');
    if (error !== undefined || status >= 400) {
      const description = readString(body, 'error_description') ?? '';
      throw new OAuthError(
        tokenErrorCode(error, phase, status),
        `github: ${error ?? `HTTP ${status}`} ${description}`.trim(),
        {
          provider: this.id,
          platformCode: error ?? status,
          platformMessage: description,
          payload: body,
          status,
          retryable: status >= 500,
        },
      );
    }
    const accessToken = readString(body, 'access_token');
    if (accessToken === undefined) {
      throw new OAuthError('OAUTH_BAD_RESPONSE', 'github: the token response has no access_token', {
        provider: this.id,
        payload: body,
      });
    }
    return new OAuthTokens(
      this.id,
      {
        accessToken,
        tokenType: readString(body, 'token_type'),
        expiresIn: readNumber(body, 'expires_in'),
        refreshToken: readString(body, 'refresh_token'),
        refreshTokenExpiresIn: readNumber(body, 'refresh_token_expires_in'),
        scopes: splitScopes(readString(body, 'scope')),
      },
      body,
      this.#transport.clock.now(),
    );
  }

  async #api(path: string, accessToken: string): Promise<JsonObject | unknown[]> {
    const response = await sendPlatformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.api + path,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${accessToken}`,
        'user-agent': USER_AGENT,
      },
    });
    const { status, json } = response;
    if (status >= 400) {
      const code: OAuthErrorCode =
        status === 401
          ? 'OAUTH_INVALID_TOKEN'
          : status === 403 || status === 404
            ? rateLimitedOrDenied(response.headers)
            : status === 429
              ? 'OAUTH_RATE_LIMITED'
              : 'OAUTH_PLATFORM_ERROR';
      throw new OAuthError(code, `github: ${path} answered HTTP ${status}`, {
        provider: this.id,
        status,
        payload: json ?? response.text,
        retryable: code === 'OAUTH_RATE_LIMITED' || status >= 500,
      });
    }
    if (Array.isArray(json)) return json;
    const object = asObject(json);
    if (object === undefined) throw unexpectedBody(this.id, response);
    return object;
  }
}

function rateLimitedOrDenied(headers: Headers): OAuthErrorCode {
  return headers.get('x-ratelimit-remaining') === '0' ? 'OAUTH_RATE_LIMITED' : 'OAUTH_PERMISSION_DENIED';
}

function tokenErrorCode(
  error: string | undefined,
  phase: 'code' | 'refresh',
  status: number,
): OAuthErrorCode {
  switch (error) {
    case 'bad_verification_code':
      return 'OAUTH_INVALID_CODE';
    case 'bad_refresh_token':
      return 'OAUTH_INVALID_REFRESH_TOKEN';
    case 'incorrect_client_credentials':
    case 'redirect_uri_mismatch':
    case 'unverified_user_email':
    case 'unsupported_grant_type':
      return 'OAUTH_CONFIG_ERROR';
    case 'slow_down':
      return 'OAUTH_RATE_LIMITED';
    case 'invalid_grant':
      return phase === 'refresh' ? 'OAUTH_INVALID_REFRESH_TOKEN' : 'OAUTH_INVALID_CODE';
    default:
      return status === 429 ? 'OAUTH_RATE_LIMITED' : 'OAUTH_PLATFORM_ERROR';
  }
}
