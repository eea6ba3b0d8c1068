import { TokenServerError } from '../errors.js';
import { grantScope, parseScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';
import type { UserRow } from '../users/user-repository.js';
import { assertSignInComplete, assertUserMaySignIn } from '../users/user-status.js';
import { type GrantContext, requireParam } from './grant-context.js';

/**
 * Checks a username and password with brute-force protection, the same for every caller (the
 * password grant, and `/auth/v1/signin` later). Unknown users, users without a password and wrong
 * passwords all cost one hash verification and give the same answer.
 */
export async function verifyPassword(
  context: Pick<GrantContext, 'services' | 'ip' | 'captchaToken'>,
  username: string,
  password: string,
): Promise<UserRow> {
  const { services } = context;
  const attempt = { username, ip: context.ip, captchaToken: context.captchaToken };
  const release = await services.passwordGuard.check(attempt);
  let user: UserRow | undefined;
  let stored: string | undefined;
  try {
    user =
      username.length <= 320 && password.length <= 1_024
        ? await services.users.findForPassword(username)
        : undefined;
    stored = user?.password_hash ?? undefined;
    const matches = await services.hasher.verify(
      stored ?? services.dummyPasswordHash,
      password.slice(0, 1_024),
    );
    if (!user || stored === undefined || !matches) {
      await services.passwordGuard.recordFailure(attempt);
      throw new TokenServerError('invalid_grant', 'invalid username or password');
    }
    await services.passwordGuard.recordSuccess(attempt);
  } finally {
    // After the outcome is counted, so the next attempt of this (username, IP) sees it.
    await release();
  }
  if (services.hasher.needsRehash(stored)) {
    // Parameters changed since this hash was made: replace it now that we know the password.
    void services.users
      .rehash(user.sub, password, stored)
      .catch((error: unknown) => services.log.warn({ err: error }, 'password rehash failed'));
  }
  // Only after the password proved right: a wrong guess must not learn that the account is blocked.
  assertUserMaySignIn(user.status, 'oauth');
  return user;
}

/** RFC 6749 §4.3, kept for CloudBase compatibility and open only to clients registered for it. */
export async function passwordGrant(context: GrantContext): Promise<TokenResponse> {
  const { client, services } = context;
  if (!client.grantTypes.includes('password')) {
    throw new TokenServerError('unauthorized_client', 'this client may not use the password grant');
  }
  const username = requireParam(context, 'username');
  const password = requireParam(context, 'password');
  const scope = grantScope(
    parseScope(context.params.scope),
    client.scopes,
    client.defaultScopes.length ? client.defaultScopes : client.scopes,
  );
  const user = await verifyPassword(context, username, password);
  assertSignInComplete(user, ['pwd'], 'oauth');
  const { familyId: _familyId, ...response } = await services.issuer.issueForUser({
    user: { sub: user.sub, groups: user.groups },
    client,
    scope,
    deviceId: context.deviceId,
    authTime: services.clock.now(),
    amr: ['pwd'],
    ...(context.params.nonce === undefined ? {} : { nonce: context.params.nonce }),
  });
  return response;
}
