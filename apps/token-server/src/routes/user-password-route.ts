import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { assertNotAnonymous, requireUser } from '../user/current-user.js';
import { recheckPassword } from '../user/password-recheck.js';
import { requireSudo } from '../user/sudo-tokens.js';
import { endOtherSessions } from '../user/user-sessions.js';
import { assertPasswordAllowed } from '../users/password-policy.js';
import { absentBodyAsEmpty, cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

const PasswordBody = Type.Object(
  { new_password: Param(1_024), old_password: Param(1_024), sudo_token: Param(512) },
  { additionalProperties: true },
);

/**
 * `PATCH /auth/v1/user/password` (CloudBase; Bearer): `{ new_password, sudo_token }` — what the
 * official client's `setPassword` and `updatePasswordByOld` send — or `{ new_password, old_password }`.
 * The new password must pass the policy (checked before the proof is spent, so a refused password
 * costs no sudo_token). Every other session of the user ends on every instance, and the login page's
 * remembered sign-ins with them; the session that changed it stays.
 */
export const userPasswordRoute: RoutePlugin = (app, services) => {
  app.patch(
    '/auth/v1/user/password',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Change (or first set) the signed-in user’s password',
        description: 'CloudBase PATCH /auth/v1/user/password',
        tags: ['user'],
        body: PasswordBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims, user } = await requireUser(request, services);
      assertNotAnonymous(user);
      const params = cleanParams(request.body);
      if (params.new_password === undefined)
        throw new TokenServerError('invalid_request', 'new_password is required');
      assertPasswordAllowed(params.new_password, services.config.passwordPolicy, [
        user.username_display,
        user.username,
        user.email,
        user.phone_number,
      ]);
      let method: 'sudo' | 'old_password';
      if (params.sudo_token !== undefined) {
        await requireSudo(
          services,
          user.sub,
          params.sudo_token,
          claims.sid === undefined ? {} : { sid: claims.sid },
        );
        method = 'sudo';
      } else if (params.old_password !== undefined) {
        await recheckPassword(services, request, user, params.old_password);
        method = 'old_password';
      } else {
        throw new TokenServerError(
          'sudo_required',
          'changing the password needs old_password or a sudo_token',
        );
      }
      const hash = await services.hasher.hash(params.new_password);
      const now = new Date(services.clock.now());
      await services.db.query(
        'UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE sub = $1',
        [user.sub, hash, now],
      );
      const who = { clientId: claims.client_id, sub: user.sub, ip: request.ip };
      const ended = await endOtherSessions(services, claims.sid, 'password_changed', who);
      await services.db.query(
        'UPDATE login_sessions SET revoked_at = $2 WHERE user_sub = $1 AND revoked_at IS NULL',
        [user.sub, now],
      );
      await services.audit.record({
        kind: 'password_changed',
        ...who,
        detail: { method, sessions_ended: ended },
      });
      return {};
    },
  );
};
