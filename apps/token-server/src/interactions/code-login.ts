import { TokenServerError } from '../errors.js';
import type { UserRow } from '../users/user-repository.js';
import { assertUserMaySignIn } from '../users/user-status.js';

/**
 * What every interaction login by a method other than the password checks before it counts: the
 * user's status (CloudBase's `user_blocked` / `user_pending`) and the second-factor gate of issue
 * 9's accounts (a flagged user is answered `two_factor_required` until the TOTP step exists), as
 * `issueSignIn` does for `/auth/v1/signin*`.
 */
export function assertInteractionSignIn(user: UserRow, amr: readonly string[]): void {
  assertUserMaySignIn(user.status);
  const flagged = (user as UserRow & { two_factor_enabled?: boolean }).two_factor_enabled === true;
  if (flagged && !amr.includes('mfa')) {
    throw new TokenServerError('two_factor_required', 'this account needs a second factor to sign in');
  }
}
