import { Type } from 'typebox';
import type { Services } from '../services.js';
import { requireUser } from '../user/current-user.js';
import { requireSudo } from '../user/sudo-tokens.js';
import { UserProfileSchema, userProfile } from '../user/user-profile.js';
import { absentBodyAsEmpty, cleanParams } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

const SudoTokenParams = Type.Object({ sudo_token: Param(512) }, { additionalProperties: true });

/**
 * Deletes the user: the sudo_token is spent, the user's live sessions are read and the user row is
 * deleted in one transaction (families, tokens, identities, consents… cascade), then every instance
 * is told the sessions' sids died. Announced after the commit, so a refused deletion ends nothing.
 */
async function deleteUser(
  services: Services,
  who: { sub: string; sid: string | undefined; clientId: string; ip: string },
  sudoToken: string | undefined,
): Promise<void> {
  const sids = await services.db.transaction(async (tx) => {
    await requireSudo(services, who.sub, sudoToken, {
      ...(who.sid === undefined ? {} : { sid: who.sid }),
      db: tx,
    });
    const live = await tx.query<{ id: string }>(
      'SELECT id FROM refresh_families WHERE user_sub = $1 AND revoked_at IS NULL',
      [who.sub],
    );
    const ended = live.map((row) => row.id);
    await services.revoked.recordDeleted(tx, ended);
    await tx.query('DELETE FROM users WHERE sub = $1', [who.sub]);
    return ended;
  });
  if (sids.length > 0) await services.revoked.announce(sids);
  await services.audit.record({
    kind: 'user_deleted',
    clientId: who.clientId,
    sub: who.sub,
    ip: who.ip,
    detail: { sessions: sids.length },
  });
}

/**
 * `GET /auth/v1/user/me` (CloudBase): the signed-in user's profile — anonymous users too.
 * `DELETE /auth/v1/user/me` (CloudBase; `sudo_token` in the query, as the official client's
 * `deleteMe` sends it, or in the body): deletes the account and ends every session everywhere.
 */
export const userMeRoutes: RoutePlugin = (app, services) => {
  app.get(
    '/auth/v1/user/me',
    {
      schema: {
        summary: 'The signed-in user’s profile',
        description: 'CloudBase GET /auth/v1/user/me',
        tags: ['user'],
        response: { 200: UserProfileSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { user } = await requireUser(request, services);
      return userProfile(services, user);
    },
  );

  app.delete(
    '/auth/v1/user/me',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Delete the signed-in user (needs a sudo_token)',
        description: 'CloudBase DELETE /auth/v1/user/me',
        tags: ['user'],
        querystring: SudoTokenParams,
        body: SudoTokenParams,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims } = await requireUser(request, services);
      const sudoToken = cleanParams(request.query).sudo_token ?? cleanParams(request.body).sudo_token;
      await deleteUser(
        services,
        { sub: claims.sub, sid: claims.sid, clientId: claims.client_id, ip: request.ip },
        sudoToken,
      );
      return {};
    },
  );
};
