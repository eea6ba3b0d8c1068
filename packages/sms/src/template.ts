import { isSupportedCountry } from 'libphonenumber-js/max';
import type {
  RegionalTemplateId,
  SmsRequest,
  SmsTemplate,
  TemplateParams,
  TemplateParamValue,
} from './message.js';
import type { PhoneNumber } from './phone-number.js';
import { SmsError } from './sms-error.js';

interface ProviderRef {
  name: string;
  kind: string;
}

/**
 * The template id this provider uses for this recipient: `ids[name]`, then `ids[kind]`, then `id`;
 * a regional entry picks the recipient's region, then `default`. Undefined when none applies.
 */
export function resolveTemplateId(
  template: SmsTemplate,
  provider: ProviderRef,
  to: PhoneNumber,
): string | undefined {
  const entry = template.ids?.[provider.name] ?? template.ids?.[provider.kind] ?? template.id;
  if (entry === undefined) return undefined;
  if (typeof entry === 'string') return entry;
  return pickRegional(entry, to);
}

/**
 * Refuses a regional template id keyed by something that is neither an ISO region nor `default`
 * (`{ cn: … }`, `{ '+86': … }`, `{ China: … }`): such a key never matches, so the message would
 * silently go out with the `default` template or not at all. Keys of `ids` are not checked: one
 * template object may serve senders with different providers (production ids, a memory provider in
 * tests).
 */
export function checkTemplate(template: SmsTemplate | undefined): void {
  if (template === undefined) return;
  const entries: [string, unknown][] = [['template.id', template.id]];
  for (const [key, value] of Object.entries(template.ids ?? {})) entries.push([`template.ids.${key}`, value]);
  for (const [field, entry] of entries) {
    if (entry === undefined || typeof entry === 'string') continue;
    if (typeof entry !== 'object' || entry === null) {
      throw new SmsError(
        'SMS_CONFIG_INVALID',
        `\`${field}\` must be a template id or { <region>: id, default: id }`,
      );
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'default' && !isSupportedCountry(key)) {
        throw new SmsError(
          'SMS_CONFIG_INVALID',
          `\`${field}\` has the key ${JSON.stringify(key)}: use upper-case ISO regions (CN, HK, US) or default`,
        );
      }
    }
  }
}

function pickRegional(entry: RegionalTemplateId, to: PhoneNumber): string | undefined {
  if (to.region !== undefined && Object.hasOwn(entry, to.region)) return entry[to.region];
  return Object.hasOwn(entry, 'default') ? entry.default : undefined;
}

function paramText(value: TemplateParamValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new SmsError('SMS_CONTENT_REJECTED', 'A template param is not a finite number');
    return String(value);
  }
  return value;
}

/** Params as a name → text record (Aliyun `TemplateParam`, Volcengine). Positional params are rejected. */
export function namedParams(
  params: TemplateParams | undefined,
  provider: ProviderRef,
): Record<string, string> {
  if (params === undefined) return {};
  if (isPositional(params)) {
    throw new SmsError(
      'SMS_UNSUPPORTED_MESSAGE',
      `${provider.name} templates take named params ({ code: '1234' }), not a positional list`,
      { provider: provider.name },
    );
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) out[key] = paramText(value);
  return out;
}

/** Params as an ordered list (Tencent `TemplateParamSet`, Huawei `templateParas`). Named params keep key order. */
export function positionalParams(params: TemplateParams | undefined): string[] {
  if (params === undefined) return [];
  const values: readonly TemplateParamValue[] = isPositional(params) ? params : Object.values(params);
  return values.map(paramText);
}

function isPositional(params: TemplateParams): params is readonly TemplateParamValue[] {
  return Array.isArray(params);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * Fills `{{name}}` (named params) or `{{1}}` (1-based positional params) in one pass, so a value
 * that itself contains `{{x}}` is never expanded again. A placeholder without a param is an error:
 * sending "Your code is {{code}}" would be worse than not sending.
 */
export function renderContent(text: string, params: TemplateParams | undefined): string {
  return text.replace(PLACEHOLDER, (_match, key: string) => {
    let value: TemplateParamValue | undefined;
    if (params !== undefined) {
      if (isPositional(params)) {
        const index = /^[1-9][0-9]*$/.test(key) ? Number(key) - 1 : -1;
        value = index >= 0 ? params[index] : undefined;
      } else if (Object.hasOwn(params, key)) {
        value = params[key];
      }
    }
    if (value === undefined) {
      throw new SmsError(
        'SMS_CONTENT_REJECTED',
        `The message text uses {{${key}}} but no such param was given`,
      );
    }
    return paramText(value);
  });
}

/**
 * The text a content provider sends: `template.content` rendered with the params, else `content`.
 * Throws `SMS_UNSUPPORTED_MESSAGE` when the message only has a template id.
 */
export function resolveContent(
  request: Pick<SmsRequest, 'template' | 'content'>,
  provider: ProviderRef,
): string {
  const template = request.template;
  if (template?.content !== undefined) return renderContent(template.content, template.params);
  if (request.content !== undefined) return request.content;
  throw new SmsError(
    'SMS_UNSUPPORTED_MESSAGE',
    `${provider.name} sends text only; give the message \`content\` or \`template.content\``,
    { provider: provider.name },
  );
}

/** The template id for a template provider, or `SMS_UNSUPPORTED_MESSAGE` when the message has none for it. */
export function requireTemplateId(
  request: Pick<SmsRequest, 'template' | 'to'>,
  provider: ProviderRef,
): { id: string; template: SmsTemplate } {
  const template = request.template;
  const id = template === undefined ? undefined : resolveTemplateId(template, provider, request.to);
  if (template === undefined || id === undefined) {
    throw new SmsError(
      'SMS_UNSUPPORTED_MESSAGE',
      `${provider.name} sends by template; the message has no template id for it${
        request.to.region === undefined ? '' : ` (region ${request.to.region})`
      }`,
      { provider: provider.name },
    );
  }
  return { id, template };
}
