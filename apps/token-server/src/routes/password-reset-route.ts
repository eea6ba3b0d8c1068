import { Type } from 'typebox';
import { requireFirstPartyClient } from '../signin/first-party-client.js';
import { resetPassword } from '../signin/password-reset.js';
import { authenticateRequestClient } from './request-client.js';
import { cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

const ResetBody = Type.Object(
  {
    phone_number: Param(64),
    email: Param(320),
    verification_token: Param(512),
    new_password: Param(1_024),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

/**
 * `POST /auth/v1/reset` (CloudBase `resetPassword`: `{ email | phone_number, new_password,
 * verification_token }`, the token from a `PASSWORD_RESET` code). Ends every session of the user;
 * answers `{}`.
 */
export const passwordResetRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/reset',
    {
      schema: {
        summary: 'Forgot password: set a new one with a PASSWORD_RESET verification token',
        description: 'CloudBase POST /auth/v1/reset (resetPassword)',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: ResetBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const params = cleanParams(request.body);
      const { client } = await authenticateRequestClient(request, services, params);
      requireFirstPartyClient(client);
      await resetPassword(services, { client, ip: request.ip, params });
      return {};
    },
  );
};
