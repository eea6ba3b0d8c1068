import { describe, expect, it } from 'vitest';
import { normalizeCode, normalizeEmail, normalizePhone, normalizeUserCode } from '../src/code-input.js';

describe('normalizeCode', () => {
  it('accepts full-width digits (IME input, findadoc-web #1762)', () => {
    expect(normalizeCode('１２３４５６')).toBe('123456');
    expect(normalizeCode('１２３ ４５６')).toBe('123456');
  });

  it('extracts the code from a pasted message', () => {
    expect(normalizeCode('Your code is 123 456')).toBe('123456');
    expect(normalizeCode('【灵牌】验证码 654321，10 分钟内有效。')).toBe('654321');
    expect(normalizeCode('Code 123-456, valid 10 min')).toBe('123456');
    expect(normalizeCode('  042137 ')).toBe('042137');
  });

  it('gives nothing for text without digits', () => {
    expect(normalizeCode('abc')).toBe('');
    expect(normalizeCode('')).toBe('');
  });
});

describe('normalizePhone / normalizeEmail', () => {
  it('folds full-width digits, plus and dashes, keeping the spacing the server accepts', () => {
    expect(normalizePhone('＋８６ １３８ ００１３ ８０００')).toBe('+86 138 0013 8000');
    expect(normalizePhone(' 138\u30000013\u30008000 ')).toBe('138 0013 8000');
    expect(normalizePhone('138－0013－8000')).toBe('138-0013-8000');
    expect(normalizePhone('138—0013—8000')).toBe('138-0013-8000');
  });

  it('folds a full-width at sign', () => {
    expect(normalizeEmail(' ｕｓｅｒ＠example.com ')).toBe('user@example.com');
  });
});

describe('normalizeUserCode (RFC 8628 §6.1)', () => {
  it('is case- and punctuation-insensitive and full-width safe', () => {
    expect(normalizeUserCode('bcdf ghjk')).toBe('BCDF-GHJK');
    expect(normalizeUserCode('ＢＣＤＦ－ＧＨＪＫ')).toBe('BCDF-GHJK');
    expect(normalizeUserCode('BCDFGHJK')).toBe('BCDF-GHJK');
    expect(normalizeUserCode('bcd')).toBe('BCD');
  });
});
