import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { findPresentedToken } from '../tokens/presented-token.js';
import { mayActOn } from './introspection-routes.js';
import { authenticateRequestClient } from './request-client.js';
import { absentBodyAsEmpty, bearerToken, cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

const RevocationBody = Type.Object(
  {
    token: Param(8_192),
    token_type_hint: Param(64),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

/**
 * Ends a session (refresh family) everywhere: the family is marked revoked in the database and its
 * `sid` broadcast, so every instance refuses its access tokens within moments, with no round trip
 * per request. Returns whether this call ended it (false when it had already ended).
 */
export async function endSession(
  services: Services,
  sid: string,
  reason: string,
  who: { clientId: string; sub: string; ip: string },
): Promise<boolean> {
  const ended = await services.revoked.revokeWhere(services.db, 'id = $3', [sid], reason);
  if (ended.length === 0) return false;
  await services.audit.record({
    kind: 'session_ended',
    clientId: who.clientId,
    sub: who.sub,
    ip: who.ip,
    detail: { reason },
  });
  return true;
}

/**
 * `POST /auth/v1/revoke`, two callers in one endpoint:
 *
 * - RFC 7009 for confidential clients (Basic or `client_secret_post`): `token`, `token_type_hint`.
 * - CloudBase's sign-out for public clients: the official client posts `{ token: access_token }`
 *   with `?client_id=` and no Authorization header (reference §1.5). A public client has no secret,
 *   so possession of the token is the authority, as for any bearer token.
 *
 * Either way: revoking a refresh token ends its family; revoking an access token ends the family its
 * `sid` names — also when it has just expired, so signing out after a long idle still ends the
 * session. A token of another client is left alone and the answer is the same `200 {}` as for an
 * unknown token (RFC 7009 §2.2: the client cannot act on the difference, and it must not learn
 * whether someone else's token is valid). Only an `admin` client may end any client's sessions. The
 * one refusal about the token itself: a client_credentials access token has no session to end, so
 * it stays valid until `exp` and the client is told so (400 unsupported_token_type, RFC 7009 §2.2.1).
 *
 * `token` may also come as the Bearer token (CloudBase documents Bearer on this endpoint) when the
 * body has none.
 */
export const revocationRoutes: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/revoke',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Revoke a token, ending its session (sign-out)',
        description: 'RFC 7009 §2; CloudBase POST /auth/v1/revoke',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: RevocationBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const params = cleanParams(request.body);
      const presented = params.token ?? bearerToken(request);
      const { client } = await authenticateRequestClient(request, services, params);
      if (presented === undefined) throw new TokenServerError('invalid_request', 'token is required');
      const token = await findPresentedToken(services, presented);
      if (!token || !mayActOn(client, token)) return {};
      if (token.sid === undefined) {
        if (!token.active) return {};
        throw new TokenServerError(
          'unsupported_token_type',
          'a client_credentials access token has no session to end; it stays valid until it expires',
        );
      }
      await endSession(
        services,
        token.sid,
        token.kind === 'refresh_token' ? 'revoked' : 'revoked_by_access_token',
        {
          clientId: token.clientId,
          sub: token.sub,
          ip: request.ip,
        },
      );
      return {};
    },
  );
};
