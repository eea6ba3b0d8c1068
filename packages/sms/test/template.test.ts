import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  namedParams,
  parsePhoneNumber,
  positionalParams,
  renderContent,
  resolveTemplateId,
  SmsError,
} from '../src/index.js';

const cn = parsePhoneNumber('+8613800138000');
const hk = parsePhoneNumber('+85291234567');
const aliyun = { name: 'aliyun-main', kind: 'aliyun' };

describe('template ids', () => {
  it('prefers the instance name, then the kind, then the default id, per region', () => {
    const template = {
      id: 'DEFAULT',
      ids: { aliyun: { CN: 'SMS_CN', default: 'SMS_INTL' }, 'tencent-intl': '999' },
    };
    expect(resolveTemplateId(template, aliyun, cn)).toBe('SMS_CN');
    expect(resolveTemplateId(template, aliyun, hk)).toBe('SMS_INTL');
    expect(resolveTemplateId(template, { name: 'tencent-intl', kind: 'tencent' }, hk)).toBe('999');
    expect(resolveTemplateId(template, { name: 'twilio', kind: 'twilio' }, hk)).toBe('DEFAULT');
    expect(resolveTemplateId({ id: { CN: 'only-cn' } }, aliyun, hk)).toBeUndefined();
  });
});

describe('params', () => {
  it('converts named to positional in key order and refuses positional for named providers', () => {
    expect(positionalParams({ code: '1234', minutes: 5 })).toEqual(['1234', '5']);
    expect(positionalParams(['a', 2])).toEqual(['a', '2']);
    expect(namedParams({ code: 12 }, aliyun)).toEqual({ code: '12' });
    expect(() => namedParams(['1'], aliyun)).toThrow(
      expect.objectContaining({ code: 'SMS_UNSUPPORTED_MESSAGE' }),
    );
  });

  it('renders {{name}} and {{1}} placeholders and refuses a missing param', () => {
    expect(renderContent('Code {{code}}, {{ minutes }} min', { code: '42', minutes: 5 })).toBe(
      'Code 42, 5 min',
    );
    expect(renderContent('Code {{1}} / {{2}}', ['42', 7])).toBe('Code 42 / 7');
    expect(() => renderContent('Code {{code}}', {})).toThrow(SmsError);
    expect(() => renderContent('Code {{0}}', ['x'])).toThrow(SmsError);
  });

  it('property: values are inserted verbatim, never re-expanded', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const rendered = renderContent('[{{a}}|{{b}}]', { a, b });
        expect(rendered).toBe(`[${a}|${b}]`);
        expect(renderContent('[{{1}}|{{2}}]', [a, b])).toBe(`[${a}|${b}]`);
      }),
    );
  });

  it('property: named → positional keeps every value in insertion order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), { minLength: 1, maxLength: 8 }),
        fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 8, maxLength: 8 }),
        (keys, values) => {
          const params = Object.fromEntries(
            keys.map((key, index) => [key, values[index] as string | number]),
          );
          expect(positionalParams(params)).toEqual(keys.map((_, index) => String(values[index])));
        },
      ),
    );
  });
});
