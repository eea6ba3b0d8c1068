import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { Queryable } from '../storage/database.js';
import type { UserRow } from '../users/user-repository.js';
import { assertUserMaySignIn } from '../users/user-status.js';
import type { VerifiedContact } from './verified-contact.js';

/**
 * RFC 8176 `amr` of a login by a code sent to the user. `sms` is the registered value for a code
 * texted to a number. RFC 8176 registers nothing for email, and `otp` names HOTP/TOTP (RFC 4226,
 * 6238) — the TOTP second factor of a later issue — so an emailed code is `email`, an unregistered
 * but self-describing value (RFC 8176 §2 allows them), which lets a client tell the two apart.
 */
export const CODE_AMR: Readonly<Record<VerifiedContact['kind'], readonly string[]>> = {
  phone: ['sms'],
  email: ['email'],
};

export function codeAmr(contact: VerifiedContact): string[] {
  return [...CODE_AMR[contact.kind]];
}

/**
 * Checks the code and redeems the verification token it gives in one step, on the server: the
 * token never reaches the page, so the only thing the page handles is the code the user typed.
 * Wrong codes are counted and capped by `services.verification` (otp), per verification.
 */
export async function redeemCode(
  services: Services,
  input: { verificationId: string; code: string; clientId: string; usages: readonly string[] },
): Promise<VerifiedContact> {
  const { verification_token: token } = await services.verification.verify({
    verificationId: input.verificationId,
    code: input.code,
    clientId: input.clientId,
  });
  const redeemed = await services.verification.redeem(token, {
    usages: input.usages,
    clientId: input.clientId,
  });
  return { kind: redeemed.kind, address: redeemed.address };
}

/** The user holding this phone number or email (stored forms), if any. */
export async function findUserByContact(
  services: Services,
  contact: VerifiedContact,
  q: Queryable = services.db,
): Promise<UserRow | undefined> {
  const column = contact.kind === 'phone' ? 'phone_number' : 'email';
  const rows = await q.query<UserRow>(`SELECT * FROM users WHERE ${column} = $1`, [contact.address]);
  return rows[0];
}

/**
 * What every interaction login by a method other than the password checks before it counts: the
 * user's status (CloudBase's `user_blocked` / `user_pending`) and the second-factor gate of issue
 * 9's accounts (a flagged user is answered `two_factor_required` until the TOTP step exists).
 */
export function assertInteractionSignIn(user: UserRow, amr: readonly string[]): void {
  assertUserMaySignIn(user.status);
  const flagged = (user as UserRow & { two_factor_enabled?: boolean }).two_factor_enabled === true;
  if (flagged && !amr.includes('mfa')) {
    throw new TokenServerError('two_factor_required', 'this account needs a second factor to sign in');
  }
}
