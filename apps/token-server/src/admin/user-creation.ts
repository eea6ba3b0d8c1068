import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../storage/database.js';
import { parseEmailInput, parsePhoneInput } from '../users/contact-address.js';
import { assertPasswordAllowed } from '../users/password-policy.js';
import { newUserSub } from '../users/user-repository.js';
import { foldUsername, usernameRefusal } from '../users/username.js';
import type { AdminUserRow } from './admin-user-view.js';

export interface AdminNewUser {
  username?: string;
  phone_number?: string;
  email?: string;
  password?: string;
  name?: string;
  groups?: string[];
}

/** Which identifier a unique violation was about, from the constraint PostgreSQL names. */
function uniquenessError(error: unknown): TokenServerError | undefined {
  const constraint =
    typeof error === 'object' && error !== null && 'constraint' in error
      ? String((error as { constraint: unknown }).constraint)
      : '';
  const text = `${constraint} ${error instanceof Error ? error.message : ''}`;
  if (text.includes('users_username_key'))
    return new TokenServerError('username_already_exists', 'a user with this username already exists');
  if (text.includes('users_phone_number_key'))
    return new TokenServerError('user_already_exists', 'a user with this phone number already exists');
  if (text.includes('users_email_key'))
    return new TokenServerError('user_already_exists', 'a user with this email already exists');
  return undefined;
}

/**
 * Creates a user as an operator asks (`POST /auth/v1/admin/users`). The identifiers are stored in the
 * same forms sign-in looks them up by (folded username, `"+86 138…"`, normalised email), so the user
 * can sign in with any spelling at once. Uniqueness is decided by the table's unique indexes, never
 * by a look-up first: of two parallel creations with one username exactly one succeeds, the other is
 * `username_already_exists` (phone or email: `user_already_exists`). The addresses are not marked
 * verified: an operator typing one has not proven it belongs to the user.
 */
export async function createUserAsAdmin(services: Services, input: AdminNewUser): Promise<AdminUserRow> {
  if (input.username === undefined && input.phone_number === undefined && input.email === undefined) {
    throw new TokenServerError('invalid_request', 'one of username, phone_number or email is required');
  }
  const refusal = input.username === undefined ? undefined : usernameRefusal(input.username);
  if (refusal !== undefined) throw new TokenServerError('invalid_request', refusal);
  const phone = input.phone_number === undefined ? undefined : parsePhoneInput(input.phone_number).stored;
  const email = input.email === undefined ? undefined : parseEmailInput(input.email);
  if (input.password !== undefined) {
    assertPasswordAllowed(input.password, services.config.passwordPolicy, [input.username, phone, email]);
  }
  const groups = [...new Set(input.groups ?? [])];
  const passwordHash = input.password === undefined ? null : await services.hasher.hash(input.password);
  const now = new Date(services.clock.now());
  for (let attempt = 0; ; attempt++) {
    try {
      const rows = await services.db.query<AdminUserRow>(
        `INSERT INTO users (sub, username, username_display, password_hash, email, phone_number, name, groups,
           created_at, updated_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING *`,
        [
          newUserSub(services.random),
          input.username === undefined ? null : foldUsername(input.username),
          input.username ?? null,
          passwordHash,
          email ?? null,
          phone ?? null,
          input.name ?? null,
          JSON.stringify(groups),
          now,
          passwordHash === null ? null : now,
        ],
      );
      return rows[0]!;
    } catch (error) {
      if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
      const known = uniquenessError(error);
      if (known) throw known;
      // A sub collision (1 in 9×10^18): draw again, a bounded number of times.
      if (attempt >= 2) throw error;
    }
  }
}
