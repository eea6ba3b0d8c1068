import { TokenServerError } from '../errors.js';
import type { Queryable } from '../storage/database.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
import type { UserRow } from '../users/user-repository.js';

/** A phone number or email in its stored form (`"+86 13800138000"`, lower-case email). */
export interface Contact {
  kind: 'phone' | 'email';
  address: string;
}

/** The `phone_number` or `email` of a request body, parsed to the stored form; undefined when neither. */
export function contactFromParams(params: Readonly<Record<string, string | undefined>>): Contact | undefined {
  const { phone_number: phone, email } = params;
  if (phone !== undefined && email !== undefined)
    throw new TokenServerError('invalid_request', 'give either phone_number or email, not both');
  if (phone !== undefined) return { kind: 'phone', address: parsePhoneInput(phone).stored };
  if (email !== undefined) return { kind: 'email', address: parseEmailInput(email) };
  return undefined;
}

export function sameContact(a: Contact, b: Contact): boolean {
  return a.kind === b.kind && a.address === b.address;
}

const COLUMN = { phone: 'phone_number', email: 'email' } as const;
const VERIFIED_COLUMN = { phone: 'phone_number_verified', email: 'email_verified' } as const;

export async function findUserByContact(db: Queryable, contact: Contact): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(`SELECT * FROM users WHERE ${COLUMN[contact.kind]} = $1`, [
    contact.address,
  ]);
  return rows[0];
}

/** A redeemed code proved the address: userinfo may now say `*_verified: true`. */
export async function markContactVerified(db: Queryable, sub: string, contact: Contact): Promise<void> {
  await db.query(
    `UPDATE users SET ${VERIFIED_COLUMN[contact.kind]} = true WHERE sub = $1 AND ${COLUMN[contact.kind]} = $2`,
    [sub, contact.address],
  );
}

/** RFC 8176 method of a code sign-in, the same names the login page uses. */
export function contactAmr(contact: Contact): string {
  return contact.kind === 'phone' ? 'sms' : 'email';
}
