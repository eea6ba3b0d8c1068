import { TokenServerError } from '../errors.js';

/**
 * What a new password must be (sign-up, password change, reset). Length is counted in code points
 * after NFKC, so a password typed on another keyboard layout is measured the same way.
 */
export interface PasswordPolicy {
  /** Fewest characters. */
  minLength: number;
  /** Most characters (argon2id hashes anything; the bound keeps one hash cheap). */
  maxLength: number;
  /** How many of lowercase, uppercase, digits and other characters must appear. */
  minCharacterClasses: number;
}

/** NIST SP 800-63B §5.1.1.2 asks for at least 8; two classes keeps `12345678` out. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 128,
  minCharacterClasses: 2,
};

function characterClasses(password: string): number {
  return [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(password)).length;
}

/**
 * Throws `invalid_password` when `password` breaks the policy or repeats one of the account's own
 * identifiers (its username, email or phone number). The description says which rule, never the
 * password.
 */
export function assertPasswordAllowed(
  password: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  identifiers: ReadonlyArray<string | null | undefined> = [],
): void {
  const length = [...password.normalize('NFKC')].length;
  if (length < policy.minLength)
    throw new TokenServerError(
      'invalid_password',
      `the password needs at least ${policy.minLength} characters`,
    );
  if (length > policy.maxLength)
    throw new TokenServerError(
      'invalid_password',
      `the password may have at most ${policy.maxLength} characters`,
    );
  if (/\p{Cc}/u.test(password))
    throw new TokenServerError('invalid_password', 'the password may not contain control characters');
  if (characterClasses(password) < policy.minCharacterClasses)
    throw new TokenServerError(
      'invalid_password',
      `the password needs ${policy.minCharacterClasses} of: lowercase, uppercase, digits, symbols`,
    );
  const folded = password.normalize('NFKC').toLowerCase();
  for (const identifier of identifiers) {
    if (identifier && folded === identifier.normalize('NFKC').toLowerCase())
      throw new TokenServerError('invalid_password', 'the password may not be the account’s own identifier');
  }
}
