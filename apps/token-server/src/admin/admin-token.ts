import type { FastifyRequest } from 'fastify';
import { ADMIN_SCOPE, GRANT_TYPES } from '../clients/client.js';
import { TokenServerError } from '../errors.js';
import { requireBearer } from '../routes/bearer.js';
import type { Services } from '../services.js';

/** Who is acting on an admin route: the admin client and its service account. */
export interface AdminCaller {
  clientId: string;
  /** `service:<client id>`. */
  sub: string;
  ip: string;
}

const insufficient = (description: string) =>
  new TokenServerError('insufficient_scope', description, {
    headers: {
      'WWW-Authenticate': `Bearer realm="lingpai", error="insufficient_scope", scope="${ADMIN_SCOPE}"`,
    },
  });

/**
 * The admin routes' gate: a live client_credentials access token carrying `admin`, of a client that
 * is still registered as confidential, for client_credentials, with `admin` among its scopes.
 *
 * A scope string alone proves nothing about who holds the token: a user token is refused even if its
 * scope said `admin` (the client registry already keeps `admin` away from clients with user grants;
 * this does not rely on it). A service-account token is recognised by what the client_credentials
 * grant puts in it — `sub` is the client's service account (`service:<id>`, which no user sub can
 * be: those are digits only) and there is no `sid` (no session) — and by the registry agreeing, so a
 * removed client, or one whose `admin` scope was taken away, loses the admin API at once although
 * its token has not expired. No token: 401; a token that is not an admin's: 403 insufficient_scope.
 */
export async function requireAdmin(request: FastifyRequest, services: Services): Promise<AdminCaller> {
  const claims = requireBearer(request, services);
  const serviceAccount = `service:${claims.client_id}`;
  if (claims.sid !== undefined || claims.sub !== serviceAccount) {
    throw insufficient('the admin API needs a client_credentials token of an admin client');
  }
  if (!claims.scope.split(' ').includes(ADMIN_SCOPE)) {
    throw insufficient(`the admin API needs a token with the ${ADMIN_SCOPE} scope`);
  }
  const client = await services.clients.get(claims.client_id);
  if (
    client?.kind !== 'confidential' ||
    client.serviceAccountSub !== serviceAccount ||
    !client.grantTypes.includes(GRANT_TYPES.clientCredentials) ||
    !client.scopes.includes(ADMIN_SCOPE)
  ) {
    throw insufficient(`this client is not (any longer) registered with the ${ADMIN_SCOPE} scope`);
  }
  return { clientId: client.id, sub: serviceAccount, ip: request.ip };
}

/**
 * An `onRequest` hook that checks the admin token before the body or query is even validated (a
 * caller without a token learns nothing about the parameters), and the caller it found.
 */
export function adminGate(services: Services): {
  onRequest: (request: FastifyRequest) => Promise<void>;
  callerOf: (request: FastifyRequest) => AdminCaller;
} {
  const callers = new WeakMap<FastifyRequest, AdminCaller>();
  return {
    async onRequest(request) {
      callers.set(request, await requireAdmin(request, services));
    },
    callerOf(request) {
      const caller = callers.get(request);
      if (!caller) throw new TokenServerError('unauthenticated', 'a Bearer access token is required');
      return caller;
    },
  };
}
