import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../storage/database.js';
import { foldUsername, usernameRefusal } from '../users/username.js';
import type { FullUserRow } from './current-user.js';

/** The profile fields a user may change themselves; `null` clears one (the username excepted). */
export interface ProfileChanges {
  name?: string | null;
  picture?: string | null;
  gender?: string | null;
  locale?: string | null;
  username?: string;
}

export const GENDERS = ['MALE', 'FEMALE', 'UNKNOWN'] as const;

const NAME_MAX = 64;
const PICTURE_MAX = 2_048;

const refuse = (description: string) => new TokenServerError('invalid_request', description);

/** `''` and `null` both mean "clear it" for the optional fields. */
function cleared(value: string | null | undefined): boolean {
  return value === null || value === '';
}

function checkName(value: string): string {
  const name = value.normalize('NFC').trim();
  if (name === '' || [...name].length > NAME_MAX || /[\p{Cc}\p{Cf}]/u.test(name))
    throw refuse(`name must be 1–${NAME_MAX} characters without control characters`);
  return name;
}

/** An avatar is shown by every app that reads the profile: https only, so none serves it mixed or local. */
function checkPicture(value: string): string {
  let url: URL | undefined;
  try {
    url = value.length <= PICTURE_MAX ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hostname === '')
    throw refuse(`picture must be an https URL of at most ${PICTURE_MAX} characters, without credentials`);
  return url.toString();
}

function checkGender(value: string): string {
  if (!(GENDERS as readonly string[]).includes(value)) throw refuse('gender must be MALE, FEMALE or UNKNOWN');
  return value;
}

/** A BCP 47 language tag, canonicalised (`zh-cn` → `zh-CN`). */
function checkLocale(value: string): string {
  try {
    const [locale] = value.length <= 35 ? Intl.getCanonicalLocales(value) : [];
    if (locale) return locale;
  } catch {
    // RangeError: not a language tag.
  }
  throw refuse('locale must be a BCP 47 language tag such as zh-CN');
}

/**
 * A username signs in beside emails and phone numbers (CloudBase's `username` accepts all three), so
 * one shaped like either could make another account's email or phone ambiguous at sign-in: refused.
 * Uniqueness is the users table's index on the folded form (NFKC + case folding), as at sign-up.
 */
function checkUsername(value: string): string {
  const refusal = usernameRefusal(value);
  if (refusal !== undefined) throw refuse(refusal);
  return value.normalize('NFKC');
}

/**
 * Applies the changes in one UPDATE … RETURNING: a username another user holds in any spelling is
 * refused by the unique index (`username_already_exists`), whichever instance wins the race.
 * Nothing to change answers the row as it is.
 */
export async function applyProfileChanges(
  services: Services,
  user: FullUserRow,
  changes: ProfileChanges,
): Promise<FullUserRow> {
  const sets: Array<[column: string, value: string | null]> = [];
  if (changes.name !== undefined)
    sets.push(['name', cleared(changes.name) ? null : checkName(changes.name as string)]);
  if (changes.picture !== undefined)
    sets.push(['picture', cleared(changes.picture) ? null : checkPicture(changes.picture as string)]);
  if (changes.gender !== undefined)
    sets.push(['gender', cleared(changes.gender) ? null : checkGender(changes.gender as string)]);
  if (changes.locale !== undefined)
    sets.push(['locale', cleared(changes.locale) ? null : checkLocale(changes.locale as string)]);
  if (changes.username !== undefined) {
    const username = checkUsername(changes.username);
    sets.push(['username', foldUsername(username)], ['username_display', username]);
  }
  if (sets.length === 0) return user;
  const assignments = sets.map(([column], index) => `${column} = $${index + 3}`);
  try {
    const rows = await services.db.query<FullUserRow>(
      `UPDATE users SET updated_at = $2, ${assignments.join(', ')} WHERE sub = $1 RETURNING *`,
      [user.sub, new Date(services.clock.now()), ...sets.map(([, value]) => value)],
    );
    if (!rows[0]) throw new TokenServerError('invalid_token', 'the access token does not belong to a user');
    return rows[0];
  } catch (error) {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION)
      throw new TokenServerError('username_already_exists', 'that username is taken');
    throw error;
  }
}
