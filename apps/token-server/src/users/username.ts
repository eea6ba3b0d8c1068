/**
 * The form a username is compared and stored in: NFKC, then case-folded, so `Ｚhangsan`, `zhangsan`
 * and `ZHANGSAN` are one name (issue 9's sign-up uniqueness uses the same function).
 */
export function foldUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** Usernames we accept: 1–64 characters after folding, no control characters or whitespace. */
export function isAcceptableUsername(username: string): boolean {
  const folded = foldUsername(username);
  return folded.length >= 1 && folded.length <= 64 && !/[\p{Cc}\p{Cf}\s]/u.test(folded);
}

/**
 * Why a username someone chose (sign-up, profile, admin) is refused, or undefined when it is fine.
 * CloudBase's `username` sign-in accepts emails and phone numbers too, so a username shaped like
 * either would make another account's address ambiguous: refused, judged on the folded form, so
 * full-width digits (`１３８…`) are digits.
 */
export function usernameRefusal(username: string): string | undefined {
  if (!isAcceptableUsername(username))
    return 'username must be 1–64 characters without spaces or control characters';
  const folded = foldUsername(username);
  if (/^\+?[\d\s-]{5,}$/.test(folded) || folded.includes('@'))
    return 'username may not look like a phone number or an email';
  return undefined;
}

/**
 * CloudBase's `username` also takes a phone number, `+86` with or without spacing before the
 * digits; stored numbers have exactly one space there.
 */
export function normalizePhonePrefix(identifier: string): string {
  return identifier.replace(/^\+86\s*/, '+86 ');
}

/**
 * The form password limits and lockouts are keyed on: every spelling that signs in to the same
 * account — `ZHANGSAN` and `Ｚhangsan`, `+8613800138000` and `+86\u3000 13800138000` — gives the
 * same key, so changing the spelling never buys fresh guesses.
 */
export function signInLimitIdentity(identifier: string): string {
  return normalizePhonePrefix(foldUsername(identifier));
}
