import { Type } from 'typebox';
import type { LoadedClient } from '../clients/client-registry.js';
import type { Services } from '../services.js';
import { grantScope } from '../tokens/scope.js';
import type { UserRow } from '../users/user-repository.js';
import { assertSignInComplete } from '../users/user-status.js';

/** The columns issue 9's migration adds to `users` (the row type predates them; `SELECT *` has them). */
export type SignInUserRow = UserRow & { two_factor_enabled?: boolean; last_seen_at?: Date | null };

export interface SignInInput {
  user: UserRow;
  client: LoadedClient;
  /** `x-device-id` ('' when absent): the family is per (user, client, device). */
  deviceId: string;
  /** RFC 8176 methods of this sign-in: `pwd`, `sms`, `email`, `otp`, `fed`, `anon`, `mfa`, … */
  amr: string[];
  /** Default: the client's default scopes (or all of its scopes). Anonymous passes `['anonymous']`. */
  scope?: string[];
  /** Merged into the answer (e.g. `is_new_user`). */
  extra?: Record<string, unknown>;
  /** The caller's IP, for the audit row. */
  ip?: string;
}

/**
 * The response schema of every sign-in route: the token response, plus what sign-in adds. Routes
 * use it as their `200` so Fastify's serializer keeps these fields (it drops unlisted ones).
 */
export const SignInResponseSchema = Type.Object(
  {
    token_type: Type.Literal('Bearer'),
    access_token: Type.String(),
    expires_in: Type.Integer(),
    refresh_token: Type.Optional(Type.String()),
    scope: Type.String(),
    sub: Type.String(),
    groups: Type.Optional(Type.Array(Type.String())),
    id_token: Type.Optional(Type.String()),
    anonymous_sub: Type.Optional(
      Type.String({ description: 'the anonymous user whose upgrade found this account (move its data)' }),
    ),
    is_new_user: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

/**
 * The one place every `/auth/v1/signin*` path (password, codes, providers, anonymous, sign-up)
 * turns a verified user into CloudBase's token response — so the status check, the second-factor
 * gate, `last_seen_at`, the `anonymous_sub` hand-off and the audit row can never be forgotten by one
 * of them.
 *
 * The answer is the token endpoint's (`token_type`, `access_token`, `expires_in`, `refresh_token`,
 * `scope`, `sub`, `groups`, `id_token` with `openid`) plus `extra`, plus `anonymous_sub` once after
 * an anonymous upgrade that found the identity already taken by this user (anonymous-handoff).
 */
export async function issueSignIn(services: Services, input: SignInInput): Promise<Record<string, unknown>> {
  const user = input.user as SignInUserRow;
  // The TOTP issue fills in the second-factor hook: a challenge to complete instead of a refusal.
  assertSignInComplete(user, input.amr);
  const { client } = input;
  const scope =
    input.scope ??
    grantScope(undefined, client.scopes, client.defaultScopes.length ? client.defaultScopes : client.scopes);
  const now = services.clock.now();
  // Never inside a caller's transaction: on PGlite that holds the only connection, and the audit
  // row below would wait for it forever. Sign-up commits its user row first, then signs in.
  const { familyId: _familyId, ...response } = await services.issuer.issueForUser({
    user: { sub: user.sub, groups: user.groups },
    client,
    scope,
    deviceId: input.deviceId,
    authTime: now,
    amr: input.amr,
  });
  // One round trip: mark the user seen, and take a pending hand-off for this client and device.
  const rows = await services.db.query<{ anonymous_sub: string | null }>(
    `WITH seen AS (UPDATE users SET last_seen_at = $4 WHERE sub = $1 RETURNING 1),
          taken AS (
            DELETE FROM anonymous_handoffs
            WHERE anonymous_sub = (
              SELECT anonymous_sub FROM anonymous_handoffs
              WHERE target_sub = $1 AND client_id = $2 AND device_id = $3 AND expires_at > $4
              ORDER BY created_at DESC LIMIT 1)
            RETURNING anonymous_sub)
     SELECT (SELECT anonymous_sub FROM taken) AS anonymous_sub, (SELECT count(*) FROM seen) AS seen`,
    [user.sub, client.id, input.deviceId, new Date(now)],
  );
  const anonymousSub = input.deviceId === '' ? null : (rows[0]?.anonymous_sub ?? null);
  await services.audit.record({
    kind: 'signin',
    clientId: client.id,
    sub: user.sub,
    ...(input.ip === undefined ? {} : { ip: input.ip }),
    detail: { amr: input.amr },
  });
  return {
    ...response,
    ...input.extra,
    ...(anonymousSub === null ? {} : { anonymous_sub: anonymousSub }),
  };
}
