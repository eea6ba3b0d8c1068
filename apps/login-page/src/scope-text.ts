import type { MessageKey } from './i18n/en.js';
import type { Translate } from './i18n/locale.js';

/** The scopes the catalogue words (`scope.<name>`); any other is shown by its name. */
export const WORDED_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'phone',
  'offline_access',
  'user',
]);

/** A scope in plain words (Zitadel #344); one we have no words for is named as it is. */
export function scopeText(t: Translate, scope: string): string {
  return WORDED_SCOPES.has(scope) ? t(`scope.${scope}` as MessageKey) : t('scope.other', { scope });
}

/** The sign-in methods (RFC 8176 `amr`) the catalogue words (`amr.<value>`). */
export const WORDED_AMR: ReadonlySet<string> = new Set(['pwd', 'sms', 'email', 'fed']);

/** How a session was signed in, in words: its first `amr` value. */
export function amrText(t: Translate, amr: readonly string[] | undefined): string {
  const first = amr?.[0];
  return t(first && WORDED_AMR.has(first) ? (`amr.${first}` as MessageKey) : 'amr.other');
}
