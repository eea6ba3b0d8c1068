import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { requireFirstPartyClient } from '../signin/first-party-client.js';
import { issueSignIn, SignInResponseSchema } from '../signin/sign-in-response.js';
import { findIdentityOwner, recordIdentitySignIn } from '../social/identity-repository.js';
import { startProviderLogin, verifyProviderLogin } from '../social/provider-login.js';
import { consumeProviderToken, issueProviderToken, peekProviderToken } from '../social/provider-tokens.js';
import { takeSocialLogin } from '../social/social-rate-limit.js';
import { assertUserMaySignIn } from '../users/user-status.js';
import { authenticateRequestClient } from './request-client.js';
import { absentBodyAsEmpty, cleanParams, deviceIdOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';

const ProviderUriQuery = Type.Object(
  {
    client_id: Param(128),
    provider_id: Param(64),
    redirect_uri: Param(2_048),
    provider_redirect_uri: Param(2_048),
    state: Param(512),
  },
  { additionalProperties: true },
);

const ProviderTokenBody = Type.Object(
  {
    client_id: Param(128),
    client_secret: Param(512),
    provider_id: Param(64),
    provider_code: Param(2_048),
    provider_redirect_uri: Param(2_048),
    state: Param(512),
    provider_access_token: Param(),
    provider_id_token: Param(),
  },
  { additionalProperties: true },
);

const SignInWithProviderBody = Type.Object(
  { client_id: Param(128), client_secret: Param(512), provider_token: Param(512), provider_id: Param(64) },
  { additionalProperties: true },
);

const ProviderProfileSchema = Type.Object({
  provider_id: Type.String(),
  name: Type.Optional(Type.String()),
  picture: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
});

function required(params: Record<string, string | undefined>, name: string): string {
  const value = params[name];
  if (value === undefined) throw new TokenServerError('invalid_request', `${name} is required`);
  return value;
}

/**
 * Social login, CloudBase's three steps (`@cloudbase/oauth` `genProviderRedirectUri`,
 * `grantProviderToken`, `signInWithProvider`):
 *
 * - `GET /auth/v1/provider/uri` — the platform's authorization URL. `redirect_uri` must be one the
 *   client registered, exactly; the login is kept pending (client, platform, redirect URI, device,
 *   PKCE verifier, state) for 10 minutes, for one use.
 * - `POST /auth/v1/provider/token` — the callback's code (and `state`, which the official client does
 *   not send: then the device's newest pending login of that platform and redirect URI) is exchanged
 *   with the platform; the answer is a `provider_token` (opaque, single use, 10 minutes, bound to the
 *   client and device) standing for the verified identity.
 * - `POST /auth/v1/signin/with/provider` — tokens for the user holding that identity, or
 *   `user_not_found` with the `provider_token` left usable for `POST /auth/v1/signup`.
 */
export const providerRoutes: RoutePlugin = (app, services) => {
  app.get(
    '/auth/v1/provider/uri',
    {
      schema: {
        summary: "A social platform's authorization URL",
        description: 'CloudBase GET /auth/v1/provider/uri (@cloudbase/oauth genProviderRedirectUri)',
        tags: ['social'],
        querystring: ProviderUriQuery,
        response: {
          200: Type.Object({ uri: Type.String(), signout_uri: Type.Optional(Type.String()) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const params = cleanParams(request.query);
      const { client } = await authenticateRequestClient(request, services, params);
      const providerId = required(params, 'provider_id');
      const redirectUri = params.redirect_uri ?? params.provider_redirect_uri;
      if (redirectUri === undefined)
        throw new TokenServerError('invalid_request', 'redirect_uri is required');
      await takeSocialLogin(services, request.ip);
      const uri = await startProviderLogin(services, {
        client,
        providerId,
        redirectUri,
        appState: params.state,
        deviceId: deviceIdOf(request),
      });
      return { uri: uri.toString() };
    },
  );

  app.post(
    '/auth/v1/provider/token',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: "Exchange a social platform's code for a provider_token",
        description: 'CloudBase POST /auth/v1/provider/token (@cloudbase/oauth grantProviderToken)',
        tags: ['social'],
        body: ProviderTokenBody,
        response: {
          200: Type.Object({
            provider_token: Type.String(),
            expires_in: Type.Integer(),
            provider_profile: Type.Optional(ProviderProfileSchema),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const params = cleanParams(request.body);
      const { client } = await authenticateRequestClient(request, services, params);
      const providerId = required(params, 'provider_id');
      if (params.provider_code === undefined) {
        // A platform access or ID token minted for some other app would prove nothing about this one.
        throw new TokenServerError(
          'invalid_request',
          'provider_code is required (provider_access_token and provider_id_token are not accepted)',
        );
      }
      const deviceId = deviceIdOf(request);
      // A mini program's code goes to WeChat with no pending login to vouch for it: counted here.
      if (!services.social.require(providerId).hasAuthorizePage) await takeSocialLogin(services, request.ip);
      const identity = await verifyProviderLogin(services, {
        client,
        providerId,
        code: params.provider_code,
        redirectUri: params.provider_redirect_uri,
        state: params.state,
        deviceId,
      });
      const issued = await issueProviderToken(services, identity, { clientId: client.id, deviceId });
      return {
        ...issued,
        provider_profile: {
          provider_id: identity.providerId,
          ...(identity.name === undefined ? {} : { name: identity.name }),
          ...(identity.picture === undefined ? {} : { picture: identity.picture }),
          ...(identity.email === undefined || !identity.emailVerified ? {} : { email: identity.email }),
        },
      };
    },
  );

  app.post(
    '/auth/v1/signin/with/provider',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Sign in with a provider_token',
        description: 'CloudBase POST /auth/v1/signin/with/provider (@cloudbase/oauth signInWithProvider)',
        tags: ['social'],
        body: SignInWithProviderBody,
        response: { 200: SignInResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const params = cleanParams(request.body);
      const { client } = await authenticateRequestClient(request, services, params);
      // As /auth/v1/signin: a third-party app signs users in through /auth/v1/authorize and its
      // consent screen, never straight from a platform login of its own.
      requireFirstPartyClient(client);
      const token = required(params, 'provider_token');
      const binding = { clientId: client.id, deviceId: deviceIdOf(request) };
      // Look before using the token up: `user_not_found` must leave it for the sign-up.
      const identity = await peekProviderToken(services, token, binding);
      if (params.provider_id !== undefined && params.provider_id !== identity.providerId) {
        throw new TokenServerError(
          'invalid_provider_token',
          'the provider_token was issued for another provider_id',
        );
      }
      const sub = await findIdentityOwner(services.db, identity);
      if (sub === undefined) {
        throw new TokenServerError(
          'user_not_found',
          'no user has this platform account yet: sign up with the provider_token',
        );
      }
      const user = await services.users.findBySub(sub);
      if (!user) throw new TokenServerError('user_not_found', 'no user has this platform account yet');
      // Refuse a blocked user before the token is spent.
      assertUserMaySignIn(user.status);
      // The single-use decision: of concurrent sign-ins (or a sign-up) with one token, one proceeds.
      await consumeProviderToken(services, token, binding);
      await recordIdentitySignIn(services.db, identity, new Date(services.clock.now()));
      return issueSignIn(services, {
        user,
        client,
        deviceId: binding.deviceId,
        amr: ['fed'],
        ip: request.ip,
      });
    },
  );
};
