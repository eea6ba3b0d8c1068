import { Type } from 'typebox';
import { ADMIN_SCOPE } from '../clients/client.js';
import type { LoadedClient } from '../clients/client-registry.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { findPresentedToken, type PresentedToken } from '../tokens/presented-token.js';
import { sessionlessUserActive } from '../tokens/sessionless-user.js';
import { authenticateRequestClient } from './request-client.js';
import { absentBodyAsEmpty, bearerToken, cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, ERROR_RESPONSES, Param } from './schemas.js';

const IntrospectionBody = Type.Object(
  {
    token: Param(8_192),
    token_type_hint: Param(64),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

/** RFC 7662 §2.2, plus `sid` (the session) and `token_use` (Hydra's name for which kind it is). */
export const IntrospectionResponseSchema = Type.Object({
  active: Type.Boolean(),
  scope: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  exp: Type.Optional(Type.Integer()),
  iat: Type.Optional(Type.Integer()),
  iss: Type.Optional(Type.String()),
  aud: Type.Optional(Type.String()),
  token_type: Type.Optional(Type.Literal('Bearer')),
  token_use: Type.Optional(Type.Union([Type.Literal('access_token'), Type.Literal('refresh_token')])),
  jti: Type.Optional(Type.String()),
  sid: Type.Optional(Type.String()),
});

/** CloudBase's answer: these four when the token is valid, `{}` when not (no `active`). */
const CloudBaseIntrospectionSchema = Type.Object({
  token_type: Type.Optional(Type.Literal('Bearer')),
  client_id: Type.Optional(Type.String()),
  sub: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
});

/** A confidential client with the `admin` scope (CloudBase's 超级管理员) may see every client's tokens. */
export function isAdminClient(client: LoadedClient): boolean {
  return client.kind === 'confidential' && client.scopes.includes(ADMIN_SCOPE);
}

/** A caller may learn about its own tokens; an admin about anyone's. */
export function mayActOn(caller: LoadedClient, token: PresentedToken): boolean {
  return token.clientId === caller.id || isAdminClient(caller);
}

function describeActive(services: Services, token: PresentedToken) {
  return {
    active: true,
    scope: token.scope,
    client_id: token.clientId,
    sub: token.sub,
    exp: token.exp,
    iat: token.iat,
    iss: services.config.issuer,
    aud: token.aud,
    ...(token.kind === 'access_token' ? { token_type: 'Bearer' as const } : {}),
    token_use: token.kind,
    ...(token.jti === undefined ? {} : { jti: token.jti }),
    ...(token.sid === undefined ? {} : { sid: token.sid }),
  };
}

/**
 * Token introspection, twice:
 *
 * - `POST /auth/v1/token/introspect` is RFC 7662 for confidential clients (a public client has
 *   nothing to authenticate with, so it may not ask: 401 invalid_client). `{ active: false }` for a
 *   token that is revoked, expired, rotated, unknown — or another client's: RFC 7662 §2.2 lets the
 *   server hide tokens the caller should not see, and answering exactly as for an unknown token means
 *   introspection cannot be used to probe other clients' tokens (better-auth does the same). Only a
 *   confidential client holding the `admin` scope sees every client's tokens.
 * - `GET /auth/v1/token/introspect` is CloudBase's: the token is the request's own Bearer token, the
 *   answer `{ token_type, client_id, sub, scope }` when it is valid and `{}` — still 200 — when it is
 *   not (missing, expired, forged, or its session ended).
 *
 * Both refuse a dead `sid` without a database round trip (the in-memory revoked set).
 */
export const introspectionRoutes: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/token/introspect',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Introspect a token (confidential clients)',
        description: 'RFC 7662 §2',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: IntrospectionBody,
        response: { 200: IntrospectionResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const params = cleanParams(request.body);
      const { client, method } = await authenticateRequestClient(request, services, params);
      if (method === 'none') {
        throw new TokenServerError(
          'invalid_client',
          'introspection needs client authentication; a public client cannot introspect',
          { headers: { 'WWW-Authenticate': 'Basic realm="lingpai", charset="UTF-8"' } },
        );
      }
      if (params.token === undefined) throw new TokenServerError('invalid_request', 'token is required');
      const token = await findPresentedToken(services, params.token);
      if (!token?.active || !mayActOn(client, token)) return { active: false };
      return describeActive(services, token);
    },
  );

  app.get(
    '/auth/v1/token/introspect',
    {
      schema: {
        summary: 'Describe the request’s own Bearer token ({} when invalid)',
        description: 'CloudBase GET /auth/v1/token/introspect',
        tags: ['token'],
        response: { 200: CloudBaseIntrospectionSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const token = bearerToken(request);
      const claims = token === undefined ? undefined : services.verifier.verify(token);
      // A removed client's client_credentials tokens (no session to end) are invalid too.
      if (!claims || (await services.clients.get(claims.client_id)) === undefined) return {};
      // A blocked user's token without a session (no sid to have died) is invalid too.
      if (claims.sid === undefined && !(await sessionlessUserActive(services, claims))) return {};
      return {
        token_type: 'Bearer' as const,
        client_id: claims.client_id,
        sub: claims.sub,
        scope: claims.scope,
      };
    },
  );
};
