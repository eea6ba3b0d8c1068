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
