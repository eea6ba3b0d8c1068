import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { OAuthError } from './errors.js';
import { requireRedirectUri, resolveHosts } from './internal/endpoints.js';
import { readBoolean, readString, requireString } from './internal/fields.js';
import { checkOptions } from './internal/options.js';
import { rfc6749Fields, throwIfRfc6749Error } from './internal/rfc6749.js';
import { createTransport, platformRequest, type Transport, withQuery } from './internal/transport.js';
import type { SocialProfile } from './profile.js';
import type {
  AuthorizationURLInput,
  OAuthProvider,
  ProviderOptions,
  ValidateCodeOptions,
} from './provider.js';
import { createCodeVerifierNonce, createS256CodeChallenge } from './state.js';
import { OAuthTokens } from './tokens.js';

const HOSTS = {
  accounts: 'https://accounts.google.com',
  oauth2: 'https://oauth2.googleapis.com',
  openidconnect: 'https://openidconnect.googleapis.com',
  www: 'https://www.googleapis.com',
} as const;

const AUTHORIZE_PATH = '/o/oauth2/v2/auth';
const TOKEN_PATH = '/token';
const REVOKE_PATH = '/revoke';
const USERINFO_PATH = '/v1/userinfo';
const JWKS_PATH = '/oauth2/v3/certs';

/** Google signs ID tokens with either spelling of its issuer. */
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** Beyond a few minutes a "skew" allowance stops being skew and lets future-dated tokens through. */
const MAX_CLOCK_TOLERANCE_SEC = 300;

export interface GoogleOptions extends ProviderOptions {
  hosts?: Partial<Record<keyof typeof HOSTS, string>>;
  /** Accepted ID token issuers. Default Google's two spellings. */
  issuer?: string | string[];
  /** A key source for ID tokens instead of Google's JWKS (e.g. `createLocalJWKSet`). */
  jwks?: JWTVerifyGetKey;
  /**
   * Allowed clock skew when checking `exp`, `nbf` and how far in the future `iat` may be, in
   * seconds. Default 30, at most 300.
   */
  clockToleranceSec?: number;
  /** `access_type=offline` to receive a refresh token (on first consent). Default true. */
  offline?: boolean;
  /** `prompt`, e.g. `consent` to get a refresh token again. */
  prompt?: string;
}

/**
 * Google, as an OpenID Connect provider. The ID token is verified against Google's JWKS (signature,
 * issuer, audience = client id, expiry, an `iat` no later than now + skew, and the nonce). Profile
 * `id` is `sub`. PKCE (S256) is used whenever a `codeVerifier` is given, and then the nonce is tied
 * to the verifier (`createCodeVerifierNonce`): the exchange requires it even if the caller does not
 * pass it.
 */
export class Google implements OAuthProvider {
  readonly id = 'google' as const;
  readonly #options: GoogleOptions;
  readonly #hosts: Record<keyof typeof HOSTS, string>;
  readonly #transport: Transport;
  readonly #jwks: JWTVerifyGetKey;
  readonly #clockToleranceSec: number;

  constructor(options: GoogleOptions) {
    checkOptions('google', options, [
      { name: 'clientId', what: 'the OAuth client ID' },
      { name: 'clientSecret', what: 'the OAuth client secret' },
    ]);
    const tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SEC) {
      throw new OAuthError(
        'OAUTH_CONFIG_ERROR',
        `google: clockToleranceSec must be between 0 and ${MAX_CLOCK_TOLERANCE_SEC} seconds (got ${tolerance}); fix the server clock rather than widening it`,
        { provider: 'google' },
      );
    }
    this.#clockToleranceSec = tolerance;
    this.#options = options;
    this.#hosts = resolveHosts(HOSTS, options.baseURL, options.hosts);
    this.#transport = createTransport(options);
    const fetchImpl = options.fetch;
    this.#jwks =
      options.jwks ??
      createRemoteJWKSet(new URL(this.#hosts.www + JWKS_PATH), {
        timeoutDuration: this.#transport.timeoutMs,
        ...(fetchImpl === undefined
          ? {}
          : { [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init) }),
      });
  }

  createAuthorizationURL(input: AuthorizationURLInput): URL {
    const redirectUri = requireRedirectUri(this.id, input.redirectUri, this.#options.redirectUri);
    return withQuery(this.#hosts.accounts + AUTHORIZE_PATH, {
      response_type: 'code',
      client_id: this.#options.clientId,
      redirect_uri: redirectUri,
      scope: (input.scopes ?? ['openid', 'email', 'profile']).join(' '),
      state: input.state,
      ...(input.codeVerifier === undefined
        ? {}
        : { code_challenge: createS256CodeChallenge(input.codeVerifier), code_challenge_method: 'S256' }),
      // With PKCE and no explicit nonce, the verifier's nonce: the exchange will demand it anyway.
      ...(input.nonce !== undefined
        ? { nonce: input.nonce }
        : input.codeVerifier !== undefined
          ? { nonce: createCodeVerifierNonce(input.codeVerifier) }
          : {}),
      ...(this.#options.offline === false ? {} : { access_type: 'offline' }),
      ...(this.#options.prompt === undefined ? {} : { prompt: this.#options.prompt }),
    });
  }

  async validateAuthorizationCode(code: string, options: ValidateCodeOptions = {}): Promise<OAuthTokens> {
    const redirectUri = requireRedirectUri(this.id, options.redirectUri, this.#options.redirectUri);
    const tokens = await this.#token(
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        ...(options.codeVerifier === undefined ? {} : { code_verifier: options.codeVerifier }),
      },
      'code',
    );
    // The nonce the ID token must carry: the caller's, else the one tied to the PKCE verifier
    // (both state classes issue that one). Without either nothing links the token to this browser.
    const nonce =
      options.nonce ??
      (options.codeVerifier === undefined ? undefined : createCodeVerifierNonce(options.codeVerifier));
    if (tokens.hasIdToken()) {
      await this.verifyIdToken(tokens.idToken(), nonce === undefined ? {} : { nonce });
    } else if (options.nonce !== undefined) {
      throw new OAuthError('OAUTH_INVALID_ID_TOKEN', 'google: a nonce was sent but no ID token came back', {
        provider: this.id,
      });
    }
    return tokens;
  }

  /** A refreshed ID token is verified like the first one (it carries no nonce, OIDC Core §12.2). */
  async refreshAccessToken(refreshToken: string): Promise<OAuthTokens> {
    const tokens = await this.#token({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh');
    if (tokens.hasIdToken()) await this.verifyIdToken(tokens.idToken());
    return tokens;
  }

  /** Revokes an access or refresh token (RFC 7009 style endpoint). */
  async revokeToken(token: string): Promise<void> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.oauth2 + REVOKE_PATH,
      form: { token },
    }).catch((error: unknown) => {
      // A successful revoke may answer with an empty body.
      if (error instanceof OAuthError && error.code === 'OAUTH_BAD_RESPONSE' && error.status === 200) {
        return { body: {}, status: 200 };
      }
      throw error;
    });
    throwIfRfc6749Error(this.id, body, status, 'refresh');
  }

  /**
   * Verifies an ID token: signature (JWKS), `iss`, `aud` = client id, `exp` (required), `iat`
   * (required, and no later than now + `clockToleranceSec`), `azp`, and, when a nonce is given, a
   * `nonce` claim equal to it (a token without one fails). Returns the claims; throws
   * `OAUTH_INVALID_ID_TOKEN`.
   */
  async verifyIdToken(idToken: string, options: { nonce?: string } = {}): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.#jwks, {
        issuer: this.#options.issuer ?? GOOGLE_ISSUERS,
        audience: this.#options.clientId,
        currentDate: new Date(this.#transport.clock.now()),
        clockTolerance: this.#clockToleranceSec,
        algorithms: ['RS256', 'ES256'],
        // jose checks `exp`/`iat` only when present; OpenID Connect Core §2 makes them mandatory.
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired
          ? 'it has expired'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `claim "${error.claim}" failed (${error.reason})`
            : error instanceof joseErrors.JWSSignatureVerificationFailed
              ? 'the signature does not verify'
              : error instanceof Error
                ? error.message
                : 'unknown error';
      throw new OAuthError('OAUTH_INVALID_ID_TOKEN', `google: ID token rejected: ${reason}`, {
        provider: this.id,
        cause: error,
        // Fetching the JWKS can fail for network reasons; only those are worth retrying.
        retryable: error instanceof joseErrors.JWKSTimeout,
      });
    }
    // OpenID Connect Core §3.1.3.7: with several audiences `azp` must be present, and when present
    // it must be our client id (a token minted for another client that lists us is not ours).
    const audiences = Array.isArray(payload.aud) ? payload.aud : [];
    if (
      (payload.azp !== undefined && payload.azp !== this.#options.clientId) ||
      (audiences.length > 1 && payload.azp === undefined)
    ) {
      throw new OAuthError('OAUTH_INVALID_ID_TOKEN', 'google: ID token rejected: `azp` is not this client', {
        provider: this.id,
      });
    }
    // jose checks a future `iat` only together with `maxTokenAge`; a token dated ahead of our clock
    // by more than the skew was minted by a wrong clock or for later use, and is refused.
    const nowSec = Math.floor(this.#transport.clock.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > nowSec + this.#clockToleranceSec) {
      throw new OAuthError(
        'OAUTH_INVALID_ID_TOKEN',
        `google: ID token rejected: \`iat\` is ${payload.iat - nowSec} s in the future (allowed skew ${this.#clockToleranceSec} s)`,
        { provider: this.id },
      );
    }
    if (options.nonce !== undefined) {
      if (payload.nonce === undefined) {
        throw new OAuthError(
          'OAUTH_INVALID_ID_TOKEN',
          'google: ID token rejected: a nonce was expected but the token carries none',
          { provider: this.id },
        );
      }
      if (payload.nonce !== options.nonce) {
        throw new OAuthError(
          'OAUTH_INVALID_ID_TOKEN',
          'google: ID token rejected: the nonce does not match (pass the nonce that was on the authorization URL)',
          { provider: this.id },
        );
      }
    }
    return payload;
  }

  async getProfile(tokens: OAuthTokens): Promise<SocialProfile> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.openidconnect + USERINFO_PATH,
      headers: { authorization: `Bearer ${tokens.accessToken()}` },
    });
    if (status === 401) {
      throw new OAuthError('OAUTH_INVALID_TOKEN', 'google: userinfo rejected the access token', {
        provider: this.id,
        status,
        payload: body,
      });
    }
    throwIfRfc6749Error(this.id, body, status, 'refresh');
    const sub = requireString(this.id, body, 'sub', body);
    // OpenID Connect Core §5.3.2: userinfo must describe the ID token's subject, else it is not used
    // (an access token swapped in from another login would otherwise name someone else).
    if (tokens.hasIdToken() && idTokenSubject(tokens.idToken()) !== sub) {
      throw new OAuthError('OAUTH_BAD_RESPONSE', 'google: userinfo `sub` differs from the ID token', {
        provider: this.id,
        status,
        payload: body,
      });
    }
    return {
      provider: this.id,
      id: sub,
      openId: sub,
      unionId: undefined,
      name: readString(body, 'name'),
      avatarUrl: readString(body, 'picture'),
      email: readString(body, 'email'),
      emailVerified: readBoolean(body, 'email_verified') === true,
      phone: undefined,
      raw: body,
    };
  }

  async #token(params: Record<string, string>, phase: 'code' | 'refresh'): Promise<OAuthTokens> {
    const { body, status } = await platformRequest(this.#transport, {
      provider: this.id,
      url: this.#hosts.oauth2 + TOKEN_PATH,
      form: { client_id: this.#options.clientId, client_secret: this.#options.clientSecret, ...params },
    });
    throwIfRfc6749Error(this.id, body, status, phase);
    requireString(this.id, body, 'access_token', body);
    return new OAuthTokens(this.id, rfc6749Fields(body), body, this.#transport.clock.now());
  }
}

/** The `sub` of an ID token this client already verified (or received on a refresh); undefined if unreadable. */
function idTokenSubject(idToken: string): string | undefined {
  try {
    return decodeJwt(idToken).sub;
  } catch {
    return undefined;
  }
}
