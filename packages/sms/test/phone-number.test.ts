import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhoneNumber, parsePhoneNumber, SmsError } from '../src/index.js';

describe('PhoneNumber', () => {
  it('parses E.164 and renders every provider format', () => {
    const number = parsePhoneNumber('+86 138-0013-8000');
    expect(number.e164).toBe('+8613800138000');
    expect(number.format('idd00')).toBe('008613800138000');
    expect(number.format('digits')).toBe('8613800138000');
    expect(number.format('national')).toBe('13800138000');
    expect(number.region).toBe('CN');
    expect(number.isMainlandChina).toBe(true);
    expect(JSON.stringify({ to: number })).toBe('{"to":"+8613800138000"}');
  });

  it('reads the 00 international prefix', () => {
    expect(parsePhoneNumber('0085291234567').e164).toBe('+85291234567');
  });

  it('never guesses a country from the digit count (Logto #5889, #7050)', () => {
    // 11 digits starting with 1 look like a mainland mobile, but without +86 or a region they are refused.
    expect(() => parsePhoneNumber('13800138000')).toThrow(SmsError);
    expect(parsePhoneNumber('13800138000', { defaultRegion: 'CN' }).e164).toBe('+8613800138000');
    // A US number is not mainland China, a Hong Kong number neither.
    expect(parsePhoneNumber('+12015550123').isMainlandChina).toBe(false);
    expect(parsePhoneNumber('+85291234567').isMainlandChina).toBe(false);
    expect(parsePhoneNumber('2015550123', { defaultRegion: 'us' }).e164).toBe('+12015550123');
  });

  it('rejects invalid numbers with SMS_INVALID_NUMBER and keeps the number out of the message', () => {
    for (const input of ['', 'abc', '+86123', '+8612345678901', '+999123456789']) {
      const error = (() => {
        try {
          parsePhoneNumber(input);
          return undefined;
        } catch (thrown) {
          return thrown as SmsError;
        }
      })();
      expect(error?.code).toBe('SMS_INVALID_NUMBER');
      if (input.length > 3) expect(error?.message).not.toContain(input);
    }
  });

  it('reads a country code libphonenumber finds, without a default region: (+86)… and tel:+86… were refused as "no country code"', () => {
    expect(parsePhoneNumber('(+86)13800138000').e164).toBe('+8613800138000');
    expect(parsePhoneNumber('tel:+8613800138000').e164).toBe('+8613800138000');
    expect(parsePhoneNumber('  +86 (138) 0013-8000 ').e164).toBe('+8613800138000');
  });

  it("maps libphonenumber's parse errors to reasons, naming the fix only where it applies", () => {
    const reason = (input: string, defaultRegion?: string) => {
      try {
        parsePhoneNumber(input, defaultRegion === undefined ? {} : { defaultRegion });
        return undefined;
      } catch (error) {
        return (error as SmsError).message;
      }
    };
    expect(reason('13800138000')).toMatch(/no country code.*defaultRegion/);
    expect(reason('tel:13800138000')).toMatch(/no country code/);
    expect(reason('abc', 'CN')).toBe('Invalid phone number: not a phone number');
    expect(reason('+86')).toBe('Invalid phone number: too short');
    expect(reason('+86138001380001234567')).toBe('Invalid phone number: too long');
    expect(reason('+999123')).toBe('Invalid phone number: unknown country calling code');
  });

  it('rejects an unknown default region as a config error', () => {
    expect(() => parsePhoneNumber('123', { defaultRegion: 'XX' })).toThrow(
      expect.objectContaining({ code: 'SMS_CONFIG_INVALID' }),
    );
  });

  it('property: a parsed number re-parses to itself from every rendering', () => {
    const cn = fc.stringMatching(/^1[3-9][0-9]{9}$/).map((national) => `+86${national}`);
    const us = fc.stringMatching(/^[2-9][0-9]{2}[2-9][0-9]{6}$/).map((national) => `+1${national}`);
    const gb = fc.stringMatching(/^7[0-9]{9}$/).map((national) => `+44${national}`);
    fc.assert(
      fc.property(fc.oneof(cn, us, gb), (input) => {
        const number = PhoneNumber.tryParse(input);
        if (number === undefined) return; // outside the numbering plan
        expect(parsePhoneNumber(number.e164).e164).toBe(number.e164);
        expect(parsePhoneNumber(number.format('idd00')).e164).toBe(number.e164);
        expect(parsePhoneNumber(`+${number.format('digits')}`).e164).toBe(number.e164);
        if (number.region !== undefined) {
          expect(parsePhoneNumber(number.format('national'), { defaultRegion: number.region }).e164).toBe(
            number.e164,
          );
        }
        expect(number.e164).toMatch(/^\+[1-9][0-9]{6,14}$/);
      }),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary text either parses to E.164 or throws SMS_INVALID_NUMBER, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (input) => {
        try {
          expect(parsePhoneNumber(input).e164).toMatch(/^\+[1-9][0-9]{6,14}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(SmsError);
          expect((error as SmsError).code).toBe('SMS_INVALID_NUMBER');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('all-digit text without + or a region is always refused', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9][0-9]{6,14}$/), (digits) => {
        expect(() => parsePhoneNumber(digits)).toThrow(SmsError);
      }),
    );
  });
});
