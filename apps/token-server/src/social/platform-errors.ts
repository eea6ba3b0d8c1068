import { isLingpaiError } from '@lingpai/auth-core';
import { isOAuthError } from '@lingpai/oauth-social';
import { TokenServerError } from '../errors.js';

/**
 * What the client hears when a platform call fails. The user's code being bad is theirs to retry
 * (`invalid_grant`); the platform refusing our app, being down or slow is ours (`temporarily_unavailable`,
 * with the platform's code in the log, never its payload). The platform's message is not repeated:
 * it can carry the code or our app id.
 */
export function platformError(providerId: string, error: unknown): TokenServerError {
  if (isOAuthError(error)) {
    switch (error.code) {
      case 'OAUTH_INVALID_CODE':
      case 'OAUTH_CODE_REUSED':
        return new TokenServerError(
          'invalid_grant',
          `${providerId}: the code is invalid, expired or already used`,
          {
            cause: error,
          },
        );
      case 'OAUTH_ACCESS_DENIED':
        return new TokenServerError('access_denied', `${providerId}: the user did not allow the login`, {
          cause: error,
        });
      case 'OAUTH_INVALID_ID_TOKEN':
      case 'OAUTH_INVALID_SIGNATURE':
        return new TokenServerError('invalid_grant', `${providerId}: the platform's answer did not verify`, {
          cause: error,
        });
      default:
        return new TokenServerError(
          'temporarily_unavailable',
          `${providerId}: the platform did not complete the login`,
          {
            cause: error,
            retryAfter: 5,
          },
        );
    }
  }
  if (error instanceof TokenServerError) return error;
  if (isLingpaiError(error)) {
    return new TokenServerError(
      'temporarily_unavailable',
      `${providerId}: the platform could not be reached`,
      {
        cause: error,
        retryAfter: 5,
      },
    );
  }
  return new TokenServerError('temporarily_unavailable', `${providerId}: the platform call failed`, {
    cause: error,
    retryAfter: 5,
  });
}
