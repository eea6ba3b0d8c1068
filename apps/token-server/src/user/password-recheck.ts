import type { FastifyRequest } from 'fastify';
import { TokenServerError } from '../errors.js';
import { verifyPassword } from '../grants/password-grant.js';
import { headerOf } from '../routes/request-context.js';
import type { Services } from '../services.js';
import type { FullUserRow } from './current-user.js';

/**
 * Checks the signed-in user's password again (sudo, a password change by the old one) through the
 * sign-in's own `verifyPassword`, so the same lockouts, captcha and IP budgets apply: a stolen
 * access token buys no more guesses than the login form. A wrong password is `invalid_password`.
 */
export async function recheckPassword(
  services: Services,
  request: FastifyRequest,
  user: FullUserRow,
  password: string,
): Promise<void> {
  // The identifier the sign-in would use; an account with none cannot sign in with a password at all.
  const identifier = user.username ?? user.email ?? user.phone_number;
  if (user.password_hash === null || identifier === null)
    throw new TokenServerError('password_not_set', 'this account has no password');
  let checked: { sub: string };
  try {
    checked = await verifyPassword(
      { services, ip: request.ip, captchaToken: headerOf(request, 'x-captcha-token') },
      identifier,
      password,
    );
  } catch (error) {
    if (error instanceof TokenServerError && error.code === 'invalid_grant')
      throw new TokenServerError('invalid_password', 'the password is wrong');
    throw error;
  }
  if (checked.sub !== user.sub) throw new TokenServerError('invalid_password', 'the password is wrong');
}
