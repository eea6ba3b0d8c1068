import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Queryable } from '../storage/database.js';
import { assertPasswordAllowed } from '../users/password-policy.js';
import { newUserSub, type UserRow } from '../users/user-repository.js';
import { foldUsername, isAcceptableUsername } from '../users/username.js';
import type { VerifiedContact } from './verified-contact.js';

export interface CodeSignUpProfile {
  username?: string;
  password?: string;
  name?: string;
}

/**
 * Checks what can be checked before a transaction (the slow password hash included, so no row or
 * PGlite's one connection is held during it). Returns the hash to store, or null.
 */
export async function prepareSignUp(
  services: Services,
  contact: VerifiedContact,
  profile: CodeSignUpProfile,
): Promise<string | null> {
  if (profile.username !== undefined && !isAcceptableUsername(profile.username)) {
    throw new TokenServerError(
      'invalid_request',
      'username must be 1–64 characters without spaces or control characters',
    );
  }
  if (profile.password === undefined) return null;
  assertPasswordAllowed(profile.password, undefined, [profile.username, contact.address]);
  return services.hasher.hash(profile.password);
}

/**
 * Creates the user a code sign-up proved an address for, inside the caller's transaction. The
 * unique indexes decide races with any other sign-up on any instance: a phone or email someone holds
 * is `user_already_exists`, a taken username (after NFKC and case folding) `username_already_exists`.
 */
export async function insertSignUpUser(
  services: Services,
  tx: Queryable,
  contact: VerifiedContact,
  profile: CodeSignUpProfile,
  passwordHash: string | null,
): Promise<UserRow> {
  const now = new Date(services.clock.now());
  try {
    const rows = await tx.query<UserRow>(
      `INSERT INTO users (sub, username, username_display, password_hash, email, phone_number, name, groups,
         is_anonymous, created_at, updated_at, password_changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', false, $8, $8, $9) RETURNING *`,
      [
        newUserSub(services.random),
        profile.username === undefined ? null : foldUsername(profile.username),
        profile.username ?? null,
        passwordHash,
        contact.kind === 'email' ? contact.address : null,
        contact.kind === 'phone' ? contact.address : null,
        profile.name ?? null,
        now,
        passwordHash === null ? null : now,
      ],
    );
    return rows[0]!;
  } catch (error) {
    if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
    const message = error instanceof Error ? error.message : '';
    if (message.includes('username')) {
      throw new TokenServerError('username_already_exists', 'this username is taken', { cause: error });
    }
    throw new TokenServerError(
      'user_already_exists',
      contact.kind === 'phone'
        ? 'an account with this phone number already exists; log in instead'
        : 'an account with this email already exists; log in instead',
      { cause: error },
    );
  }
}
