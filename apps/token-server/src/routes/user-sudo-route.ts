import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { findIdentityOwner } from '../social/identity-repository.js';
import { consumeProviderToken, peekProviderToken } from '../social/provider-tokens.js';
import { assertNotAnonymous, requireUser } from '../user/current-user.js';
import { recheckPassword } from '../user/password-recheck.js';
import { issueSudoToken } from '../user/sudo-tokens.js';
import { absentBodyAsEmpty, cleanParams, deviceIdOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { ERROR_RESPONSES, Param } from './schemas.js';

const SudoBody = Type.Object(
  { password: Param(1_024), verification_token: Param(1_024), provider_token: Param(1_024) },
  { additionalProperties: true },
);

/**
 * `POST /auth/v1/user/sudo` (CloudBase; Bearer; `{ password }` or `{ verification_token }`, and ours,
 * `{ provider_token }`):
 * the user proves themselves again and gets a `sudo_token` for one sensitive change (password,
 * contact, deletion) within `expires_in` seconds, in this session only. The password is checked with
 * the sign-in's limits; a `verification_token` must be of usage `SUDO` and for the user's own phone
 * or email; a `provider_token` (a fresh platform login on this client and device) must stand for an
 * identity bound to this account — the only proof an account that signs in by platform alone has.
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
      if (params.provider_token !== undefined) {
        const binding = { clientId: claims.client_id, deviceId: deviceIdOf(request) };
        // Checked before it is spent: someone else's platform login proves nothing and costs its holder nothing.
        const identity = await peekProviderToken(services, params.provider_token, binding);
        if ((await findIdentityOwner(services.db, identity)) !== user.sub)
          throw new TokenServerError(
            'invalid_provider_token',
            'that platform identity is not bound to this account',
          );
        await consumeProviderToken(services, params.provider_token, binding);
        return issueSudoToken(services, { sub: user.sub, sid: claims.sid, method: 'provider' });
      }
      throw new TokenServerError(
        'invalid_request',
        'password, verification_token or provider_token is required',
      );
    },
  );
};
