import type { FastifyRequest } from 'fastify';
import { TokenServerError } from '../errors.js';
import { requireBearer } from '../routes/bearer.js';
import type { Services } from '../services.js';
import type { AccessTokenClaims } from '../tokens/access-token-verifier.js';
import type { UserRow } from '../users/user-repository.js';
import { assertUserMaySignIn } from '../users/user-status.js';

/** The columns later migrations add to `users` (`SELECT *` has them; the base row type predates them). */
export type FullUserRow = UserRow & { email_verified: boolean; phone_number_verified: boolean };

export interface CurrentUser {
  claims: AccessTokenClaims;
  user: FullUserRow;
}

/** The scopes that let a token act on its own account: CloudBase's `user`, and `anonymous` for guests. */
const ACCOUNT_SCOPES = ['user', 'anonymous'];

/**
 * The signed-in user behind the request's Bearer token, read fresh from the database on every call
 * (one primary-key read): a user blocked, made pending or deleted after the token was issued is
 * refused at once, not when the token expires. A token without the `user` (or `anonymous`) scope —
 * a third-party client's `openid profile` token, a service account's — may not manage the account,
 * nor may any token of a client that is not first party.
 */
export async function requireUser(request: FastifyRequest, services: Services): Promise<CurrentUser> {
  const claims = requireBearer(request, services);
  const scopes = claims.scope.split(' ');
  if (!scopes.some((scope) => ACCOUNT_SCOPES.includes(scope))) {
    throw new TokenServerError(
      'insufficient_scope',
      'managing the account needs an access token with the user scope',
      {
        headers: { 'WWW-Authenticate': 'Bearer realm="lingpai", error="insufficient_scope", scope="user"' },
      },
    );
  }
  // The account is managed from the environment's own apps only (like signing in with a password or
  // a code): a third-party app granted the user scope still may not re-check the password, move the
  // contacts, bind its own platform account or delete the user.
  if (!(await services.clients.get(claims.client_id))?.firstParty)
    throw new TokenServerError('permission_denied', 'only first-party apps may manage the account');
  const user = (await services.users.findBySub(claims.sub)) as FullUserRow | undefined;
  if (!user)
    throw new TokenServerError('invalid_token', 'the access token does not belong to a user', {
      headers: { 'WWW-Authenticate': 'Bearer realm="lingpai", error="invalid_token"' },
    });
  assertUserMaySignIn(user.status);
  return { claims, user };
}

/** Refuses an anonymous user: the change needs an account that can sign in again (sign up first). */
export function assertNotAnonymous(user: FullUserRow): void {
  if (user.is_anonymous)
    throw new TokenServerError(
      'failed_precondition',
      'an anonymous user signs up (POST /auth/v1/signup) first',
    );
}
