import { Type } from 'typebox';
import { anonymousCaller } from '../signin/anonymous-caller.js';
import { requireFirstPartyClient } from '../signin/first-party-client.js';
import { issueSignIn, SignInResponseSchema } from '../signin/sign-in-response.js';
import { signUp } from '../signin/sign-up.js';
import { authenticateRequestClient } from './request-client.js';
import { cleanParams, deviceIdOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, ERROR_RESPONSES, Param } from './schemas.js';

const SignUpBody = Type.Object(
  {
    phone_number: Param(64),
    email: Param(320),
    verification_token: Param(512),
    verification_code: Param(64),
    provider_token: Param(512),
    anonymous_token: Param(8_192),
    username: Param(256),
    password: Param(1_024),
    name: Param(256),
    gender: Param(16),
    picture: Param(2_048),
    locale: Param(64),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

/**
 * `POST /auth/v1/signup` (CloudBase `signUp`): creates the account and signs it in (the token
 * response). With an anonymous user's access token — Bearer, or the body's `anonymous_token` as the
 * official client's `SignUpRequest` has it — that user is upgraded in place: same `sub`, a new
 * session, the anonymous session ended. When the phone, email or platform identity is already
 * someone's: `user_already_exists`, nothing merged, and that someone's next sign-in on this client
 * and device answers `anonymous_sub` (anonymous-handoff.ts). See sign-up.ts for the order of checks.
 */
export const signupRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/signup',
    {
      schema: {
        summary: 'Sign up with a verified phone number or email, or a platform identity',
        description: 'CloudBase POST /auth/v1/signup (signUp)',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: SignUpBody,
        response: { 200: SignInResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = cleanParams(request.body);
      // The Bearer header names the anonymous user, never the client: read the client without it.
      const { client } = await authenticateRequestClient(request, services, params);
      requireFirstPartyClient(client);
      const deviceId = deviceIdOf(request);
      const anonymous = await anonymousCaller(request, services, params, client.id);
      const result = await signUp(services, { client, deviceId, params, anonymous });
      await services.audit.record({
        kind: 'signup',
        clientId: client.id,
        sub: result.user.sub,
        ip: request.ip,
        detail: { amr: result.amr, upgraded: result.upgraded },
      });
      return issueSignIn(services, { user: result.user, client, deviceId, amr: result.amr, ip: request.ip });
    },
  );
};
