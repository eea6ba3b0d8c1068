import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { verifyPassword } from '../grants/password-grant.js';
import type { Services } from '../services.js';
import { requireFirstPartyClient } from '../signin/first-party-client.js';
import { redeemVerification } from '../signin/redeem-verification.js';
import { issueSignIn, SignInResponseSchema } from '../signin/sign-in-response.js';
import { saveSignupTicket } from '../signin/signup-tickets.js';
import { contactAmr, findUserByContact, markContactVerified } from '../signin/verified-contact.js';
import type { UserRow } from '../users/user-repository.js';
import { authenticateRequestClient } from './request-client.js';
import { cleanParams, deviceIdOf, headerOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ClientIdQuery, ERROR_RESPONSES, Param } from './schemas.js';

const SignInBody = Type.Object(
  {
    username: Param(320),
    password: Param(1_024),
    verification_token: Param(512),
    verification_code: Param(64),
    client_id: Param(128),
    client_secret: Param(512),
  },
  { additionalProperties: true },
);

/**
 * The password path: the password grant's own check (`verifyPassword`), so the limiter, lockouts
 * and captcha are one — failures here and at the token endpoint count together. Its RFC 6749
 * `invalid_grant` reads as CloudBase's `invalid_username_or_password` here, and a blocked account
 * (right password) as `user_blocked`.
 */
async function passwordUser(
  services: Services,
  context: { ip: string; captchaToken: string | undefined; clientId: string },
  username: string,
  password: string,
): Promise<UserRow> {
  return verifyPassword(
    {
      services,
      ip: context.ip,
      captchaToken: context.captchaToken,
      clientId: context.clientId,
      style: 'cloudbase',
    },
    username,
    password,
  );
}

/**
 * `POST /auth/v1/signin` (CloudBase `signIn`): `{ username, password }` — the username, phone number
 * or email with the password — or `{ verification_token }` from `POST /auth/v1/verification/verify`
 * for usage `SIGN_IN`, redeemed once (of parallel redemptions one signs in).
 *
 * A verified address with no account answers `user_not_found`; the token is spent by then (a
 * redemption cannot be undone), so the same token string stays good for one `POST /auth/v1/signup`
 * of that address on this client for 10 minutes (signup-tickets.ts) — CloudBase's "sign in, else
 * sign up" flow with one code. A user with a second factor answers `two_factor_required`.
 */
export const signinRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/signin',
    {
      schema: {
        summary: 'Sign in with a password or a verification token',
        description: 'CloudBase POST /auth/v1/signin (signIn)',
        tags: ['token'],
        querystring: ClientIdQuery,
        body: SignInBody,
        response: { 200: SignInResponseSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const params = cleanParams(request.body);
      const { client } = await authenticateRequestClient(request, services, params);
      requireFirstPartyClient(client);
      const deviceId = deviceIdOf(request);
      const { username, password, verification_token: token } = params;
      if (token !== undefined) {
        if (username !== undefined || password !== undefined)
          throw new TokenServerError(
            'invalid_request',
            'give a verification_token or a username and password, not both',
          );
        const contact = await redeemVerification(services, token, ['SIGN_IN'], client.id);
        const user = await findUserByContact(services.db, contact);
        if (!user) {
          await saveSignupTicket(services, token, client.id, contact);
          throw new TokenServerError(
            'user_not_found',
            'no account has this phone number or email; sign up with the same verification_token',
          );
        }
        await markContactVerified(services.db, user.sub, contact);
        return issueSignIn(services, { user, client, deviceId, amr: [contactAmr(contact)], ip: request.ip });
      }
      if (username === undefined || password === undefined)
        throw new TokenServerError(
          'invalid_request',
          'username and password, or verification_token, are required',
        );
      const user = await passwordUser(
        services,
        { ip: request.ip, captchaToken: headerOf(request, 'x-captcha-token'), clientId: client.id },
        username,
        password,
      );
      return issueSignIn(services, { user, client, deviceId, amr: ['pwd'], ip: request.ip });
    },
  );
};
