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
