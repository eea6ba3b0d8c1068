import type { FastifyRequest } from 'fastify';
import { TokenServerError } from '../errors.js';
import { bearerToken } from '../routes/request-context.js';
import type { Services } from '../services.js';
import type { UserRow } from '../users/user-repository.js';

/**
 * The anonymous user a sign-up upgrades: named by its access token, as the Bearer header or as the
 * body's `anonymous_token` (what the official client's `SignUpRequest` carries — its `signUp` sends
 * no credentials). Undefined when neither is given. A token that is invalid, of another client, or
 * of a user who is not anonymous (any more) is refused rather than ignored: the caller meant an
 * upgrade, and a new separate account would silently strand the anonymous user's data.
 */
export async function anonymousCaller(
  request: FastifyRequest,
  services: Services,
  params: Readonly<Record<string, string | undefined>>,
  clientId: string,
): Promise<UserRow | undefined> {
  const token = bearerToken(request) ?? params.anonymous_token;
  if (token === undefined) return undefined;
  const claims = services.verifier.verify(token);
  if (!claims || claims.client_id !== clientId)
    throw new TokenServerError('invalid_token', 'the anonymous access token is invalid, expired or revoked');
  const user = await services.users.findBySub(claims.sub);
  if (!user?.is_anonymous)
    throw new TokenServerError('failed_precondition', 'the access token is not an anonymous user’s');
  return user;
}
