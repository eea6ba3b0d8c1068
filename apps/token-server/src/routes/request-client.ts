import type { FastifyRequest } from 'fastify';
import { type AuthenticatedClient, authenticateClient } from '../clients/client-authentication.js';
import type { Services } from '../services.js';
import { headerOf } from './request-context.js';

/**
 * The calling client of a request, from wherever RFC 6749 §2.3.1 and CloudBase let it be named:
 * Basic (a Bearer header is never client credentials), the body's `client_id`/`client_secret`, the
 * query's `client_id`, or the environment id by default.
 */
export function authenticateRequestClient(
  request: FastifyRequest,
  services: Services,
  params: Readonly<Record<string, string | undefined>>,
): Promise<AuthenticatedClient> {
  return authenticateClient(
    services.clients,
    {
      authorization: headerOf(request, 'authorization'),
      bodyClientId: params.client_id,
      bodyClientSecret: params.client_secret,
      queryClientId: (request.query as { client_id?: string }).client_id,
    },
    services.config.envId,
  );
}
