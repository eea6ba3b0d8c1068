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
  if (style === 'oauth') throw new TokenServerError('invalid_grant', `this account is ${status.toLowerCase()}`);
  if (status === 'BLOCKED') throw new TokenServerError('user_blocked', 'this account is blocked');
  throw new TokenServerError('user_pending', 'this account is not activated yet');
}
