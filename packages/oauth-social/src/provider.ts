import type { TransportOptions } from './internal/transport.js';
import type { ProviderId, SocialProfile, SubjectPreference } from './profile.js';
import type { OAuthTokens } from './tokens.js';

export interface AuthorizationURLInput {
  state: string;
  /** PKCE verifier; only providers that support PKCE use it (the challenge goes on the URL). */
  codeVerifier?: string;
  /** Platform scopes; each provider has a sensible default. */
  scopes?: string[];
  /** Overrides the provider's default redirect URI. */
  redirectUri?: string;
  /** OpenID Connect nonce (Google). Defaults to the one tied to `codeVerifier`, when given. */
  nonce?: string;
}

export interface ValidateCodeOptions {
  codeVerifier?: string;
  /** Must equal the one on the authorization URL where the platform checks it. */
  redirectUri?: string;
  /**
   * Google: the nonce sent on the authorization URL, checked against the ID token. Defaults to
   * `createCodeVerifierNonce(codeVerifier)` when a `codeVerifier` is given, which is the nonce both
   * state classes issue: the check cannot be skipped by leaving this out.
   */
  nonce?: string;
}

/** The four verbs every provider has. Verbs a platform does not offer throw `OAUTH_UNSUPPORTED`. */
export interface OAuthProvider {
  readonly id: ProviderId;
  createAuthorizationURL(input: AuthorizationURLInput): URL;
  validateAuthorizationCode(code: string, options?: ValidateCodeOptions): Promise<OAuthTokens>;
  refreshAccessToken(refreshToken: string): Promise<OAuthTokens>;
  getProfile(tokens: OAuthTokens): Promise<SocialProfile>;
}

/** Options every provider takes. */
export interface ProviderOptions extends TransportOptions {
  clientId: string;
  clientSecret: string;
  /** The default redirect URI (each call may override it). */
  redirectUri?: string;
  /** Which id becomes `profile.id`: the cross-app `unionId` when present (default) or the per-app `openId`. */
  subject?: SubjectPreference;
}
