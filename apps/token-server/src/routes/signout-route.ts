import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { absentBodyAsEmpty, bearerToken } from './request-context.js';
import { endSession } from './revocation-routes.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';

const SignoutBody = Type.Object(
  { redirect_uri: Param(2_048), state: Param(512) },
  { additionalProperties: true },
);

const challenge = (error?: string) => ({
  'WWW-Authenticate': error ? `Bearer realm="lingpai", error="${error}"` : 'Bearer realm="lingpai"',
});

/** `redirect_uri` with `state` appended, when it is exactly one of the client's registered logout URIs. */
export function logoutRedirect(
  logoutUris: readonly string[],
  redirectUri: string | undefined,
  state: string | undefined,
): string | undefined {
  if (redirectUri === undefined || !logoutUris.includes(redirectUri)) return undefined;
  if (state === undefined) return redirectUri;
  const url = new URL(redirectUri);
  url.searchParams.append('state', state);
  return url.toString();
}

/**
 * `POST /auth/v1/user/signout` (CloudBase; Bearer; `{ redirect_uri?, state? }`): ends the session
 * (refresh family) of the Bearer token on every instance.
 *
 * It succeeds with an *expired* access token — the signature, `typ`, issuer and audience are checked,
 * the expiry is not — because a user who signs out after an idle hour must still end the refresh
 * token that outlives the access token. A token whose session already ended answers as a success and
 * changes nothing (a second sign-out from another tab is not an error); a forged one is refused like
 * on every Bearer route. The answer is `{ redirect_uri }` only when the client registered that URI
 * as a logout URI (exact match, RFC 6749 §3.1.2-style), with `state` appended; otherwise `{}` — never
 * an open redirect.
 */
export const signoutRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/user/signout',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Sign out: end the session of the Bearer token',
        description: 'CloudBase POST /auth/v1/user/signout',
        tags: ['token'],
        body: SignoutBody,
        response: {
          200: Type.Object({ redirect_uri: Type.Optional(Type.String()) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const token = bearerToken(request);
      if (token === undefined)
        throw new TokenServerError('unauthenticated', 'a Bearer access token is required', {
          headers: challenge(),
        });
      const claims = services.verifier.verify(token, { allowExpired: true, allowRevoked: true });
      if (!claims)
        throw new TokenServerError('invalid_token', 'the access token is invalid', {
          headers: challenge('invalid_token'),
        });
      if (claims.sid !== undefined) {
        await endSession(services, claims.sid, 'signout', {
          clientId: claims.client_id,
          sub: claims.sub,
          ip: request.ip,
        });
      }
      const body = (request.body ?? {}) as { redirect_uri?: string; state?: string };
      const client = await services.clients.get(claims.client_id);
      const redirect = logoutRedirect(
        client?.logoutUris ?? [],
        body.redirect_uri || undefined,
        body.state || undefined,
      );
      return redirect === undefined ? {} : { redirect_uri: redirect };
    },
  );
};
