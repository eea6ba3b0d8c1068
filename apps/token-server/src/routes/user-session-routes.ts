import { Type } from 'typebox';
import { requireUser } from '../user/current-user.js';
import {
  endOtherSessions,
  endOwnSession,
  endUserSessionsWhere,
  listUserSessions,
  UserSessionSchema,
} from '../user/user-sessions.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES } from './schemas.js';

const SessionParams = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 64 }) });
const DeviceParams = Type.Object({ device_id: Type.String({ minLength: 1, maxLength: 128 }) });
const EndedResponse = Type.Object({ ended: Type.Integer({ description: 'how many sessions ended' }) });

/**
 * The signed-in user's sessions (refresh families; a session id is the access tokens' `sid`).
 * CloudBase has two of these calls in its client — `DELETE /auth/v1/user/authorized/devices/:id`
 * (`revokeDevice`) and `DELETE /auth/v1/user/revoke/all` (`revokeAllDevices`); listing, ending one
 * session and ending all the others are ours:
 *
 * - `GET /auth/v1/user/sessions` → `{ total, data: [session] }`, the caller's own marked `current`;
 * - `DELETE /auth/v1/user/sessions/:session_id` ends one (another user's id is `not_found`);
 * - `DELETE /auth/v1/user/sessions/others` ends all but the caller's (`{ ended }`);
 * - `DELETE /auth/v1/user/authorized/devices/:device_id` ends every session signed in with that
 *   `x-device-id`, on any client;
 * - `DELETE /auth/v1/user/revoke/all` ends every session, the caller's included.
 *
 * Each end is on every instance at once (the sid is broadcast), with an audit row.
 */
export const userSessionRoutes: RoutePlugin = (app, services) => {
  const who = (claims: { client_id: string; sub: string }, ip: string) => ({
    clientId: claims.client_id,
    sub: claims.sub,
    ip,
  });

  app.get(
    '/auth/v1/user/sessions',
    {
      schema: {
        summary: 'The signed-in user’s sessions',
        tags: ['user'],
        response: {
          200: Type.Object({ total: Type.Integer(), data: Type.Array(UserSessionSchema) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { claims } = await requireUser(request, services);
      const data = await listUserSessions(services, claims.sub, claims.sid);
      return { total: data.length, data };
    },
  );

  app.delete(
    '/auth/v1/user/sessions/others',
    {
      schema: {
        summary: 'End every other session of the signed-in user',
        tags: ['user'],
        response: { 200: EndedResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims } = await requireUser(request, services);
      return {
        ended: await endOtherSessions(services, claims.sid, 'ended_by_user', who(claims, request.ip)),
      };
    },
  );

  app.delete(
    '/auth/v1/user/sessions/:session_id',
    {
      schema: {
        summary: 'End one session of the signed-in user',
        tags: ['user'],
        params: SessionParams,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims } = await requireUser(request, services);
      const { session_id: sessionId } = request.params as { session_id: string };
      await endOwnSession(services, sessionId, who(claims, request.ip));
      return {};
    },
  );

  app.delete(
    '/auth/v1/user/authorized/devices/:device_id',
    {
      schema: {
        summary: 'End the signed-in user’s sessions on one device',
        description: 'CloudBase DELETE /auth/v1/user/authorized/devices/{device_id}',
        tags: ['user'],
        params: DeviceParams,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims } = await requireUser(request, services);
      const { device_id: deviceId } = request.params as { device_id: string };
      await endUserSessionsWhere(
        services,
        'device_id = $4',
        [deviceId],
        'device_revoked',
        who(claims, request.ip),
      );
      return {};
    },
  );

  app.delete(
    '/auth/v1/user/revoke/all',
    {
      schema: {
        summary: 'End every session of the signed-in user, this one included',
        description: 'CloudBase DELETE /auth/v1/user/revoke/all',
        tags: ['user'],
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims } = await requireUser(request, services);
      await endUserSessionsWhere(services, 'true', [], 'revoked_all', who(claims, request.ip));
      return {};
    },
  );
};
