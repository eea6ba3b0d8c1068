import { Type } from 'typebox';
import { TokenServerError } from '../errors.js';
import { listUserIdentities, unlinkIdentity } from '../social/identity-repository.js';
import { consumeProviderToken, linkIdentity } from '../social/provider-tokens.js';
import { assertNotAnonymous, requireUser } from '../user/current-user.js';
import type { UserRow } from '../users/user-repository.js';
import { absentBodyAsEmpty, cleanParams, deviceIdOf } from './request-context.js';
import type { RoutePlugin } from './route-plugin.js';
import { EmptyObject, ERROR_RESPONSES, Param } from './schemas.js';

const BindBody = Type.Object({ provider_token: Param(512) }, { additionalProperties: true });

const UserProviderSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  bind: Type.Boolean(),
  provider_user_id: Type.Optional(Type.String()),
  provider_user_name: Type.Optional(Type.String()),
});

/**
 * The signed-in user's platform identities (`@cloudbase/oauth` `getProviders`, `bindWithProvider`,
 * `unbindProvider`):
 *
 * - `GET /auth/v1/user/provider` — CloudBase's `{ total, data: [{ id, name, bind, … }] }`: every
 *   configured platform, bound or not, and any identity bound through a platform no longer configured.
 * - `POST /auth/v1/user/provider/bind` — links the identity a `provider_token` (of this client and
 *   device) stands for; another user's identity answers `provider_already_bound`, and the token stays
 *   usable (the use and the link are one transaction).
 * - `DELETE /auth/v1/user/provider/:id` — unlinks it, unless it is the last way to sign in (no
 *   password, phone, email or other identity): `failed_precondition`.
 */
export const userProviderRoutes: RoutePlugin = (app, services) => {
  app.get(
    '/auth/v1/user/provider',
    {
      schema: {
        summary: "The signed-in user's social platforms",
        description: 'CloudBase GET /auth/v1/user/provider (@cloudbase/oauth getProviders)',
        tags: ['social'],
        response: {
          200: Type.Object({ total: Type.Integer(), data: Type.Array(UserProviderSchema) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { user } = await requireUser(request, services);
      const bound = new Map((await listUserIdentities(services.db, user.sub)).map((item) => [item.id, item]));
      const data: Array<Record<string, unknown>> = [];
      for (const provider of services.social.list()) {
        const identity = bound.get(provider.id);
        bound.delete(provider.id);
        data.push({
          id: provider.id,
          name: provider.name,
          bind: identity !== undefined,
          ...(identity === undefined ? {} : { provider_user_id: identity.provider_user_id }),
          ...(identity?.name === undefined ? {} : { provider_user_name: identity.name }),
        });
      }
      for (const identity of bound.values()) {
        data.push({
          id: identity.id,
          name: identity.id,
          bind: true,
          provider_user_id: identity.provider_user_id,
          ...(identity.name === undefined ? {} : { provider_user_name: identity.name }),
        });
      }
      return { total: data.length, data };
    },
  );

  app.post(
    '/auth/v1/user/provider/bind',
    {
      preValidation: absentBodyAsEmpty,
      schema: {
        summary: 'Bind a social platform account to the signed-in user',
        description: 'CloudBase POST /auth/v1/user/provider/bind (@cloudbase/oauth bindWithProvider)',
        tags: ['social'],
        body: BindBody,
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims, user } = await requireUser(request, services);
      assertNotAnonymous(user);
      const token = cleanParams(request.body).provider_token;
      if (token === undefined) throw new TokenServerError('invalid_request', 'provider_token is required');
      const binding = { clientId: claims.client_id, deviceId: deviceIdOf(request) };
      const now = new Date(services.clock.now());
      const identity = await services.db.transaction(async (tx) => {
        const verified = await consumeProviderToken(services, token, binding, tx);
        await linkIdentity(tx, user.sub, verified, now);
        return verified;
      });
      await services.audit.record({
        kind: 'provider_bound',
        clientId: claims.client_id,
        sub: user.sub,
        ip: request.ip,
        detail: { provider: identity.providerId },
      });
      return {};
    },
  );

  app.delete(
    '/auth/v1/user/provider/:id',
    {
      schema: {
        summary: 'Unbind a social platform account from the signed-in user',
        description:
          'CloudBase DELETE /auth/v1/user/provider/{provider_id} (@cloudbase/oauth unbindProvider)',
        tags: ['social'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: EmptyObject, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { claims, user } = await requireUser(request, services);
      const providerId = (request.params as { id: string }).id;
      await services.db.transaction(async (tx) => {
        // The user row is locked so two unbinds (or an unbind and a password removal) cannot each
        // see the other's method still there and together leave none.
        const locked = (
          await tx.query<UserRow>('SELECT * FROM users WHERE sub = $1 FOR UPDATE', [user.sub])
        )[0];
        if (!locked)
          throw new TokenServerError('invalid_token', 'the access token does not belong to a user');
        const identities = await listUserIdentities(tx, user.sub);
        if (!identities.some((identity) => identity.id === providerId)) {
          throw new TokenServerError('not_found', `no ${providerId} account is bound to this user`);
        }
        const otherMethod =
          locked.password_hash !== null ||
          locked.phone_number !== null ||
          locked.email !== null ||
          identities.length > 1;
        if (!otherMethod) {
          throw new TokenServerError(
            'failed_precondition',
            'this is the last way to sign in to the account: add a password, phone, email or another platform first',
          );
        }
        await unlinkIdentity(tx, user.sub, providerId);
      });
      await services.audit.record({
        kind: 'provider_unbound',
        clientId: claims.client_id,
        sub: user.sub,
        ip: request.ip,
        detail: { provider: providerId },
      });
      return {};
    },
  );
};
