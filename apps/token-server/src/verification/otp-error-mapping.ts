import { isOtpError } from '@lingpai/otp';
import { TokenServerError } from '../errors.js';

/**
 * `@lingpai/otp`'s errors as the server's error table (CloudBase's names). Descriptions never carry
 * the address or the code; `Retry-After` comes from the limit that frees up last.
 */
export function mapOtpError(error: unknown, kind: 'phone' | 'email'): unknown {
  if (!isOtpError(error)) return error;
  const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  switch (error.code) {
    case 'OTP_COOLDOWN':
      return new TokenServerError(
        'rate_limit_exceeded',
        'a code was sent to this address moments ago; wait before asking again',
        {
          retryAfter: retryAfter ?? 60,
          cause: error,
        },
      );
    case 'OTP_CAP_REACHED': {
      const limit = (error.details as { limit?: string } | undefined)?.limit ?? 'send';
      return new TokenServerError('rate_limit_exceeded', `too many codes requested (${limit} limit)`, {
        retryAfter: retryAfter ?? 3_600,
        cause: error,
      });
    }
    case 'OTP_WRONG_CODE': {
      const left = (error.details as { attemptsLeft?: number } | undefined)?.attemptsLeft;
      return new TokenServerError(
        'invalid_verification_code',
        left !== undefined && left > 0
          ? `wrong verification code, ${left} attempts left`
          : 'wrong verification code; request a new code',
        { cause: error },
      );
    }
    case 'OTP_EXPIRED':
    case 'OTP_TOO_MANY_ATTEMPTS':
      return new TokenServerError('invalid_verification_code', error.message, { cause: error });
    case 'OTP_TOKEN_INVALID':
      return new TokenServerError(
        'invalid_verification_token',
        'the verification token is invalid, expired or used',
        {
          cause: error,
        },
      );
    case 'OTP_CAPTCHA_REQUIRED':
      return new TokenServerError('captcha_required', 'solve the captcha and send it as x-captcha-token', {
        cause: error,
      });
    case 'OTP_RISK_DENIED':
      return new TokenServerError('permission_denied', 'codes cannot be sent for this request', {
        cause: error,
      });
    case 'OTP_COUNTRY_NOT_ALLOWED':
      return new TokenServerError('invalid_phone_number', 'codes are not sent to numbers in this country', {
        cause: error,
      });
    case 'OTP_INVALID_RECIPIENT':
      return kind === 'phone'
        ? new TokenServerError('invalid_phone_number', 'phone_number is not a valid phone number', {
            cause: error,
          })
        : new TokenServerError('invalid_email', 'email is not a valid email address', { cause: error });
    case 'OTP_STORE_UNAVAILABLE':
      return new TokenServerError(
        'temporarily_unavailable',
        'verification codes are unavailable right now; nothing was sent',
        {
          retryAfter: 5,
          cause: error,
        },
      );
    case 'OTP_CHANNEL_FAILED':
      return new TokenServerError('temporarily_unavailable', 'the code could not be delivered; try again', {
        retryAfter: 5,
        cause: error,
      });
    default:
      return new TokenServerError('invalid_request', 'the verification request is invalid', { cause: error });
  }
}
