import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { assertNotAnonymous, requireUser } from '../user/current-user.js';
import { recheckPassword } from '../user/password-recheck.js';
import { issueSudoToken } from '../user/sudo-tokens.js';
import { absentBodyAsEmpty, cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';

const SudoBody = Type.Object(
  { password: Param(1_024), verification_token: Param(1_024) },
  { additionalProperties: true },
);

/**
 * `POST /auth/v1/user/sudo` (CloudBase; Bearer; `{ password }` or `{ verification_token }`):
 * the user proves themselves again and gets a `sudo_token` for one sensitive change (password,
 * contact, deletion) within `expires_in` seconds, in this session only. The password is checked with
 * the sign-in's limits; a `verification_token` must be of usage `SUDO` and for the user's own phone
 * or email.
 */
export const userSudoRoute: RoutePlugin = (app, services) => {
  app.post(
    '/auth/v1/user/sudo',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Re-check the signed-in user for a sudo_token',
        description: 'CloudBase POST /auth/v1/user/sudo',
        tags: ['user'],
        body: SudoBody,
        response: {
          200: Type.Object({ sudo_token: Type.String(), expires_in: Type.Integer() }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { claims, user } = await requireUser(request, services);
      assertNotAnonymous(user);
      const params = cleanParams(request.body);
      if (params.password !== undefined) {
        await recheckPassword(services, request, user, params.password);
        return issueSudoToken(services, { sub: user.sub, sid: claims.sid, method: 'pwd' });
      }
      if (params.verification_token !== undefined) {
        const proof = await services.verification.redeem(params.verification_token, {
          usages: ['SUDO'],
          clientId: claims.client_id,
        });
        // A code proves the account only when it went to the account's own phone or email.
        const own = proof.kind === 'phone' ? user.phone_number : user.email;
        if (own === null || own !== proof.address)
          throw new TokenServerError('invalid_verification_token', 'the code was not sent to this account');
        return issueSudoToken(services, { sub: user.sub, sid: claims.sid, method: 'otp' });
      }
      throw new TokenServerError('invalid_request', 'password or verification_token is required');
    },
  );
};
