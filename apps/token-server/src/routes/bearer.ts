import type { FastifyRequest } from 'fastify';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { AccessTokenClaims } from '../tokens/access-token-verifier.js';
import { bearerToken } from './request-context.js';

const challenge = (error?: string) => ({
  'WWW-Authenticate': error ? `Bearer realm="lingpai", error="${error}"` : 'Bearer realm="lingpai"',
});

/** The verified claims of the request's Bearer token; 401 with RFC 6750's challenge otherwise. */
export function requireBearer(request: FastifyRequest, services: Services): AccessTokenClaims {
  const token = bearerToken(request);
  if (token === undefined)
    throw new TokenServerError('unauthenticated', 'a Bearer access token is required', {
      headers: challenge(),
    });
  const claims = services.verifier.verify(token);
  if (!claims)
    throw new TokenServerError('invalid_token', 'the access token is invalid, expired or revoked', {
      headers: challenge('invalid_token'),
    });
  return claims;
}
