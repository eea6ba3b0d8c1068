import type { AuthenticatedClient } from '../clients/client-authentication.js';
import { TokenServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { TokenResponse } from '../tokens/token-response.js';

/** One token request, after client authentication, as every grant handler sees it. */
export interface GrantContext {
  services: Services;
  client: AuthenticatedClient['client'];
  authMethod: AuthenticatedClient['method'];
  /** Body parameters; empty values already removed (RFC 6749 §3.1: treated as omitted). */
  params: Readonly<Record<string, string | undefined>>;
  /** `x-device-id`, or '' when absent. */
  deviceId: string;
  ip: string;
  captchaToken: string | undefined;
}

export type GrantHandler = (context: GrantContext) => Promise<TokenResponse>;

export function requireParam(context: GrantContext, name: string): string {
  const value = context.params[name];
  if (value === undefined) throw new TokenServerError('invalid_request', `${name} is required`);
  return value;
}
