import { TokenServerError } from '../errors.js';

/**
 * The one check every sign-in path makes before it issues anything (password, codes, providers,
 * anonymous renewal, refresh): a BLOCKED user is refused everywhere, a PENDING one until activated.
 * The token endpoint keeps RFC 6749's `invalid_grant`; CloudBase's `/auth/v1/signin*` routes say why.
 */
export function assertUserMaySignIn(
  status: 'ACTIVE' | 'PENDING' | 'BLOCKED',
  style: 'oauth' | 'cloudbase' = 'cloudbase',
): void {
  if (status === 'ACTIVE') return;
  if (style === 'oauth')
    throw new TokenServerError('invalid_grant', `this account is ${status.toLowerCase()}`);
  if (status === 'BLOCKED') throw new TokenServerError('user_blocked', 'this account is blocked');
  throw new TokenServerError('user_pending', 'this account is not activated yet');
}

/** The RFC 8176 method that satisfies a second-factor requirement; only the TOTP step (a later issue) adds it. */
export const SECOND_FACTOR_AMR = 'mfa';

/**
 * `assertUserMaySignIn`, then the second-factor gate: a user flagged `two_factor_enabled` is answered
 * `two_factor_required` by every sign-in path (the token endpoint's password grant, `/auth/v1/signin*`,
 * the login page) until the methods used include the second factor — the hook the TOTP issue fills.
 */
export function assertSignInComplete(
  user: { status: 'ACTIVE' | 'PENDING' | 'BLOCKED'; two_factor_enabled?: boolean | null },
  amr: readonly string[],
  style: 'oauth' | 'cloudbase' = 'cloudbase',
): void {
  assertUserMaySignIn(user.status, style);
  if (user.two_factor_enabled === true && !amr.includes(SECOND_FACTOR_AMR)) {
    throw new TokenServerError('two_factor_required', 'this account needs a second factor to sign in');
  }
}
