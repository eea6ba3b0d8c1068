import { timingSafeEqual } from 'node:crypto';
import { hashToken } from '../crypto/opaque-token.js';
import { TokenServerError } from '../errors.js';
import type { ClientRegistry, LoadedClient } from './client-registry.js';

/** Where a request may carry client credentials (RFC 6749 §2.3.1). */
export interface PresentedClientCredentials {
  authorization: string | undefined;
  bodyClientId: unknown;
  bodyClientSecret: unknown;
  queryClientId: unknown;
}

export interface AuthenticatedClient {
  client: LoadedClient;
  /** How it authenticated; `none` for a public client. */
  method: 'none' | 'client_secret_basic' | 'client_secret_post';
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Basic realm="lingpai", charset="UTF-8"' };

function invalidClient(description: string): TokenServerError {
  return new TokenServerError('invalid_client', description, { headers: WWW_AUTHENTICATE });
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before base64; decode both. */
function decodeBasic(header: string): { id: string; secret: string } {
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw invalidClient('malformed Basic credentials');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw invalidClient('malformed Basic credentials');
  try {
    const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient('malformed Basic credentials');
  }
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new TokenServerError('invalid_request', `${name} must be a string`);
  return value;
}

function secretMatches(presented: string, storedHash: string | undefined): boolean {
  // Compare equal-length digests so the time taken says nothing about the secret.
  const a = Buffer.from(hashToken(presented));
  const b = Buffer.from(storedHash ?? hashToken(''));
  return a.length === b.length && timingSafeEqual(a, b) && storedHash !== undefined;
}

/**
 * Authenticates the calling client. `client_id` may come from Basic, the body or the query and must
 * agree where given twice; it defaults to the environment id (a public client). CloudBase's
 * `client_secret: ''` and `Basic base64(id:)` mean "no secret". Two methods at once is refused.
 */
export async function authenticateClient(
  registry: ClientRegistry,
  presented: PresentedClientCredentials,
  defaultClientId: string,
): Promise<AuthenticatedClient> {
  const authorization = presented.authorization;
  const basic =
    authorization !== undefined && /^basic /i.test(authorization) ? decodeBasic(authorization) : undefined;
  const bodyId = optionalString('client_id', presented.bodyClientId);
  const queryId = optionalString('client_id', presented.queryClientId);
  const bodySecret = optionalString('client_secret', presented.bodyClientSecret) || undefined;
  const ids = [basic?.id, bodyId, queryId].filter((id): id is string => id !== undefined && id !== '');
  if (ids.some((id) => id !== ids[0]))
    throw new TokenServerError('invalid_request', 'client_id differs between the places it was given');
  if (basic?.secret && bodySecret !== undefined) {
    throw new TokenServerError(
      'invalid_request',
      'use one client authentication method, not both Basic and client_secret',
    );
  }
  const id = ids[0] ?? defaultClientId;
  const client = await registry.get(id);
  const secret = basic?.secret || bodySecret;
  if (!client) {
    // Hash anyway, so an unknown id and a wrong secret cost the same.
    if (secret !== undefined) secretMatches(secret, undefined);
    throw invalidClient('unknown client');
  }
  if (client.kind === 'public') {
    if (secret !== undefined) throw invalidClient('this client is public and has no secret');
    return { client, method: 'none' };
  }
  if (secret === undefined) throw invalidClient('client authentication required');
  const method = basic?.secret ? 'client_secret_basic' : 'client_secret_post';
  if (!client.authMethods.includes(method)) throw invalidClient(`this client does not use ${method}`);
  if (!secretMatches(secret, client.secretHash)) throw invalidClient('client authentication failed');
  return { client, method };
}
