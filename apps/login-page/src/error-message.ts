import type { MessageKey } from './i18n/en.js';
import type { Translate } from './i18n/locale.js';

/** The server's `error` codes (and auth-client's own: unreachable, timeout, unauthenticated) we word ourselves. */
export const WORDED_ERRORS: ReadonlySet<string> = new Set<string>([
  'invalid_username_or_password',
  'invalid_verification_code',
  'invalid_phone_number',
  'invalid_email',
  'invalid_password',
  'user_not_found',
  'user_already_exists',
  'username_already_exists',
  'rate_limit_exceeded',
  'captcha_required',
  'captcha_unavailable',
  'user_blocked',
  'user_pending',
  'interaction_expired',
  'login_required',
  'access_denied',
  'invalid_grant',
  'invalid_verification_token',
  'temporarily_unavailable',
  'unreachable',
  'timeout',
  'permission_denied',
  'not_found',
  'two_factor_required',
  'unauthenticated',
  'invalid_request',
  'required',
]);

/** What failed, as the page reads it: an AuthClientError, or the `?error=` a redirect brought back. */
export interface FailureLike {
  error: string;
  description?: string;
}

export function asFailure(thrown: unknown): FailureLike {
  if (typeof thrown === 'object' && thrown !== null && 'error' in thrown) {
    const { error, description } = thrown as { error: unknown; description?: unknown };
    if (typeof error === 'string') {
      return typeof description === 'string' ? { error, description } : { error };
    }
  }
  return { error: 'unknown', description: thrown instanceof Error ? thrown.message : String(thrown) };
}

/**
 * The catalogue's wording for a failure; for a code we do not know, the server's description (in
 * English, but specific), else a generic line naming the code.
 */
export function errorMessage(t: Translate, thrown: unknown): string {
  const failure = asFailure(thrown);
  if (WORDED_ERRORS.has(failure.error)) return t(`err.${failure.error}` as MessageKey);
  return failure.description ?? t('err.unknown', { code: failure.error });
}

export function errorCode(thrown: unknown): string {
  return asFailure(thrown).error;
}
