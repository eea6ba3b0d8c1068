import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../storage/database.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
import type { CurrentUser } from './current-user.js';
import { requireSudo } from './sudo-tokens.js';

/**
 * The address as typed, in stored form — when it can be read without knowing the region: an email,
 * or a number with its country code (the official client always sends one, prepending +86). A number
 * without one is read in the code service's configured region, so it is matched against the proven
 * address by its national digits instead (`undefined` here).
 */
function typedAddress(kind: 'phone' | 'email', typed: string): string | undefined {
  if (kind === 'email') return parseEmailInput(typed);
  const spelled = typed.normalize('NFKC').trim();
  if (spelled.startsWith('+')) return parsePhoneInput(typed).stored;
  if (!/^[0-9][0-9\s()-]{3,24}$/.test(spelled))
    throw new TokenServerError('invalid_phone_number', 'phone_number is not a valid phone number');
  return undefined;
}

function nationalDigitsMatch(typed: string, proven: string): boolean {
  const national = proven.slice(proven.indexOf(' ') + 1);
  return typed.normalize('NFKC').replace(/[\s()-]/g, '') === national;
}

export interface ContactChange {
  phoneNumber?: string;
  email?: string;
  verificationToken?: string;
  sudoToken?: string;
}

const USAGE = { phone: 'PHONE_NUMBER_CHANGE', email: 'EMAIL_ADDRESS_CHANGE' } as const;
const COLUMNS = {
  phone: { address: 'phone_number', verified: 'phone_number_verified' },
  email: { address: 'email', verified: 'email_verified' },
} as const;

async function assertAddressFree(
  services: Services,
  column: string,
  address: string,
  sub: string,
): Promise<void> {
  const taken = await services.db.query(`SELECT 1 FROM users WHERE ${column} = $1 AND sub <> $2`, [
    address,
    sub,
  ]);
  if (taken.length > 0)
    throw new TokenServerError('user_already_exists', 'another account uses that address');
}

/**
 * Sets the user's phone number or email to an address proven by a code sent to it (a
 * `verification_token` of usage PHONE_NUMBER_CHANGE or EMAIL_ADDRESS_CHANGE, for exactly that
 * address and this client) and marks it verified. An account that can already prove itself — it has
 * a password, a phone or an email — also needs a `sudo_token`, as CloudBase's client sends, so a
 * stolen access token cannot move the account to the thief's phone and reset the password there.
 *
 * The cheap proof is spent before the costly one: the sudo_token first, then the code (an SMS), and
 * an address another user holds is refused before either (`user_already_exists`; the unique index
 * decides a race) — under enumeration protection only after both, so it tells nothing unproven.
 */
export async function changeContact(
  services: Services,
  current: CurrentUser,
  change: ContactChange,
): Promise<'phone' | 'email'> {
  const { user, claims } = current;
  const hasPhone = change.phoneNumber !== undefined;
  if (hasPhone === (change.email !== undefined))
    throw new TokenServerError('invalid_request', 'give either phone_number or email');
  const kind = hasPhone ? 'phone' : 'email';
  const typed = (change.phoneNumber ?? change.email) as string;
  const address = typedAddress(kind, typed);
  if (change.verificationToken === undefined)
    throw new TokenServerError(
      'invalid_request',
      'verification_token is required: send a code to the new address',
    );
  const column = COLUMNS[kind];
  // Under enumeration protection a taken address is told only once the code has proven it: the
  // unique index refuses it at the UPDATE below, after the proofs.
  if (address !== undefined && !services.verification.enumerationProtection)
    await assertAddressFree(services, column.address, address, user.sub);
  if (user.password_hash !== null || user.phone_number !== null || user.email !== null)
    await requireSudo(
      services,
      user.sub,
      change.sudoToken,
      claims.sid === undefined ? {} : { sid: claims.sid },
    );
  const proof = await services.verification.redeem(change.verificationToken, {
    usages: [USAGE[kind]],
    clientId: claims.client_id,
  });
  const matches =
    proof.kind === kind &&
    (address === undefined ? nationalDigitsMatch(typed, proof.address) : proof.address === address);
  if (!matches)
    throw new TokenServerError('invalid_verification_token', 'the code was sent to another address');
  try {
    await services.db.query(
      `UPDATE users SET ${column.address} = $2, ${column.verified} = true, updated_at = $3 WHERE sub = $1`,
      [user.sub, proof.address, new Date(services.clock.now())],
    );
  } catch (error) {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION)
      throw new TokenServerError('user_already_exists', 'another account uses that address');
    throw error;
  }
  return kind;
}
