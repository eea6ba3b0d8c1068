// Keys the page builds at run time (`err.${code}`, `scope.${name}`, …) escape the type check that
// literal keys get: pin each family to the catalogue both ways — every built key exists, and no
// key of the family is left unused.
import { describe, expect, it } from 'vitest';
import { WORDED_ERRORS } from '../src/error-message.js';
import { en } from '../src/i18n/en.js';
import { LOCALES, translator } from '../src/i18n/locale.js';
import { zhCN } from '../src/i18n/zh-CN.js';
import { amrText, scopeText, WORDED_AMR, WORDED_SCOPES } from '../src/scope-text.js';
import { PLATFORM_DEFAULT_NAMES } from '../src/social-plan.js';

const keys = Object.keys(en);
const family = (prefix: string) =>
  keys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));

/** Keys of a family the page uses literally (not through the set). */
const LITERAL = {
  'err.': ['unknown', 'required', 'code_format'],
  'scope.': ['other'],
  'amr.': ['other'],
  'language.': ['label'],
};

describe.each([
  ['err.', [...WORDED_ERRORS]],
  ['scope.', [...WORDED_SCOPES]],
  ['amr.', [...WORDED_AMR]],
  ['platform.', Object.keys(PLATFORM_DEFAULT_NAMES)],
  ['language.', [...LOCALES]],
] as const)('%s keys', (prefix, built) => {
  it('every key the page builds is in both catalogues', () => {
    for (const name of built) {
      expect(en, `${prefix}${name}`).toHaveProperty([`${prefix}${name}`]);
      expect(zhCN, `${prefix}${name}`).toHaveProperty([`${prefix}${name}`]);
    }
  });

  it('no key of the family is unused', () => {
    const literal: readonly string[] = LITERAL[prefix as keyof typeof LITERAL] ?? [];
    expect(
      family(prefix).filter((name) => !built.includes(name as never) && !literal.includes(name)),
    ).toEqual([]);
  });
});

describe('platform names', () => {
  it('the English catalogue names each platform as the server does by default', () => {
    for (const [platform, name] of Object.entries(PLATFORM_DEFAULT_NAMES)) {
      expect(en[`platform.${platform}` as keyof typeof en]).toBe(name);
    }
  });
});

describe('scopeText / amrText', () => {
  const t = translator(en);
  const zh = translator(zhCN);
  it('words known scopes and names unknown ones', () => {
    expect(scopeText(t, 'profile')).toBe('See your name and profile picture');
    expect(scopeText(zh, 'phone')).toBe('查看你的手机号');
    expect(scopeText(t, 'photos.read')).toBe('Use the permission “photos.read”');
  });

  it('words a session’s first sign-in method', () => {
    expect(amrText(t, ['sms', 'mfa'])).toBe('SMS code');
    expect(amrText(t, ['hwk'])).toBe('another method');
    expect(amrText(zh, undefined)).toBe('其他方式');
  });
});
