import { TokenServerError } from '../errors.js';
import { grantScope, parseScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';
import type { UserRow } from '../users/user-repository.js';
import { assertSignInComplete, assertUserMaySignIn } from '../users/user-status.js';
import { type GrantContext, requireParam } from './grant-context.js';

export interface PasswordCheckContext extends Pick<GrantContext, 'services' | 'ip' | 'captchaToken'> {
  /** The client asking, for the `signin_failed` audit row. */
  clientId?: string;
  /**
   * The refusals' vocabulary: RFC 6749's `invalid_grant` (the token endpoint, default) or CloudBase's
   * `invalid_username_or_password` / `user_blocked` / `user_pending` (`/auth/v1/*` and the login page).
   */
  style?: 'oauth' | 'cloudbase';
}

/**
 * Checks a username and password with brute-force protection, the same for every caller (the
 * password grant, `/auth/v1/signin`, the login page, sudo). Unknown users, users without a password
 * and wrong passwords all cost one hash verification and give the same answer; each refusal writes
 * one `signin_failed` audit row (never with the username: it may be a phone number or an email).
 */
export async function verifyPassword(
  context: PasswordCheckContext,
  username: string,
  password: string,
): Promise<UserRow> {
  const { services } = context;
  const style = context.style ?? 'oauth';
  const failed = (reason: string) =>
    services.audit
      .record({
        kind: 'signin_failed',
        ...(context.clientId === undefined ? {} : { clientId: context.clientId }),
        ip: context.ip,
        detail: { method: 'pwd', reason },
      })
      // The refusal is the answer; a lost audit row must not turn it into a 500.
      .catch((error: unknown) => services.log.warn({ err: error }, 'audit row for a refused sign-in lost'));
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
      await failed('invalid username or password');
      throw style === 'oauth'
        ? new TokenServerError('invalid_grant', 'invalid username or password')
        : new TokenServerError('invalid_username_or_password', 'invalid username or password');
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
  if (user.status !== 'ACTIVE') {
    await failed(`account ${user.status.toLowerCase()}`);
    assertUserMaySignIn(user.status, style);
  }
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
  const user = await verifyPassword({ ...context, clientId: client.id }, username, password);
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
