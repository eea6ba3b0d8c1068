import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { GRANT_HANDLERS } from '../grants/grant-handlers.js';
import { auditIssuance, SESSION_GRANTS } from '../tokens/issuance-audit.js';
import { authenticateRequestClient } from './request-client.js';
import { cleanParams, deviceIdOf, headerOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, ERROR_RESPONSES, Param, TokenResponseSchema } from './schemas.js';

const TokenBody = Type.Object(
  {
    grant_type: Param(128),
    client_id: Param(128),
    client_secret: Param(512),
    refresh_token: Param(512),
    username: Param(320),
    password: Param(1_024),
    scope: Param(1_024),
    nonce: Param(512),
    code: Param(512),
    redirect_uri: Param(2_048),
    code_verifier: Param(256),
    device_code: Param(512),
  },
  { additionalProperties: true },
);

/** `POST /auth/v1/token` — CloudBase's token endpoint and RFC 6749 §3.2 in one. */
export const tokenRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/token',
    {
      schema: {
        summary:
          'Issue or refresh tokens (password, refresh_token, client_credentials, authorization_code, device_code)',
        description:
          'CloudBase POST /auth/v1/token; RFC 6749 §3.2, §4.1.3, §4.3, §4.4, §6; RFC 7636; RFC 8628 §3.4',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: TokenBody,
        response: { 200: TokenResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = cleanParams(request.body);
      const grantType = params.grant_type;
      if (grantType === undefined) throw new TokenServerError('invalid_request', 'grant_type is required');
      const { client, method } = await authenticateRequestClient(request, services, params);
      // Own entries only: `grant_type=toString` or `constructor` must not find Object.prototype's
      // functions and call them as a grant (a 200 "[object Undefined]", or a 500).
      const handler = Object.hasOwn(GRANT_HANDLERS, grantType) ? GRANT_HANDLERS[grantType] : undefined;
      if (!handler) throw new TokenServerError('unsupported_grant_type', 'this grant_type is not supported');
      const context = {
        services,
        client,
        authMethod: method,
        params,
        deviceId: deviceIdOf(request),
        ip: request.ip,
        captchaToken: headerOf(request, 'x-captcha-token'),
      };
      // Refresh and client_credentials (which audits itself) go straight through: the hot paths.
      if (!SESSION_GRANTS.has(grantType)) return handler(context);
      const response = await handler(context);
      await auditIssuance(services, { grantType, client, ip: request.ip, response });
      return response;
    },
  );
};
