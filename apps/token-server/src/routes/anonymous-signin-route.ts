import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { createAnonymousUser, takeAnonymousSignIn } from '../signin/anonymous-sign-in.js';
import { requireFirstPartyClient } from '../signin/first-party-client.js';
import { issueSignIn, SignInResponseSchema } from '../signin/sign-in-response.js';
import { authenticateRequestClient } from './request-client.js';
import { absentBodyAsEmpty, cleanParams, deviceIdOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, ERROR_RESPONSES, Param } from './schemas.js';

const AnonymousBody = Type.Object(
  { client_id: Param(128), client_secret: Param(512) },
  { additionalProperties: true },
);

/** The scope of an anonymous session; the official client renews such a session by signing in again. */
export const ANONYMOUS_SCOPE = 'anonymous';

/**
 * `POST /auth/v1/signin/anonymously` (CloudBase `signInAnonymously`): a new anonymous user and its
 * session, scope `anonymous`. `x-device-id` is required (the session is per device). The official
 * client renews an anonymous session whose refresh failed by calling this again with
 * `Authorization: Basic base64(clientId:)` and `{}` — a public client's Basic with no secret — and
 * gets a new anonymous user. New anonymous users are capped per IP (and IPv6 /48); idle ones are
 * deleted by the sweeper after `lifetimes.anonymousIdle`.
 */
export const anonymousSigninRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/signin/anonymously',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Sign in as a new anonymous user',
        description: 'CloudBase POST /auth/v1/signin/anonymously (signInAnonymously)',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: AnonymousBody,
        response: { 200: SignInResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = cleanParams(request.body);
      const { client } = await authenticateRequestClient(request, services, params);
      requireFirstPartyClient(client);
      const deviceId = deviceIdOf(request);
      if (deviceId === '') throw new TokenServerError('invalid_request', 'x-device-id is required');
      await takeAnonymousSignIn(services, request.ip);
      const user = await createAnonymousUser(services);
      return issueSignIn(services, {
        user,
        client,
        deviceId,
        amr: ['anon'],
        scope: [ANONYMOUS_SCOPE],
        ip: request.ip,
      });
    },
  );
};
