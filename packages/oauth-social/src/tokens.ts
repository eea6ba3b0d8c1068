import { OAuthError } from './errors.js';
import type { ProviderId } from './profile.js';

/** What a provider extracted from its token response; every field optional, the accessors validate. */
export interface OAuthTokenFields {
  accessToken?: string | undefined;
  tokenType?: string | undefined;
  /** Seconds, as the platform sent it. */
  expiresIn?: number | undefined;
  refreshToken?: string | undefined;
  /** Seconds. */
  refreshTokenExpiresIn?: number | undefined;
  scopes?: string[] | undefined;
  idToken?: string | undefined;
  openId?: string | undefined;
  unionId?: string | undefined;
  /** Platform extras (`sessionKey`, `userId`, `userTicket`, `uid`, `snapshotUser`, `corpId`). */
  extra?: Record<string, string | undefined> | undefined;
}

/**
 * The result of a code exchange or refresh. Accessors throw `OAUTH_MISSING_FIELD` when the platform
 * did not send the field, so a missing token never travels on as `undefined`. The raw response is on
 * the non-enumerable `raw`.
 */
export class OAuthTokens {
  readonly provider: ProviderId;
  /** Epoch milliseconds when the response arrived (from the provider's clock). */
  readonly issuedAt: number;
  readonly #fields: OAuthTokenFields;
  declare readonly raw: unknown;

  constructor(provider: ProviderId, fields: OAuthTokenFields, raw: unknown, issuedAt: number) {
    this.provider = provider;
    this.issuedAt = issuedAt;
    this.#fields = fields;
    Object.defineProperty(this, 'raw', { value: raw, enumerable: false });
  }

  #require(value: string | undefined, name: string): string {
    if (value === undefined || value === '') {
      throw new OAuthError('OAUTH_MISSING_FIELD', `${this.provider}: the token response has no ${name}`, {
        provider: this.provider,
      });
    }
    return value;
  }

  accessToken(): string {
    return this.#require(this.#fields.accessToken, 'access token');
  }

  hasAccessToken(): boolean {
    return this.#fields.accessToken !== undefined;
  }

  tokenType(): string {
    return this.#fields.tokenType ?? 'Bearer';
  }

  /** When the access token expires. Throws when the platform gave no lifetime (GitHub classic tokens). */
  accessTokenExpiresAt(): Date {
    const seconds = this.#fields.expiresIn;
    if (seconds === undefined) {
      throw new OAuthError('OAUTH_MISSING_FIELD', `${this.provider}: the token response has no expiry`, {
        provider: this.provider,
      });
    }
    return new Date(this.issuedAt + seconds * 1000);
  }

  hasRefreshToken(): boolean {
    return this.#fields.refreshToken !== undefined;
  }

  refreshToken(): string {
    return this.#require(this.#fields.refreshToken, 'refresh token');
  }

  refreshTokenExpiresAt(): Date {
    const seconds = this.#fields.refreshTokenExpiresIn;
    if (seconds === undefined) {
      throw new OAuthError(
        'OAUTH_MISSING_FIELD',
        `${this.provider}: the token response has no refresh expiry`,
        {
          provider: this.provider,
        },
      );
    }
    return new Date(this.issuedAt + seconds * 1000);
  }

  /** Granted scopes; empty when the platform does not echo them. */
  scopes(): string[] {
    return [...(this.#fields.scopes ?? [])];
  }

  idToken(): string {
    return this.#require(this.#fields.idToken, 'ID token');
  }

  hasIdToken(): boolean {
    return this.#fields.idToken !== undefined;
  }

  /** The per-app user id returned with the token (WeChat/Douyin `openid`, Weibo `uid`, Alipay `open_id ?? user_id`). */
  openId(): string {
    return this.#require(this.#fields.openId, 'openid');
  }

  hasOpenId(): boolean {
    return this.#fields.openId !== undefined;
  }

  /** The cross-app id, when the platform returned one with the token (it often does not). */
  unionId(): string | undefined {
    return this.#fields.unionId;
  }

  /** A platform extra, e.g. `tokens.extra('sessionKey')` for a WeChat mini program. */
  extra(name: string): string {
    return this.#require(this.#fields.extra?.[name], `"${name}"`);
  }

  hasExtra(name: string): boolean {
    return this.#fields.extra?.[name] !== undefined;
  }
}
