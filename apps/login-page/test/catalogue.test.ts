import { describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { format, LOCALES, loadCatalogue, pickLocale, translator } from '../src/i18n/locale.js';
import { zhCN } from '../src/i18n/zh-CN.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('catalogues', () => {
  it('zh-CN has exactly the English keys', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(LOCALES)('%s: every message is non-empty and has the English placeholders', async (locale) => {
    const messages = await loadCatalogue(locale);
    for (const [key, english] of Object.entries(en)) {
      const text = messages[key as keyof typeof en];
      expect(text.trim(), key).not.toBe('');
      expect(placeholders(text), key).toEqual(placeholders(english));
    }
  });

  it('the Chinese catalogue is translated (not English copied over), language and brand names aside', () => {
    const same = Object.keys(en).filter(
      (key) =>
        zhCN[key as keyof typeof en] === en[key as keyof typeof en] &&
        !key.startsWith('language.') &&
        !key.startsWith('platform.'),
    );
    expect(same).toEqual([]);
  });

  it('keeps the accessible names the browser tests select by (contracts.md §B)', () => {
    expect(en['signin.title']).toBe('Sign in');
    expect(en['signup.title']).toBe('Create account');
    expect(en['forgot.title']).toBe('Reset password');
    expect(format(en['consent.title'], { client: 'Demo' })).toBe('Authorize Demo');
    expect(en['device.title']).toBe('Connect a device');
    expect(en['device.confirm_title']).toBe('Confirm the device');
    expect(en['device.done_title']).toBe('Device connected');
    expect(en['account.title']).toBe('Your account');
    expect([en['signin.tab.password'], en['signin.tab.sms'], en['signin.tab.email']]).toEqual([
      'Password',
      'SMS code',
      'Email code',
    ]);
    expect([
      en['field.username'],
      en['field.password'],
      en['field.phone'],
      en['field.email'],
      en['field.code'],
      en['field.device_code'],
    ]).toEqual([
      'Username, phone or email',
      'Password',
      'Phone number',
      'Email',
      'Verification code',
      'Device code',
    ]);
    expect(format(en['signin.continue_with'], { name: 'GitHub' })).toBe('Continue with GitHub');
    expect([
      en['signin.submit'],
      en['code.send'],
      en['signup.submit'],
      en['consent.allow'],
      en['consent.deny'],
      en['common.continue'],
      en['device.confirm'],
      en['common.cancel'],
      en['account.sign_out'],
      en['account.sign_out_device'],
    ]).toEqual([
      'Sign in',
      'Send code',
      'Create account',
      'Allow',
      'Deny',
      'Continue',
      'Confirm',
      'Cancel',
      'Sign out',
      'Sign out this device',
    ]);
    expect([en['language.label'], zhCN['language.label']]).toEqual(['Language', '语言']);
  });
});

describe('pickLocale', () => {
  it('takes the first language we have', () => {
    expect(pickLocale(['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLocale(['de-DE', 'en-GB', 'zh'])).toBe('en');
    expect(pickLocale(['fr', 'zh-Hans-CN'])).toBe('zh-CN');
    expect(pickLocale(['ZH-cn'])).toBe('zh-CN');
  });

  it('falls back to English, and a remembered valid choice wins', () => {
    expect(pickLocale([])).toBe('en');
    expect(pickLocale(['ja'])).toBe('en');
    expect(pickLocale(['en'], 'zh-CN')).toBe('zh-CN');
    expect(pickLocale(['zh'], 'klingon')).toBe('zh-CN');
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('Continue with {name}', { name: '微信' })).toBe('Continue with 微信');
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    expect(translator(zhCN)('code.resend_in', { seconds: 42 })).toBe('42 秒后可重新获取验证码。');
  });
});
