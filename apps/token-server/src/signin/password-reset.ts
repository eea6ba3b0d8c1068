import type { LoadedClient } from '../clients/client-registry.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { assertPasswordAllowed } from '../users/password-policy.js';
import { redeemVerification } from './redeem-verification.js';
import {
  contactFromParams,
  findUserByContact,
  markContactVerified,
  sameContact,
} from './verified-contact.js';

/**
 * Forgot password (`POST /auth/v1/reset`): a `PASSWORD_RESET` code proves the phone or email, and
 * the account's password becomes `new_password`. Checked first — the policy, that the address has
 * an account — so a refusal spends no token. Then every session of the user ends on every
 * instance (refresh families and the login page's remembered sign-ins): whoever knew the old
 * password, or holds a session made with it, is out — and the lockout the forgotten password
 * earned from this IP ends (`PasswordGuard.forgive`). Under enumeration protection the token is
 * spent before the account is looked up, so `user_not_found` answers only whoever proved the address.
 */
export async function resetPassword(
  services: Services,
  input: { client: LoadedClient; ip: string; params: Readonly<Record<string, string | undefined>> },
): Promise<void> {
  const { params, client } = input;
  const token = params.verification_token;
  const newPassword = params.new_password;
  if (token === undefined) throw new TokenServerError('invalid_request', 'verification_token is required');
  if (newPassword === undefined) throw new TokenServerError('invalid_request', 'new_password is required');
  const contact = contactFromParams(params);
  if (contact === undefined)
    throw new TokenServerError('invalid_request', 'phone_number or email is required');
  const prove = async () => {
    const proven = await redeemVerification(services, token, ['PASSWORD_RESET'], client.id);
    if (!sameContact(proven, contact))
      throw new TokenServerError(
        'invalid_verification_token',
        'the verification_token was issued for another phone number or email',
      );
  };
  // Under enumeration protection nothing may tell whether the address has an account before the code
  // proves it: the policy is first checked on what the request itself says, then the token is spent.
  const protect = services.verification.enumerationProtection;
  if (protect) {
    assertPasswordAllowed(newPassword, services.config.passwordPolicy, [contact.address]);
    await prove();
  }
  const user = await findUserByContact(services.db, contact);
  if (!user || user.is_anonymous)
    throw new TokenServerError('user_not_found', 'no account has this phone number or email');
  assertPasswordAllowed(newPassword, services.config.passwordPolicy, [
    user.username_display ?? user.username,
    user.email,
    user.phone_number,
  ]);
  const hash = await services.hasher.hash(newPassword);
  if (!protect) await prove();
  const now = new Date(services.clock.now());
  await services.db.query(
    'UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE sub = $1',
    [user.sub, hash, now],
  );
  await markContactVerified(services.db, user.sub, contact);
  await services.passwordGuard.forgive(
    [user.username, user.username_display, user.email, user.phone_number],
    input.ip,
  );
  const ended = await services.revoked.revokeWhere(
    services.db,
    'user_sub = $3',
    [user.sub],
    'password_reset',
  );
  await services.db.query(
    'UPDATE login_sessions SET revoked_at = $2 WHERE user_sub = $1 AND revoked_at IS NULL',
    [user.sub, now],
  );
  await services.audit.record({
    kind: 'password_reset',
    clientId: client.id,
    sub: user.sub,
    ip: input.ip,
    detail: { sessions_ended: ended.length, via: contact.kind },
  });
}
