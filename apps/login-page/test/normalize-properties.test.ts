import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCode, normalizeUserCode } from '../src/code-input.js';

/** ASCII digits → full-width (U+FF10…), as a Chinese or Japanese IME types them. */
const fullWidth = (digits: string) => digits.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const code = fc.stringMatching(/^\d{4,8}$/);
/** Text around a code in a message: no digits, and not ending/starting in a way that joins runs. */
const words = fc.stringMatching(/^[A-Za-z:，。【】 ]{0,20}$/).map((text) => text.replace(/ +$/, ''));

describe('normalizeCode (properties)', () => {
  it('finds the code in any message around it, typed in ASCII or full-width, spaced or not', () => {
    fc.assert(
      fc.property(code, words, words, fc.boolean(), fc.boolean(), (digits, before, after, wide, spaced) => {
        const half = spaced ? `${digits.slice(0, 3)} ${digits.slice(3)}` : digits;
        const shown = wide ? fullWidth(half) : half;
        expect(normalizeCode(`${before} ${shown}${after ? ` ${after}` : ''}`)).toBe(digits);
      }),
    );
  });

  it('is idempotent and only ever gives ASCII digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const once = normalizeCode(text);
        expect(once).toMatch(/^\d*$/);
        expect(normalizeCode(once)).toBe(once);
      }),
    );
  });
});

describe('normalizeUserCode (properties)', () => {
  const userCode = fc.stringMatching(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
  it('case, dashes, spaces and full width do not matter (RFC 8628 §6.1)', () => {
    fc.assert(
      fc.property(
        userCode,
        fc.constantFrom('', '-', ' ', '－'),
        fc.boolean(),
        (letters, separator, lower) => {
          const typed = `${letters.slice(0, 4)}${separator}${letters.slice(4)}`;
          const variant = lower ? typed.toLowerCase() : typed.normalize('NFKC');
          expect(normalizeUserCode(variant)).toBe(`${letters.slice(0, 4)}-${letters.slice(4)}`);
        },
      ),
    );
  });
});
