import type { SocialProfile } from '@lingpai/oauth-social';
import type { LoadedClient } from '../clients/client-registry.js';
import { acceptsRedirectUri } from '../clients/redirect-uri-match.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { platformError } from './platform-errors.js';
import { identityFromProfile, type ProviderIdentity } from './provider-identity.js';
import { finishPendingLogin, startPendingLogin } from './provider-states.js';
import type { ConfiguredProvider } from './social-config.js';

/** What the platforms accept as `state` (WeChat: at most 128 bytes); printable ASCII, no spaces. */
const STATE_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * The platform's authorization URL for a login the server now keeps pending (client, platform,
 * redirect URI, device, PKCE verifier, the app's state) for 10 minutes. `ownRedirect` is for the
 * login page, whose callback is the server's own; every other redirect URI must be one the client
 * registered, exactly.
 */
export async function startProviderLogin(
  services: Services,
  input: {
    client: LoadedClient;
    providerId: string;
    redirectUri: string;
    appState: string | undefined;
    deviceId: string;
    /** Set by the login page, whose callback is the server's own (`redirectUri` is then not the client's). */
    interaction?: { id: string; idHash: string };
  },
): Promise<URL> {
  const provider = services.social.require(input.providerId);
  if (!provider.hasAuthorizePage) {
    throw new TokenServerError(
      'invalid_request',
      `${provider.id} has no authorization page: send the wx.login code to POST /auth/v1/provider/token`,
    );
  }
  if (input.interaction === undefined && !acceptsRedirectUri(input.client, input.redirectUri)) {
    throw new TokenServerError('invalid_request', 'redirect_uri is not registered for this client');
  }
  if (input.appState !== undefined && !STATE_PATTERN.test(input.appState)) {
    throw new TokenServerError(
      'invalid_request',
      'state must be 1–128 printable ASCII characters without spaces',
    );
  }
  const pending = await startPendingLogin(services, {
    clientId: input.client.id,
    providerId: provider.id,
    redirectUri: input.redirectUri,
    deviceId: input.deviceId,
    appState: input.appState,
    ...(input.interaction === undefined ? {} : { interaction: input.interaction }),
  });
  try {
    return provider.oauth.createAuthorizationURL({
      state: pending.state,
      codeVerifier: pending.codeVerifier,
      redirectUri: pending.redirectUri,
      ...(provider.scopes === undefined ? {} : { scopes: provider.scopes }),
    });
  } catch (error) {
    throw platformError(provider.id, error);
  }
}

/**
 * Finishes a platform login: the pending login is used up (once), the code exchanged with the
 * platform and the profile fetched. WeChat snapshot-page users — virtual ids, not a person who
 * consented — are refused, and an email is only ever what the platform said.
 */
export async function verifyProviderLogin(
  services: Services,
  input: {
    client: LoadedClient;
    providerId: string;
    code: string;
    redirectUri: string | undefined;
    state: string | undefined;
    deviceId: string;
  },
): Promise<ProviderIdentity> {
  const provider = services.social.require(input.providerId);
  let exchange: { codeVerifier?: string; redirectUri?: string } = {};
  if (provider.hasAuthorizePage) {
    const pending = await finishPendingLogin(services, {
      clientId: input.client.id,
      providerId: provider.id,
      deviceId: input.deviceId,
      state: input.state,
      redirectUri: input.redirectUri,
    });
    exchange = { codeVerifier: pending.codeVerifier, redirectUri: pending.redirectUri };
  }
  return exchangeProviderCode(services, provider, input.code, exchange);
}

/**
 * The platform half: the code exchanged, the profile fetched, snapshot-page users refused, the
 * identity keyed (see `identitySubject`).
 */
export async function exchangeProviderCode(
  services: Services,
  provider: ConfiguredProvider,
  code: string,
  exchange: { codeVerifier?: string; redirectUri?: string },
): Promise<ProviderIdentity> {
  let profile: SocialProfile;
  try {
    const tokens = await provider.oauth.validateAuthorizationCode(code, exchange);
    profile = await provider.oauth.getProfile(tokens);
  } catch (error) {
    const refusal = platformError(provider.id, error);
    services.log.warn(
      {
        provider: provider.id,
        errorCode: (error as { code?: unknown }).code,
        platformCode: (error as { platformCode?: unknown }).platformCode,
      },
      'platform login failed',
    );
    throw refusal;
  }
  if (profile.snapshotUser === true) {
    throw new TokenServerError(
      'permission_denied',
      'this WeChat user is on the snapshot page (virtual ids): open the page in full to sign in',
    );
  }
  return identityFromProfile(provider.id, provider.appId, profile);
}
