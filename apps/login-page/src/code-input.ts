/**
 * What people type or paste into the code and phone fields, made into what the server expects.
 * NFKC first: a Chinese or Japanese IME gives full-width digits (`１２３`), which an ASCII regex
 * rejects (findadoc-web #1762). No `maxLength` on the field either: it would cut a pasted
 * "Your code is 123 456" before we could find the digits (dailydotdev/apps #6421).
 */

/** The digits of a verification code, from anything typed or pasted: `"Your code is １２３ ４５６."` → `"123456"`. */
export function normalizeCode(input: string): string {
  const text = input.normalize('NFKC');
  // A pasted message: take the longest run of digits (allowing single spaces or dashes inside it),
  // so "Code 123-456, valid 10 min" gives 123456, not 12345610.
  const runs = text.match(/\d(?:[ \-\u00a0]?\d)*/g);
  if (!runs) return '';
  let best = '';
  for (const run of runs) {
    const digits = run.replace(/\D/g, '');
    if (digits.length > best.length) best = digits;
  }
  return best;
}

/**
 * A phone number as typed, for the server (which parses it with libphonenumber): NFKC (full-width
 * digits and `＋`), the long dash and the ideographic space folded, trimmed. Spacing stays — the
 * server accepts `+86 138 0013 8000`.
 */
export function normalizePhone(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212\u30fc]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An email as typed: NFKC (full-width `＠`), trimmed. Case is the server's business. */
export function normalizeEmail(input: string): string {
  return input.normalize('NFKC').trim();
}

/**
 * A device's user code (RFC 8628 §6.1): case- and punctuation-insensitive, so `bcdf ghjk`,
 * `ＢＣＤＦ－ＧＨＪＫ` and `BCDF-GHJK` are one code. Shown back as `XXXX-XXXX`.
 */
export function normalizeUserCode(input: string): string {
  const compact = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
}
