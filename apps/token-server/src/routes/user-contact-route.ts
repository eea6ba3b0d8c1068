import { Type } from 'typebox';
import { changeContact } from '../user/contact-change.js';
import { assertNotAnonymous, requireUser } from '../user/current-user.js';
import { absentBodyAsEmpty, cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

const ContactBody = Type.Object(
  {
    phone_number: Param(64),
    email: Param(320),
    verification_token: Param(1_024),
    sudo_token: Param(512),
    conflict_resolution: Param(64),
  },
  { additionalProperties: true },
);

/**
 * `PATCH /auth/v1/user/contact` (CloudBase's `editContact`; Bearer): `{ phone_number | email,
 * verification_token, sudo_token }`. The code must have been sent to the new address with usage
 * PHONE_NUMBER_CHANGE or EMAIL_ADDRESS_CHANGE; the address becomes the account's, verified. An
 * address another account holds is `user_already_exists` — CloudBase's `conflict_resolution` is
 * accepted and changes nothing: accounts are never merged.
 */
export const userContactRoute: RoutePlugin = (app, services) => {
  app.patch(
    '/auth/v1/user/contact',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Change the signed-in user’s phone number or email',
        description: 'CloudBase PATCH /auth/v1/user/contact',
        tags: ['user'],
        body: ContactBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const current = await requireUser(request, services);
      assertNotAnonymous(current.user);
      const params = cleanParams(request.body);
      const kind = await changeContact(services, current, {
        ...(params.phone_number === undefined ? {} : { phoneNumber: params.phone_number }),
        ...(params.email === undefined ? {} : { email: params.email }),
        ...(params.verification_token === undefined ? {} : { verificationToken: params.verification_token }),
        ...(params.sudo_token === undefined ? {} : { sudoToken: params.sudo_token }),
      });
      await services.audit.record({
        kind: 'contact_changed',
        clientId: current.claims.client_id,
        sub: current.user.sub,
        ip: request.ip,
        detail: { kind },
      });
      return {};
    },
  );
};
