import type { LoadedClient } from '../clients/client-registry.js';
import { TokenServerError } from '../errors.js';

/**
 * CloudBase's `/auth/v1/signin*`, `/signup` and `/reset` are the environment's own apps' endpoints:
 * they take a user's password or code directly. A third-party app signs users in through
 * `/auth/v1/authorize` instead, so it never sees their credentials.
 */
export function requireFirstPartyClient(client: LoadedClient): void {
  if (!client.firstParty)
    throw new TokenServerError(
      'unauthorized_client',
      'only first-party apps may sign users in here; use /auth/v1/authorize',
    );
}
